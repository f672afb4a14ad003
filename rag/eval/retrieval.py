"""Does a retrieved chunk (or a cited passage) come from the gold source?

Document, page, section, sheet/row and evidence matching, and the retrieval figures built
on them (hit@k and reciprocal rank at document and location level).
"""
from __future__ import annotations

import posixpath
import re
import unicodedata
from dataclasses import dataclass

from ingest.textutil import overlap_units
from rag.eval.questions import GoldSource, Question

# Evidence containment (character bigrams for CJK, words for English, set-based):
# the chunk covers at least half of the evidence's units ...
EVIDENCE_COVERAGE = 0.5
# ... or the chunk lies inside the evidence (80% of its own units come from it; the rest is
# slack for the title/section prefix and the chunk's ragged edges) and is not a sliver of it
# (at least 30% of the evidence's unit count), so that a heading-only chunk does not count.
CHUNK_INSIDE = 0.8
CHUNK_MIN_SHARE = 0.3

# English function words say nothing about *which* passage a chunk is; left in, any two
# English paragraphs share a third of their word sets.
_STOPWORDS = frozenset(
    "a an the and or but if of to in on at by for with from as is are was were be been being "
    "it its this that these those there their they them he she his her we our you your i not no "
    "do does did so such than then can may will would should could must shall has have had which "
    "who whom what when where how all any each other into out up about over also only more most".split()
)

# Section paths are joined with " > " by the chunker; accept the other usual separators.
_SECTION_SEPARATORS = (">", "›", "»")


@dataclass(frozen=True)
class RetrievedItem:
    """A ranked chunk as the metrics see it (provenance plus text)."""

    doc: str  # path relative to the --docs folder, POSIX separators
    page_start: int | None = None
    page_end: int | None = None  # None: same as page_start
    section: str | None = None  # "第三章 > 第二节"
    sheet: str | None = None
    row_start: int | None = None
    row_end: int | None = None
    text: str = ""
    # The same text elsewhere, folded into this chunk by the retriever and shown to the reader
    # as "also in": a hit on one of them is a hit on this rank.
    copies: tuple["RetrievedItem", ...] = ()

    def places(self) -> tuple["RetrievedItem", ...]:
        return (self, *self.copies)


@dataclass(frozen=True)
class RetrievalScore:
    """First matching rank (1-based) at each level; None when nothing in the list matched."""

    ks: tuple[int, ...]
    doc_rank: int | None
    loc_rank: int | None
    own_loc_rank: int | None = None  # as loc_rank, but copies shown as "also in" do not count

    def own_loc_hit(self, k: int) -> bool:
        return self.own_loc_rank is not None and self.own_loc_rank <= k

    @property
    def own_loc_rr(self) -> float:
        return 1.0 / self.own_loc_rank if self.own_loc_rank else 0.0

    def doc_hit(self, k: int) -> bool:
        return self.doc_rank is not None and self.doc_rank <= k

    def loc_hit(self, k: int) -> bool:
        return self.loc_rank is not None and self.loc_rank <= k

    @property
    def doc_rr(self) -> float:
        return 1.0 / self.doc_rank if self.doc_rank else 0.0

    @property
    def loc_rr(self) -> float:
        return 1.0 / self.loc_rank if self.loc_rank else 0.0

    def as_dict(self) -> dict[str, float | int | None]:
        out: dict[str, float | int | None] = {"doc_rank": self.doc_rank, "loc_rank": self.loc_rank}
        for k in self.ks:
            out[f"doc_hit@{k}"] = float(self.doc_hit(k))
            out[f"loc_hit@{k}"] = float(self.loc_hit(k))
        out["doc_rr"], out["loc_rr"] = self.doc_rr, self.loc_rr
        out["own_loc_rank"] = self.own_loc_rank
        return out


def _doc_parts(path: str) -> list[str]:
    path = unicodedata.normalize("NFC", path.strip().replace("\\", "/"))
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if parts:
        stem, ext = posixpath.splitext(parts[-1])
        parts[-1] = stem + ext.lower()  # "Report.PDF" is the same file as "Report.pdf"
    return parts


def doc_match(retrieved_doc: str, gold_doc: str) -> bool:
    """Same document when one path is a suffix of the other on component boundaries.

    Gold paths are relative to the question set's folder, retrieved ones to whatever --docs
    folder the user passed (the set folder or a subfolder of it), so
    "docs/passages/159.txt" matches "passages/159.txt" and "159.txt", not "x159.txt".
    """
    a, b = _doc_parts(retrieved_doc), _doc_parts(gold_doc)
    if not a or not b:
        return False
    n = min(len(a), len(b))
    return a[-n:] == b[-n:]


def _pages_match(item: RetrievedItem, page: int) -> bool:
    # Gold pages sometimes point one page early (README), so [page, page + 1] is accepted.
    if item.page_start is None:
        return False
    end = item.page_end if item.page_end is not None else item.page_start
    return item.page_start <= page + 1 and end >= page


def _section_parts(section: str) -> list[str]:
    text = unicodedata.normalize("NFKC", section)
    for sep in _SECTION_SEPARATORS[1:]:
        text = text.replace(sep, _SECTION_SEPARATORS[0])
    return [" ".join(p.split()).casefold() for p in text.split(">") if p.strip()]


# A heading's own numbering ("3.1", "Chapter 2", "(a)", "第三章", "一、", "（二）"): Word's automatic
# numbering is not in the paragraph text, so a gold source and the parsed document can disagree
# on it for the same heading.
_HEADING_NUMBER = re.compile(
    r"^(?:(?:chapter|section|article|part|appendix|annex|schedule)\s+[0-9ivx]+(?:[.\-][0-9]+)*"
    r"|[0-9]+(?:[.\-][0-9]+)*[a-z]?(?![0-9a-z])"
    r"|\(?[a-z]\)|[a-z](?=[.)]\s)|[ivx]{1,5}(?=[.)])"
    r"|第[一二三四五六七八九十百零〇两0-9]+[章节条部分篇款项编]"
    r"|[一二三四五六七八九十百]+(?=[、.．])"
    r"|[（(][一二三四五六七八九十0-9]+[)）])"
    r"[.)、:：．]?\s*"
)


def _split_heading(component: str) -> tuple[str | None, str]:
    """(numbering or None, title) of one normalised heading."""
    m = _HEADING_NUMBER.match(component)
    if not m:
        return None, component
    number, title = m.group(0).strip(), component[m.end():].strip()
    if title and number[-1] not in ".)、:：．）" and m.group(0) == number:
        return None, component  # "第二节补充": no space or mark after the number, one word
    return number.rstrip(".)、:：．") or None, title


def _same_heading(item: str, gold: str) -> bool:
    """Equal, or equal once a numbering only one side writes is set aside ("3.1 Annual leave" and
    "Annual leave"), or the same number where only one side gives the title ("第三章 总则" and
    "第三章"). Two different numbers never match ("2 Scope" is not "3 Scope")."""
    if item == gold:
        return True
    (item_no, item_title), (gold_no, gold_title) = _split_heading(item), _split_heading(gold)
    if item_title and item_title == gold_title:
        return item_no is None or gold_no is None
    return item_no is not None and item_no == gold_no and not (item_title and gold_title)


def section_match(item_section: str | None, gold_section: str) -> bool:
    """The gold path runs, heading by heading, somewhere inside the chunk's path: equal, a
    prefix (the chunk sits deeper inside the gold section), a suffix (the gold names only the
    last headings) or between (both), after width/space/case normalisation, whole headings
    only, a numbering only one side writes set aside."""
    if not item_section:
        return False
    item, gold = _section_parts(item_section), _section_parts(gold_section)
    if not gold or len(gold) > len(item):
        return False
    return any(all(_same_heading(item[i + j], g) for j, g in enumerate(gold)) for i in range(len(item) - len(gold) + 1))


def _sheet_match(item: RetrievedItem, gold: GoldSource) -> bool:
    """The gold's sheet, when it names one, and rows overlapping the gold's rows, when it gives
    them (a CSV file's gold gives rows and no sheet)."""
    if gold.sheet and (not item.sheet or _norm_name(item.sheet) != _norm_name(gold.sheet)):
        return False
    if gold.row_start is None:
        return True
    if item.row_start is None:
        return False  # the gold names rows and the chunk cannot show it holds them
    item_end = item.row_end if item.row_end is not None else item.row_start
    gold_end = gold.row_end if gold.row_end is not None else gold.row_start
    return item.row_start <= gold_end and item_end >= gold.row_start


def _norm_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def content_units(text: str) -> set[str]:
    """overlap_units (CJK bigrams, lowercase words) without English function words."""
    return {u for u in overlap_units(text) if u not in _STOPWORDS}


def evidence_match(chunk_text: str, evidence: str) -> bool:
    """The chunk holds a substantial part of the evidence: it covers >= EVIDENCE_COVERAGE of
    the evidence's units, or it lies inside the evidence (>= CHUNK_INSIDE of its own units)
    while being at least CHUNK_MIN_SHARE of the evidence's size."""
    ev, ch = content_units(evidence), content_units(chunk_text)
    if not ev or not ch:
        return False
    shared = len(ev & ch)
    if shared / len(ev) >= EVIDENCE_COVERAGE:
        return True
    return shared / len(ch) >= CHUNK_INSIDE and len(ch) >= CHUNK_MIN_SHARE * len(ev)


def location_match(item: RetrievedItem, gold: GoldSource) -> bool:
    """Same document and the same place in it.

    The structural fields the gold gives (page, section, sheet/rows) must all match; a chunk
    that contains the gold evidence also counts (README: "also counts"), whatever its page.
    Document-level gold (only ``doc``) is matched by the document alone. ``passage_id`` is the
    data set's own numbering, which no retriever knows, so it is not used.
    """
    if not doc_match(item.doc, gold.doc):
        return False
    if gold.evidence and evidence_match(item.text, gold.evidence):
        return True
    checks: list[bool] = []
    if gold.page is not None:
        checks.append(_pages_match(item, gold.page))
    if gold.section:
        checks.append(section_match(item.section, gold.section))
    if gold.sheet or gold.row_start is not None:
        checks.append(_sheet_match(item, gold))
    if checks:
        return all(checks)
    return not gold.evidence  # document-level gold


def retrieval_scores(ranked: list[RetrievedItem], q: Question, ks: tuple[int, ...] = (1, 3, 5)) -> RetrievalScore | None:
    """Ranks of the first chunk from a gold document and from a gold location (any gold
    source counts). None when the question has no gold sources (nothing to score).
    Reciprocal rank is taken over the whole list given, i.e. the runner's --k cutoff."""
    if not q.gold_sources:
        return None
    doc_rank = loc_rank = own_loc_rank = None
    for rank, item in enumerate(ranked, start=1):
        if doc_rank is None and any(doc_match(x.doc, g.doc) for x in item.places() for g in q.gold_sources):
            doc_rank = rank
        if loc_rank is None and any(location_match(x, g) for x in item.places() for g in q.gold_sources):
            loc_rank = rank
        if own_loc_rank is None and any(location_match(item, g) for g in q.gold_sources):
            own_loc_rank = rank
    return RetrievalScore(ks=tuple(ks), doc_rank=doc_rank, loc_rank=loc_rank, own_loc_rank=own_loc_rank)


def citation_correct(cited: list[RetrievedItem], q: Question, *, copies: bool = True) -> bool | None:
    """True when some cited passage matches a gold source at location level (document level
    for document-level gold); with ``copies``, the places shown with it as "also in" count
    too. None when the question should not be answered or has no gold sources; an answer
    with no citations is False."""
    if not q.should_answer or not q.gold_sources:
        return None
    return any(location_match(x, g) for item in cited for x in (item.places() if copies else (item,))
               for g in q.gold_sources)
