"""Citations decided in code: parse [n] markers, drop invalid ones, attribute unmarked
sentences by overlap, renumber by first use, and quote (rag.quotes) what supports each claim.

Why by hand: this is the product's own policy (what counts as support), not something a
library decides; overlap uses CJK character bigrams / English words (rag.support).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ingest.chunking import SECTION_SEP
from ingest.textutil import heading_words, is_cjk, split_sentences
from rag.passages import Passage
from rag.quotes import quotes_for
from rag.support import support, units

# [1] [1, 2] [1][2] 【1】 [1-2] ［１］ — what small models actually emit
_MARKER = re.compile(r"[\[【［]\s*(\d{1,2}(?:\s*(?:[,，、;；]|-|–)\s*\d{1,2})*)\s*[\]】］]")
MARKER_RUN = r"(?:\s*" + _MARKER.pattern + r")*"  # any run of markers, as after a sentence ("...days.[1][2]")
ATTRIBUTE_MIN_OVERLAP = 0.5  # share of a sentence's units found in the passage to attribute it
ATTRIBUTE_TIE = 0.0  # unmarked sentences: passages within this much of the best support are cited too
ATTRIBUTE_MAX_PASSAGES = 2
REATTRIBUTE_MAX_OVERLAP = 0.2  # a cited passage this unrelated to its sentence is replaced...
REATTRIBUTE_MIN_BETTER = 0.5  # ...by one that supports the sentence at least this well
# A cited passage that supports its sentence this much less than another passage does is also
# replaced: the 0.5B model marks most sentences [1] whichever passage they come from.
REATTRIBUTE_MARGIN = 0.3
# A sentence whose cited passages miss one of its numbers also cites the passage stating them all
# (see _cite_sentence); a switch so that bench/recite.py can measure it (EVAL.md).
CITE_FIGURE_HOLDER = True


@dataclass(frozen=True)
class Citation:
    n: int  # number as shown in the final answer text (1..)
    passage: Passage
    quote: str  # the quoted sentences as one text, " … " where the passage's sentences between are left out
    quotes: tuple[str, ...]  # the same sentences one by one, in passage order, each as the passage has it


@dataclass(frozen=True)
class CitedAnswer:
    text: str  # answer with markers renumbered to the citations list
    citations: list[Citation]
    # answer sentences no passage supports: none holds ATTRIBUTE_MIN_OVERLAP of their words,
    # whatever the model marked ("公司食堂几点开饭是中的第2条内容。[1]" keeps its marker, and is listed)
    unsupported: list[str]
    claims: int  # answer sentences in all, so that a reply of only unsupported ones can be told

    @property
    def supported(self) -> bool:
        """Whether some sentence of the answer is supported by a passage."""
        return len(self.unsupported) < self.claims


def _expand(group: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"\s*[,，、;；]\s*", group):
        if re.search(r"[-–]", part):
            lo, hi = (int(x) for x in re.split(r"\s*[-–]\s*", part)[:2])
            out.extend(range(lo, hi + 1) if 0 < hi - lo < 10 else [lo, hi])
        elif part.strip():
            out.append(int(part))
    return out


def strip_markers(text: str) -> str:
    return re.sub(r"[ \t]*" + _MARKER.pattern, "", text)


def strip_echoed_labels(answer: str, passages: list[Passage]) -> str:
    """Remove passage labels the model copied from the prompt ("[3] (380.txt)", "(faq.md ·
    Expenses > …)"): they are not claims, and alone they used to be shown as the answer (7 of
    55 Chinese dev answers held one). Markers stay; the citations say where the text is from."""
    names = {p.label() for p in passages} | {p.doc_name for p in passages if "." in p.doc_name}
    for name in sorted(names, key=len, reverse=True):
        label = re.escape(name)
        # in brackets anywhere; bare only where a label stands alone (line start, after markers):
        # "provided in travel_policy.pdf, ..." is the model naming its source in prose, and stays
        answer = re.sub(r"[ \t]*[(（]\s*" + label + r"\s*[)）](?:[ \t]*[:：])?", "", answer)
        # ...or with a place the model changed ("(plan.pdf · p. 81 · …)" for the p. 80 it was shown)
        if "." in name and " · " not in name:
            answer = re.sub(r"[ \t]*[(（]\s*" + label + r"[ \t]*·[^()（）\n]*[)）](?:[ \t]*[:：])?", "", answer)
        answer = re.sub(r"(?m)^((?:[ \t]*" + _MARKER.pattern + r")*)[ \t]*" + label + r"(?:[ \t]*[:：])?(?=\s|$)",
                        r"\1", answer)
    return answer.strip()


def heading_key(line: str) -> str:
    """A heading as compared with a passage's section path: words only, so that "COVERED
    SERVICES - Gender Affirming Care" and "COVERED SERVICES: Gender Affirming Care" agree."""
    return heading_words(re.sub(r"[\W_]+", " ", strip_markers(line)))


def passage_headings(passages: list[Passage]) -> set[str]:
    """The heading keys of these passages' section paths, whole and part by part."""
    keys = {heading_key(h) for p in passages if p.section for h in (p.section, *p.section.split(SECTION_SEP))}
    keys.discard("")
    return keys


def strip_echoed_headings(answer: str, passages: list[Passage]) -> str:
    """Remove answer lines that are only a heading of a shown passage ("Tips for Employees",
    "COVERED SERVICES: Allergy Testing and Treatment"): the model copies a passage from its
    heading down, and the heading, cited as a claim, names a place rather than saying anything.
    Whole lines only. A reply that is nothing but headings ("[1] 第四章 休假" for "今年的年假没休完
    可以留到明年吗？") becomes empty, so that it is treated like a reply of markers only."""
    headings = passage_headings(passages)
    kept = [line for line in answer.split("\n") if not _headings_only(line, headings)]
    return "\n".join(kept) if any(strip_markers(line).strip() for line in kept) else ""


def _headings_only(line: str, headings: set[str]) -> bool:
    """The line is one heading, or headings one after another with their markers between them
    ("[1] 三、网站规划与推广营销进度[2] [1] 四、技术方案 > 3、网页设计[2]": the model listing the
    places it was shown instead of what they say)."""
    if heading_key(line) in headings:
        return True
    pieces = [heading_key(piece) for piece in _MARKER.split(line)[::2]]
    pieces = [piece for piece in pieces if piece]
    return len(pieces) > 1 and all(piece in headings for piece in pieces)


_MARKER_AS_NOUN = re.compile(r"[ \t]+(?:in|from|of|by|see|to)[ \t]+(?=(?:" + _MARKER.pattern + r")+[ \t]*[,;:.](?:\s|$))", re.I)


def cite(answer: str, passages: list[Passage], texts: list[str] | None = None) -> CitedAnswer:
    """``passages`` are numbered 1..n as in the prompt; ``texts`` the text the model saw
    (possibly trimmed; defaults to each passage body)."""
    texts = texts or [p.body for p in passages]
    # A marker used as a noun ("the information provided in [1], you can ...") moves to the
    # sentence end like every marker; its preposition would be left dangling ("provided in,").
    answer = _MARKER_AS_NOUN.sub(" ", answer)
    # A marker group followed by a space ends a sentence ("…providers.[1] That…"), which the
    # plain sentence splitter cannot see because "]" follows the period.
    # The answer's own line breaks (lists) are kept: sentences are handled line by line.
    lines = []
    for line in answer.split("\n"):
        leading, line = _leading_markers(line)
        sentences = split_sentences(re.sub(r"((?:" + _MARKER.pattern + r")+)[ \t]+", lambda m: m.group(1) + "\n", line))
        lines.append((leading, _clauses_take_run_markers(sentences)))
    order: list[int] = []  # prompt numbers in order of first citation
    rendered_lines: list[list[tuple[str, str]]] = []
    cited_by: dict[int, list[str]] = {}
    unsupported: list[str] = []
    said: list[tuple[frozenset[str], str]] = []  # each claim kept so far: its units, its letters
    in_list = False
    for leading, line_sentences in lines:
        rendered: list[tuple[str, str]] = []
        rendered_lines.append(rendered)
        # In a list (an item's line or the line after one) a repeat is kept: each item is read
        # on its own, and a caveat may apply to each ("• Emergency ... However, the provider
        # must submit a claim"; "• Having no access to other transportation").
        item = bool(line_sentences) and bool(_LIST_ITEM.match(line_sentences[0]))
        repeats_allowed, in_list = item or in_list, item
        for i, sentence in enumerate(line_sentences):
            # An unmarked sentence of a line that opens with markers takes that line's markers.
            if leading and not _MARKER.search(sentence):
                sentence += leading
            if _said_before(strip_markers(sentence), said) and not repeats_allowed:
                continue
            if i > 0 and not rendered and sentence[:1].islower():
                sentence = sentence[0].upper() + sentence[1:]  # its line's opening clause was a repeat
            _cite_sentence(sentence, passages, texts, order, rendered, cited_by, unsupported)
    citations = [
        Citation(i + 1, passages[n - 1], *quotes_for(cited_by[n], texts[n - 1], passages[n - 1].is_table))
        for i, n in enumerate(order)
    ]
    text = "\n".join(_join(_marks_once(r)) for r in rendered_lines if r)
    return CitedAnswer(text, citations, unsupported, sum(len(r) for r in rendered_lines))


def _clauses_take_run_markers(sentences: list[str]) -> list[str]:
    """An unmarked clause ending in ";" takes the markers that close its run of clauses: in
    "City tier: Tier 3; Lodging cap (USD): 160; Meals (USD): 50[2]" the marker stands for the
    whole sentence, as a footnote does, and the fields had been attributed one by one, some to
    another passage that shares "Tier 3"."""
    out = list(sentences)
    closing = ""
    for i in range(len(out) - 1, -1, -1):
        found = _MARKER.findall(out[i])
        if found:
            closing = "".join(f"[{g}]" for g in found)
        elif closing and _CLAUSE_END.search(out[i]):
            out[i] += closing
        else:
            closing = ""
    return out


REPEAT_MIN_UNITS = 4  # a shorter claim ("Yes.", "不可以") may well repeat on purpose
_LIST_ITEM = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)、]|[（(]?[一二三四五六七八九十\d]{1,2}[)）、])\s*")


def _said_before(claim: str, said: list[tuple[frozenset[str], str]]) -> bool:
    """Whether ``claim`` says again what one claim kept so far says: all its content units in it,
    and that claim not much longer (a sentence that a longer one merely touches on is its own
    point), or its very words inside it (a copy cut short: "...创办了国内第一个“古典学" after the
    whole sentence). Noted as said either way. The 0.5B model copies one fact from each of two
    passages that state it ("5 failed sign-in attempts lock my account for 30 minutes.[1] ... 5
    failed sign-in attempts lock my account for 30 minutes;[2]"), or loops; and one notice stands
    in many files, cut at different places. The reader is told it once."""
    own, letters = units(claim), re.sub(r"[\W_]+", "", claim.lower())
    said.append((own, letters))
    return len(own) >= REPEAT_MIN_UNITS and any(
        own <= earlier and (len(earlier) <= 1.5 * len(own) or letters in earlier_letters)
        for earlier, earlier_letters in said[:-1])


_CLAUSE_END = re.compile(r"[;；]\s*$")


def _marks_once(parts: list[tuple[str, str]]) -> list[str]:
    """A line's claims with their markers, but a run of clauses (ending in ";") citing the same
    passages marked once, at its end: a table row copied field by field ("城市级别: 一类城市;[1]适用城市:
    北京、上海;[1]职级: 经理及以上;[1]...") reads as one claim from one place."""
    out = []
    for i, (claim, marks) in enumerate(parts):
        run_goes_on = i + 1 < len(parts) and parts[i + 1][1] == marks and _CLAUSE_END.search(claim)
        out.append(claim if run_goes_on and marks else claim + marks)
    return out


# A list item's bullet or number may come before them ("- [2] The rate is ...").
_LEADING_MARKERS = re.compile(r"^([ \t]*(?:(?:[-*•]|\d{1,2}[.)])[ \t]+)?)((?:" + _MARKER.pattern + r"[ \t]*)+)(?=\S)")


def _leading_markers(line: str) -> tuple[str, str]:
    """Markers opening a line of text ("[1] Employees are responsible ...", "[1] 2017年") and the
    line without them. The model writes this when it answers from, or copies, one passage; a
    marker there has no sentence before it to belong to, and splitting at it used to drop it and
    leave the line to be attributed by overlap alone (14 of 100 English and 28 of 55 Chinese
    recorded replies on the dev sets open a line so)."""
    m = _LEADING_MARKERS.match(line)
    if not m:
        return "", line
    markers = "".join(f"[{g.strip()}]" for g in _MARKER.findall(m.group(2)))
    return markers, m.group(1) + line[m.end():]


def _cite_sentence(
    sentence: str,
    passages: list[Passage],
    texts: list[str],
    order: list[int],
    rendered: list[tuple[str, str]],
    cited_by: dict[int, list[str]],
    unsupported: list[str],
) -> None:
    """Decide the passages one answer sentence cites, and render it with renumbered markers."""
    claim = strip_markers(sentence).strip()
    if not claim or re.fullmatch(r"[\W_]+", claim):
        return
    numbers = [n for m in _MARKER.finditer(sentence) for n in _expand(m.group(1))]
    valid = list(dict.fromkeys(n for n in numbers if 1 <= n <= len(passages)))
    scores = [support(claim, t) for t in texts]
    best = max(range(len(texts)), key=lambda i: scores[i]) if texts else None
    if valid and best is not None:
        # A marker pointing at an unrelated passage while another clearly supports the
        # sentence is the 0.5B model miscounting: fix it rather than mislead the reader.
        cited = max(scores[n - 1] for n in valid)
        if scores[best] >= REATTRIBUTE_MIN_BETTER and (
            cited < REATTRIBUTE_MAX_OVERLAP or scores[best] - cited >= REATTRIBUTE_MARGIN
        ):
            valid = [best + 1]
    elif best is not None and scores[best] >= ATTRIBUTE_MIN_OVERLAP:
        # Every passage that supports the sentence about as well as the best one is cited (up to
        # ATTRIBUTE_MAX_PASSAGES, best-ranked first): the same sentence often stands in two
        # documents (two editions of a plan, a policy and its FAQ), and the reader should see both.
        tied = [i for i in range(len(texts)) if scores[i] >= scores[best] - ATTRIBUTE_TIE]
        valid = [i + 1 for i in tied[:ATTRIBUTE_MAX_PASSAGES]]
    holders = _figure_holders(claim, texts, scores) if CITE_FIGURE_HOLDER and valid else None
    if holders and not any(n - 1 in holders for n in valid):
        # The claim's figures ("75.34", "$35") are what a reader checks, so the passage that
        # states them all is cited too when the chosen ones do not (the model copied
        # "平均分是75.34分" from [3] and marked it [1], which gives another year's score).
        valid.append(max(holders, key=lambda i: scores[i]) + 1)
    if not valid or best is None or scores[best] < ATTRIBUTE_MIN_OVERLAP:
        unsupported.append(claim)
    for n in valid:
        if n not in order:
            order.append(n)
        cited_by.setdefault(n, []).append(claim)
    rendered.append((claim, "".join(f"[{order.index(n) + 1}]" for n in valid)))


_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
_LIST_NUMBER = re.compile(r"^\s*\d{1,2}[.)、]\s+")


@lru_cache(maxsize=1024)  # a passage is read once per answer sentence
def _figures(text: str) -> frozenset[str]:
    """The numbers written in ``text``, thousands separators dropped ("USD 1,000" -> "1000")."""
    text = unicodedata.normalize("NFKC", text)
    return frozenset(m.group().replace(",", "") for m in _FIGURE.finditer(text))


def claim_figures(claim: str) -> frozenset[str]:
    """The numbers a claim states, a list item's own number ("2. ...") aside."""
    return _figures(_LIST_NUMBER.sub("", claim))


def _figure_holders(claim: str, texts: list[str], scores: list[float]) -> set[int] | None:
    """Indexes of the passages that state every number of the claim (a list item's own number
    aside) and support it (``scores``) at least ATTRIBUTE_MIN_OVERLAP; None when the claim has
    no number or no such passage, so that support alone decides."""
    wanted = claim_figures(claim)
    if not wanted:
        return None
    holders = {i for i, t in enumerate(texts) if scores[i] >= ATTRIBUTE_MIN_OVERLAP and wanted <= _figures(t)}
    return holders or None


def _join(parts: list[str]) -> str:
    out = ""
    for part in parts:
        # Markers go after the sentence's end punctuation, as in footnoted text ("…30 days.[1]");
        # Chinese runs on without spaces, but not after a Latin ";" left without its markers.
        if out and (out[-1] == ";" or not (is_cjk(out[-1]) or is_cjk(part[0]))):
            out += " "
        out += part
    return out
