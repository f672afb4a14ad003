"""Is the answer right? Short-answer containment, token F1 and key-fact recall.

Two paths, chosen per question (see ``judge_answer``):
- short gold answers (``gold_answers``): every string of one alternative must appear in the
  normalised answer;
- otherwise the reference text ``gold_answer`` (often long and written by a model): the
  answer must carry the reference's key facts (numbers, names, quoted terms) and enough of its
  content. Wording is not judged, so a short answer with the right facts passes.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from rag.citations import strip_markers
from rag.eval.normalize import answer_tokens, canonical_number, normalize_answer, numbers_in
from rag.eval.questions import Question

# A gold_answers string longer than this (answer tokens: CJK characters / English words) is a
# written-out statement, not a short answer; nobody expects it verbatim, so an alternative
# holding one is judged by the reference-text path instead.
SHORT_ANSWER_MAX_TOKENS = {"zh": 30, "en": 12}

# Reference-text path (thresholds on content tokens, calibrated on hand-written right and
# wrong answers to dev-set references; see tests): the key-fact numbers must be found (all
# of them, or two thirds when there are three or more: a concise answer need not repeat every
# figure of a long model-written reference) ...
NUMBER_RECALL_MIN = 2 / 3
# ... and the content must overlap: F1 high enough, or precision high enough for a short
# answer whose recall is low only because the reference is wordy. Wrong answers that reuse the
# question's words reach precision ~0.5-0.62, right short ones ~0.65-0.9.
F1_MIN = 0.4
PRECISION_MIN = 0.65
RECALL_FLOOR = 0.2
# When the reference's figures are all found, they carry the answer ("$1,500 per individual
# and $3,000 per family."); the words need only show it is about the same thing.
F1_MIN_WITH_NUMBERS = 0.25

_EN_FUNCTION_WORDS = frozenset(
    "and or but if of to in on at by for with from as is are was were be been being it its this "
    "that these those there their they them he she his her we our you your i do does did so such "
    "than then can may will would should could must shall has have had which who whom what when "
    "where how all any each other into out up about over also only more most".split()
)
_ZH_FUNCTION_CHARS = frozenset("的了是在和与及或为之其也就都而对等")


@dataclass(frozen=True)
class TokenOverlap:
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class AnswerScore:
    """How one answer scored. ``correct`` is None only when there was nothing to judge by."""

    correct: bool | None
    method: str  # "gold_answers" | "reference" | "none"
    exact: bool | None  # gold_answers containment (None: no short gold answers)
    f1: float | None  # token F1 against gold_answer (standard tokens)
    precision: float | None
    recall: float | None
    key_fact_recall: float | None  # None: the reference has no key facts
    key_facts: tuple[str, ...] = ()
    missing_facts: tuple[str, ...] = ()


# ---------------------------------------------------------------- containment

_CLOCK = re.compile(r"\d{1,2}:\d{2}")


def contains(haystack: str, needle: str) -> bool:
    """Substring test on normalised text that respects word and number edges: "80" is not
    in "180" or "80.5", "plan" is not in "planet"; CJK has no word edges to respect."""
    if not needle:
        return False
    clock = bool(_CLOCK.fullmatch(needle))
    start = 0
    while (i := haystack.find(needle, start)) >= 0:
        j = i + len(needle)
        if _edge_ok(haystack, i - 1, needle[0], -1, clock) and _edge_ok(haystack, j, needle[-1], +1, clock):
            return True
        start = i + 1
    return False


def _edge_ok(text: str, pos: int, edge_char: str, step: int, clock_time: bool = False) -> bool:
    if pos < 0 or pos >= len(text) or not (edge_char.isascii() and edge_char.isalnum()):
        return True
    nb = text[pos]
    if nb.isascii() and nb.isalnum():
        return False
    # "80" followed by ".5" / "-25" is part of a longer number; but a clock time ends at the
    # dash of a range ("08:00-20:00" holds "08:00" and "20:00").
    far = pos + step
    if nb == "-" and clock_time:
        return True
    return not (edge_char.isdigit() and nb in ".-/:" and 0 <= far < len(text) and text[far].isdigit())


def is_short_alternative(alternative: tuple[str, ...], lang: str) -> bool:
    limit = SHORT_ANSWER_MAX_TOKENS.get(lang, SHORT_ANSWER_MAX_TOKENS["en"])
    return all(len(answer_tokens(s, lang)) <= limit for s in alternative)


def answer_correct(answer: str, q: Question) -> bool | None:
    """True when every string of one short gold_answers alternative appears in the
    normalised answer; None when the question has no short alternatives."""
    alternatives = [alt for alt in q.gold_answers if is_short_alternative(alt, q.lang)]
    if not alternatives:
        return None
    norm = normalize_answer(answer, q.lang)
    return any(all(contains(norm, normalize_answer(s, q.lang)) for s in alt) for alt in alternatives)


# ---------------------------------------------------------------- token overlap


def token_overlap(answer: str, gold: str, lang: str, *, content_only: bool = False) -> TokenOverlap:
    """Bag-of-tokens precision/recall/F1 (SQuAD): characters for Chinese, words without
    articles for English. ``content_only`` also drops function words (是/的/of/and ...),
    which otherwise give two unrelated sentences a shared third of their tokens."""
    a, g = answer_tokens(answer, lang), answer_tokens(gold, lang)
    if content_only:
        a, g = _content(a), _content(g)
    if not a or not g:
        same = not a and not g
        return TokenOverlap(float(same), float(same), float(same))
    common = sum((Counter(a) & Counter(g)).values())
    if common == 0:
        return TokenOverlap(0.0, 0.0, 0.0)
    p, r = common / len(a), common / len(g)
    return TokenOverlap(p, r, 2 * p * r / (p + r))


def _content(tokens: list[str]) -> list[str]:
    return [t for t in tokens if t not in _EN_FUNCTION_WORDS and t not in _ZH_FUNCTION_CHARS]


def token_f1(answer: str, gold: str, lang: str) -> float:
    """Standard token F1 (characters for Chinese, SQuAD words for English)."""
    return token_overlap(answer, gold, lang).f1


# ---------------------------------------------------------------- key facts

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# A "." only inside a word ("U.S", "Details.pdf"), so a name never runs across a sentence end.
_CAP_WORD = r"[A-Z](?:[A-Za-z0-9'’&\-]|\.(?=[A-Za-z0-9]))*"
_NAME = re.compile(rf"{_CAP_WORD}(?:\s+(?:(?:of|and|for|the|de|&)\s+)?{_CAP_WORD})+")
_QUOTED = re.compile(r"[\"“「『《]([^\"“”「」『』《》\n]{1,40})[\"”」』》]")
# Capitalised only because they open a sentence (or glue a name to its neighbour); trimmed
# from both ends of a candidate name. Words ending in "ly" ("Additionally") are trimmed too.
_NAME_EDGE_WORDS = frozenset(
    "the a an in if for yes no not this that these those there here to and or of under with when "
    "while as at on by it its our your you we i they he she although though however also "
    "according furthermore moreover therefore thus since because after before during unless once "
    "both each every some many most all such please note only even then what which who where why "
    "how is are can may will should must do does from through including de &".split()
)


def _names(text: str) -> list[str]:
    names: list[str] = []
    for m in _NAME.finditer(text):
        words = m.group(0).split()
        # "Health’s" -> "Health", "Carolina." -> "Carolina"
        words[-1] = re.sub(r"(?:['’]s)?[.\-'’]*$", "", words[-1])
        while words and _is_edge_word(words[0]):
            words.pop(0)
        while words and _is_edge_word(words[-1]):
            words.pop()
        if len(words) >= 2:
            names.append(" ".join(words))
    return names


def _is_edge_word(word: str) -> bool:
    w = word.casefold()
    return w in _NAME_EDGE_WORDS or (w.endswith("ly") and len(w) > 4)


def key_facts(gold_answer: str, lang: str) -> list[str]:
    """Facts an answer must not get wrong: every number (by value, so "50%", "50 percent" and
    "百分之五十" agree, and a date's parts), capitalised multi-word names ("Northwind Health
    Plus"), and quoted or 《titled》 terms. Returned as display strings, first occurrence first,
    without duplicates (by normalised form)."""
    facts: list[str] = []
    seen: set[str] = set()

    def add(fact: str) -> None:
        key = normalize_answer(fact, lang)
        if key and key not in seen:
            seen.add(key)
            facts.append(fact)

    for quoted in _QUOTED.findall(gold_answer):
        add(quoted.strip().rstrip(".,;:!?。，；：！？"))
    for name in _names(gold_answer):
        add(name)
    for number in numbers_in(gold_answer, lang):
        add(number)
    return facts


def _fact_found(fact: str, answer_norm: str, answer_numbers: set[str], lang: str) -> bool:
    if _NUMBER.fullmatch(fact):
        return canonical_number(fact) in answer_numbers
    return contains(answer_norm, normalize_answer(fact, lang))


def key_fact_recall(answer: str, gold_answer: str, lang: str) -> float | None:
    """Share of the reference's key facts found in the answer; None when it has none."""
    facts = key_facts(gold_answer, lang)
    if not facts:
        return None
    norm, numbers = normalize_answer(answer, lang), set(numbers_in(answer, lang))
    return sum(_fact_found(f, norm, numbers, lang) for f in facts) / len(facts)


# ---------------------------------------------------------------- verdict


def judge_answer(answer: str, q: Question, *, refused: bool = False) -> AnswerScore | None:
    """Score one answer. None for questions that should not be answered (see refusals).

    Verdict: with short ``gold_answers``, the containment test decides. Otherwise, against
    ``gold_answer``: correct when (a) the numbers among the key facts are found (all of them,
    or two thirds when there are three or more) and (b) content-token F1 >= F1_MIN, or
    precision >= PRECISION_MIN with recall >= RECALL_FLOOR (a short, right answer to a wordy
    reference). Names and quoted terms are reported in key_fact_recall but do not decide, since a
    correct answer may say "the plan" for "Northwind Standard". A refusal is never correct.
    """
    if not q.should_answer:
        return None
    gold = q.gold_answer
    # Citation markers are stripped: glued to a figure ("800;[1]" -> "8001" once punctuation
    # goes) they hide it, and their digits would count as the gold's numbers.
    text = "" if refused else strip_markers(answer)
    exact = answer_correct(text, q)
    overlap = token_overlap(text, gold, q.lang) if gold else None
    facts = key_facts(gold, q.lang) if gold else []
    norm, numbers = normalize_answer(text, q.lang), set(numbers_in(text, q.lang))
    missing = tuple(f for f in facts if not _fact_found(f, norm, numbers, q.lang))
    recall = (len(facts) - len(missing)) / len(facts) if facts else None

    if exact is not None:
        correct: bool | None = exact and not refused
        method = "gold_answers"
    elif gold:
        correct = not refused and _reference_verdict(text, gold, q.lang, facts, missing)
        method = "reference"
    else:
        correct, method = (False if refused else None), "none"
    return AnswerScore(
        correct=correct,
        method=method,
        exact=exact,
        f1=overlap.f1 if overlap else None,
        precision=overlap.precision if overlap else None,
        recall=overlap.recall if overlap else None,
        key_fact_recall=recall,
        key_facts=tuple(facts),
        missing_facts=missing,
    )


def _reference_verdict(answer: str, gold: str, lang: str, facts: list[str], missing: tuple[str, ...]) -> bool:
    lead_gold, lead_answer = lead_polarity(gold, lang), lead_polarity(answer, lang)
    if lead_gold is not None and lead_answer is not None and lead_gold != lead_answer:
        return False  # "Yes, ..." against "No, ...": word overlap cannot see this
    content = token_overlap(answer, gold, lang, content_only=True)
    number_facts = [f for f in facts if _NUMBER.fullmatch(f)]
    if number_facts:
        found = sum(1 for f in number_facts if f not in missing)
        needed = len(number_facts) if len(number_facts) < 3 else NUMBER_RECALL_MIN * len(number_facts)
        if found + 1e-9 < needed:
            return False
        if found == len(number_facts) and content.f1 >= F1_MIN_WITH_NUMBERS:
            return True
    if content.f1 >= F1_MIN:
        return True
    return content.precision >= PRECISION_MIN and content.recall >= RECALL_FLOOR


_LEAD_EN = re.compile(r"^\W*(yes|no)\b", re.IGNORECASE)
_LEAD_ZH = re.compile(r"^\W*(不是|不可以|不能|不会|没有|否|是的|是|可以|能|会|有)[，,。！!\s]")


def lead_polarity(text: str, lang: str) -> bool | None:
    """True for an answer that opens with yes (是/可以/能/会/有), False for one that opens with
    no (不是/不可以/不能/不会/没有/否), None otherwise."""
    m = _LEAD_EN.match(text) if lang != "zh" else _LEAD_ZH.match(text) or _LEAD_EN.match(text)
    if not m:
        return None
    word = m.group(1).casefold()
    return not (word == "no" or word.startswith(("不", "没")) or word == "否")
