"""What a citation quotes: the passage's sentences (a table's rows) that best support the
claims citing it."""
from __future__ import annotations

from ingest.textutil import join_sentences
from rag.passages import text_units
from rag.support import units

# A passage cited by several sentences of an answer quotes the sentence that best supports each
# of them (each once), so that every claim's evidence is shown; at most this many, so that a
# quote stays a quote and not the passage.
MAX_QUOTES = 3


def best_quote(claim: str, passage_text: str, is_table: bool = False) -> str:
    """The passage sentence (a table's row) sharing most with the claim (ties: the earlier one)."""
    sentences = text_units(passage_text, is_table) or [passage_text.strip()]
    return sentences[_best_sentence(claim, sentences)]


def quotes_for(claims: list[str], passage_text: str, is_table: bool = False) -> tuple[str, tuple[str, ...]]:
    """What a citation quotes for the ``claims`` citing one passage: the passage sentence (a
    table's row) best supporting each claim (as ``best_quote``), each once, at most MAX_QUOTES
    (the first claims'), in passage order; returned joined into one text and one by one.
    Neighbouring sentences are joined as the text runs; rows are records, each shown apart."""
    sentences = text_units(passage_text, is_table) or [passage_text.strip()]
    if is_table:
        claims = _rejoin_clauses(claims)
    picked: list[int] = []
    for claim in claims or [""]:
        best = _best_sentence(claim, sentences)
        if best not in picked:
            picked.append(best)
        if len(picked) == MAX_QUOTES:
            break
    picked.sort()
    runs: list[list[str]] = []
    for previous, i in zip([None, *picked], picked):
        if previous is not None and i == previous + 1 and not is_table:
            runs[-1].append(sentences[i])
        else:
            runs.append([sentences[i]])
    return " … ".join(join_sentences(run) for run in runs), tuple(sentences[i] for i in picked)


def _rejoin_clauses(claims: list[str]) -> list[str]:
    """Claims split at ";" joined back into their sentence: a claim read off a table row
    ("城市级别: 一类城市; 职级: 经理及以上; 住宿标准(元/晚): 800") is split at its fields like
    clauses, and each field alone matches the first row that has it, not the row stated."""
    joined: list[str] = []
    for claim in claims:
        if joined and joined[-1].rstrip().endswith((";", "；")):
            joined[-1] = f"{joined[-1]} {claim}"
        else:
            joined.append(claim)
    return joined


def _best_sentence(claim: str, sentences: list[str]) -> int:
    claim_units = units(claim)
    if not claim_units:
        return 0

    def score(i: int) -> float:
        own = units(sentences[i])
        return len(own & claim_units) / (len(claim_units) ** 0.5 * max(1, len(own)) ** 0.5) if own else 0.0

    return max(range(len(sentences)), key=score)
