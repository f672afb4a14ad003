"""Follow-up questions resolved for retrieval ("那试用期呢？", "what about dental?").

A rule, not a model rewrite: on 2 CPU cores an LLM rewrite costs a full prefill before the
answer even starts; the rule was measured against it (EVAL.md "follow-ups") and kept.
"""
from __future__ import annotations

import re

from ingest.lexical import query_terms
from ingest.textutil import detect_lang

_EN_FOLLOWUP = re.compile(
    r"^(and|what about|how about|and what about|what if|also|same for|is that|does that|does it|is it|what of)\b", re.I
)
_ZH_FOLLOWUP = re.compile(r"^(那|那么|还有|另外|以及|这个|那个|它|他们|其|该)|呢[？?]?$")
_EN_PRONOUN = re.compile(r"\b(it|its|they|them|their|that|this|those|these|he|she)\b", re.I)


def is_followup(question: str) -> bool:
    q = question.strip()
    if detect_lang(q) == "zh":
        return bool(_ZH_FOLLOWUP.search(q)) or len(q) <= 6
    terms = query_terms(q)
    return bool(_EN_FOLLOWUP.search(q)) or len(terms) <= 2 or (bool(_EN_PRONOUN.search(q)) and len(terms) <= 4)


def resolve(question: str, history: list[dict[str, str]] | None) -> str:
    """The query to retrieve with: the question, plus the previous user question when this
    one reads as a follow-up (retrieval then sees both topics; the model sees the question)."""
    if not history:
        return question
    previous = [m["content"] for m in history if m.get("role") == "user" and m.get("content", "").strip()]
    if not previous or not is_followup(question):
        return question
    return f"{previous[-1].strip()} {question.strip()}"
