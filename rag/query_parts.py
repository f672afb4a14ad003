"""Split a compound question ("How does X affect costs, and what are the exceptions to Y?")
into its parts, so that retrieval can look for each part as well as for the whole.

Why: one embedding of a two-part question lands between the two topics, and the top k then
holds neither part's page (22 of the 100 English dev questions are split by the rule below).
Each part gets a slot of its own in the results (rag.retrieval.Retriever.search).

Why by hand: no library splits questions; the rule is deliberately narrow (a clause boundary
followed by a new question word, or a second question mark in Chinese), and a part too short to
stand alone ("...and for how long?") is not searched on its own.
"""
from __future__ import annotations

import re

from ingest.lexical import query_terms

# ", and what ..." / " and how ..." / "; also which ...": a new question begins.
_EN_BOUNDARY = re.compile(
    r"(?:,|;)?\s+(?:and|also|as well as)\s+(?=(?:what|how|which|who|whom|when|where|why|is|are|does|do|can|should|will)\b)",
    re.IGNORECASE,
)
# "...有什么要求？多久要换一次？" / "...；..." / "...，以及..."
_ZH_BOUNDARY = re.compile(r"(?<=[？?；;])\s*(?=\S)|[，,](?:以及|并且|另外|同时)")
MIN_PART_TERMS = 4  # content terms a part needs to be searched on its own ("its conditions?" is not)
MAX_PARTS = 3


def question_parts(question: str) -> list[str]:
    """The parts of a compound question worth searching on their own; [] when it is one question."""
    text = question.strip()
    pattern = _ZH_BOUNDARY if re.search(r"[\u4e00-\u9fff]", text) else _EN_BOUNDARY
    parts = [p.strip(" ,，;；") for p in pattern.split(text)]
    parts = [p for p in parts if len(set(query_terms(p))) >= MIN_PART_TERMS]
    return parts[:MAX_PARTS] if len(parts) > 1 else []
