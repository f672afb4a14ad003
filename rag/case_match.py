"""Which case of a list the question is about ("工作满12年" -> "已满10年不满20年的，年假10天").

Why: policies and rate tables state rules as lists of cases by a quantity (years of service,
minutes late, days of leave, flight hours) or by a row attribute (grade, city). The 0.5B model
reads such a list and takes its first case: on the project's samples every Chinese question
retrieved its passage first and 7 of 8 answers were wrong this way ("迟到30分钟" answered with the
"15分钟以内" fine). Working out which case holds is arithmetic on intervals, which code does
reliably and the model does not; the matching line is then shown to the model next to the
question (rag.prompting), and the model still writes the answer from the passages.

Why by hand: no library reads "已满10年不满20年" or "flights of 6 to 9 hours" as an interval.
The rule only fires on a real list: at least two cases of one passage, one of which is better
than every other: its interval holds the question's quantity while another case's interval
excludes it (ties broken by the question's words that not every case shares); or, in a table,
one row holds more of those telling words than any other row ("经理去上海" -> the row with both
"上海" and "经理"). Otherwise nothing is shown.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.lexical import query_terms
from rag.eval.normalize import convert_cn_numerals

# canonical unit -> the ways it is written (matched longest first)
_UNITS = {
    "year": ("years", "year", "yrs", "周年", "年"),
    # not "月" / "日" alone: "3月1日" is a date, not a duration
    "month": ("months", "month", "个月"),
    "week": ("weeks", "week", "周", "星期"),
    "day": ("working days", "business days", "days", "day", "工作日", "天"),
    "hour": ("hours", "hour", "hrs", "hr", "小时", "个小时"),
    "minute": ("minutes", "minute", "mins", "min", "分钟"),
    "money": ("dollars", "euros", "yuan", "元", "块"),
    "km": ("kilometres", "kilometers", "km", "公里", "千米"),
    "mile": ("miles", "mile"),
    "night": ("nights", "night", "晚"),
    "person": ("people", "persons", "employees", "人", "名"),
    "times": ("times", "次"),
    "percent": ("percent", "%", "％"),
}
_UNIT_OF = {w: u for u, words in _UNITS.items() for w in words}
_UNIT_RE = "|".join(sorted((re.escape(w) for w in _UNIT_OF), key=len, reverse=True))
_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"  # Chinese numerals are converted to digits first ("三天" -> "3天")
# "$500", "6 to 9 hours", "15分钟"; a number followed by its unit, or a bare number
_QTY = re.compile(rf"(?P<cur>[$€¥])?\s?(?P<num>{_NUM})\s?(?P<unit>{_UNIT_RE})?(?![A-Za-z])", re.IGNORECASE)
# "6 to 9 hours", "6-9小时", "10至20年", "between 6 and 9 hours"
_RANGE = re.compile(
    rf"(?:between\s+)?(?P<a>{_NUM})\s?(?P<ua>{_UNIT_RE})?\s?(?:up to|to|and|-|–|~|～|至|到)\s?(?P<b>{_NUM})\s?(?P<ub>{_UNIT_RE})(?![A-Za-z])",
    re.IGNORECASE,
)
# Comparators around a quantity: (pattern, side bounded, inclusive). Negated forms come first so
# that "不满" is not read as "满", nor "不超过" as "超过".
_BEFORE = [
    (r"(?:不满|未满|不足|少于|低于|less than|fewer than|under|below|shorter than)\s?$", "high", False),
    (r"(?:不超过|不多于|最多|up to|no more than|not more than|not exceeding|at most|within|maximum of)\s?$", "high", True),
    (r"(?:已满|满|at least|minimum of|from)\s?$", "low", True),
    (r"(?:超过|超出|多于|大于|高于|逾|more than|over|longer than|above|exceeding|in excess of)\s?$", "low", False),
]
_AFTER = [
    (r"^\s?(?:以内|之内|以下|内|or less|or fewer|or under|and under|maximum|max)", "high", True),
    (r"^\s?(?:以上|及以上|起|or more|or longer|and over|and above|\+|minimum)", "low", True),
]
_CASE_SPLIT = re.compile(r"\n|[；;]|(?<=[。！？])|(?<=[.!?])\s+(?=[A-Z(（])")
MAX_HINT_CHARS = 240


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: str


@dataclass(frozen=True)
class Interval:
    unit: str
    low: float | None = None
    low_inclusive: bool = True
    high: float | None = None
    high_inclusive: bool = True

    def holds(self, value: float) -> bool:
        if self.low is not None and (value < self.low or (value == self.low and not self.low_inclusive)):
            return False
        if self.high is not None and (value > self.high or (value == self.high and not self.high_inclusive)):
            return False
        return True


@dataclass(frozen=True)
class CaseHint:
    """The case of one passage's list that the question is about."""

    n: int  # the passage's number in the prompt
    text: str


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _unit(word: str | None, currency: str | None = None, value: float | None = None) -> str | None:
    if currency:
        return "money"
    unit = _UNIT_OF.get(word.lower()) if word else None
    if unit == "year" and value is not None and 1900 <= value <= 2100:
        return "calendar year"  # "2023年" is a date: never compared with "满20年" of service
    return unit


def question_quantities(question: str) -> list[Quantity]:
    """Quantities with a unit stated in the question ("12年", "a 7 hour flight", "$500")."""
    out = []
    for m in _QTY.finditer(convert_cn_numerals(question)):
        value = _number(m.group("num"))
        unit = _unit(m.group("unit"), m.group("cur"), value)
        if value is not None and unit is not None:
            out.append(Quantity(value, unit))
    return out


def intervals(case: str) -> list[Interval]:
    """The bounds a case text puts on quantities: "已满10年不满20年" -> [10, 20) years."""
    case = convert_cn_numerals(case)
    found: list[Interval] = []
    taken: list[tuple[int, int]] = []
    for m in _RANGE.finditer(case):
        a, b = _number(m.group("a")), _number(m.group("b"))
        unit = _unit(m.group("ub"), None, b)
        if a is None or b is None or unit is None or a > b:
            continue
        if m.group("ua") and _unit(m.group("ua"), None, a) != unit:
            continue  # "5 days and 9 hours" is two quantities, not a range
        found.append(Interval(unit, a, True, b, True))
        taken.append(m.span())
    for m in _QTY.finditer(case):
        if any(s <= m.start() < e for s, e in taken):
            continue
        value = _number(m.group("num"))
        unit = _unit(m.group("unit"), m.group("cur"), value)
        if value is None or unit is None:
            continue
        before, after = case[max(0, m.start() - 16):m.start()], case[m.end():m.end() + 12]
        bound = _bound(before, _BEFORE) or _bound(after, _AFTER)
        if bound is None:
            continue
        side, inclusive = bound
        found.append(Interval(unit, value, inclusive) if side == "low" else Interval(unit, None, True, value, inclusive))
    return _merge(found)


def _bound(context: str, rules) -> tuple[str, bool] | None:
    for pattern, side, inclusive in rules:
        if re.search(pattern, context, re.IGNORECASE):
            return side, inclusive
    return None


def _merge(found: list[Interval]) -> list[Interval]:
    """One interval per unit: "已满10年" and "不满20年" in one case make [10, 20)."""
    by_unit: dict[str, Interval] = {}
    for iv in found:
        cur = by_unit.get(iv.unit)
        if cur is None:
            by_unit[iv.unit] = iv
            continue
        low, low_inc = (iv.low, iv.low_inclusive) if cur.low is None else (cur.low, cur.low_inclusive)
        high, high_inc = (iv.high, iv.high_inclusive) if cur.high is None else (cur.high, cur.high_inclusive)
        by_unit[iv.unit] = Interval(iv.unit, low, low_inc, high, high_inc)
    return list(by_unit.values())


def cases(text: str) -> list[str]:
    """The cases of a passage: its lines, clauses between semicolons, and sentences."""
    return [c.strip() for c in _CASE_SPLIT.split(text) if c and len(c.strip()) >= 4]


def _quantity_score(case: str, quantities: list[Quantity]) -> int | None:
    """+1 for each question quantity an interval of the case holds, -1 for each it excludes;
    None when the case bounds none of the question's kinds of quantity."""
    score, bounded = 0, False
    for iv in intervals(case):
        for q in quantities:
            if q.unit == iv.unit:
                score += 1 if iv.holds(q.value) else -1
                bounded = True
    return score if bounded else None


def _term_scores(items: list[str], terms: list[str]) -> list[int]:
    """Question words each case holds, counting only words that not every case holds."""
    lowered = [c.lower() for c in items]
    telling = [t for t in terms if 0 < sum(t in c for c in lowered) < len(lowered)]
    return [sum(t in c for t in telling) for c in lowered]


def _lists(scores: list[int | None]) -> list[list[int]]:
    """Runs of consecutive cases that bound the question's quantity: one list of cases each.
    A passage can hold two lists ("flights: under 6 hours ... more than 9 hours" and, lines later,
    "rail: first class for more than 3 hours"), and only cases of one list compete."""
    runs: list[list[int]] = []
    for i, score in enumerate(scores):
        if score is None:
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def matching_case(question: str, passages: list[tuple[int, str, bool]]) -> CaseHint | None:
    """The case the question picks out among the cases of the ``(number, text, is_table)``
    passages (in prompt order): in the first passage with a list whose cases the question's
    quantity tells apart (one holds it, another excludes it), the single best of that list;
    failing that, the first table with one row holding more of the question's telling words
    than any other row. None when no single case stands out."""
    quantities = question_quantities(question)
    terms = [t.lower() for t in query_terms(question) if not any(ch.isdigit() for ch in t)]
    by_words: CaseHint | None = None
    for n, text, is_table in passages:
        items = [line.strip() for line in text.split("\n") if line.strip()] if is_table else cases(text)
        if len(items) < 2:
            continue
        q_scores = [_quantity_score(c, quantities) for c in items]
        picks = set()
        for run in _lists(q_scores):
            run_scores = [q_scores[i] for i in run]
            if len(run) >= 2 and max(run_scores) > 0 and min(run_scores) < 0:
                run_items = [items[i] for i in run]
                picks.add(_single_best(run_items, run_scores, _term_scores(run_items, terms)))
        if picks:
            if len(picks) == 1 and None not in picks:
                return CaseHint(n, picks.pop()[:MAX_HINT_CHARS])
            continue  # two lists (or a tie within one) fit: nothing stands out in this passage
        if is_table and by_words is None:
            t_scores = _term_scores([_labelled_fields(row) for row in items], terms)
            best = _single_best(items, [0] * len(items), t_scores) if max(t_scores) >= 1 else None
            if best is not None:
                by_words = CaseHint(n, _fields_asked(best, terms + _years(question))[:MAX_HINT_CHARS])
    return by_words


def _labelled_fields(row: str) -> str:
    """The "header: value" fields of a table row, without the pieces of a free-text cell that
    ran on past a ";" ("Changes: Mileage rate revised; receipt threshold raised; corporate card
    section added"). A row is picked by the values of its columns (a city, a grade), not by a
    remark: "What is the monthly limit on the corporate card?" had picked a document-history
    row, and the model repeated the case line as its answer."""
    return "; ".join(f for f in row.split(";") if ":" in f or "：" in f)


def _years(question: str) -> list[str]:
    """The years a question names ("in the first half of 2022"): left out of the words that pick
    a row, as numbers are, but what tells a report's "January–June 2022" column from its 2023 one."""
    return re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", question)


def _fields_asked(row: str, terms: list[str]) -> str:
    """The fields of a table row ("header: value; header: value") the question is about: the
    row's label (its first field), the fields holding the question's words, and the one column
    whose header the question names more than any other header; the whole row when no header
    stands out. A report row of nine columns was cut at MAX_HINT_CHARS before the column asked
    for ("restructuring costs"), and the model took the neighbouring field (-130 for -94)."""
    fields = [f.strip() for f in row.split(";") if f.strip()]
    if len(fields) < 3:
        return row
    headers = [f.rsplit(":", 1)[0].lower() if ":" in f else "" for f in fields[1:]]
    h_scores = _term_scores(headers, terms)
    ranked = sorted(range(len(headers)), key=lambda i: h_scores[i], reverse=True)
    if h_scores[ranked[0]] < 1 or h_scores[ranked[0]] == h_scores[ranked[1]]:
        return row
    asked = ranked[0]
    kept = [fields[0]] + [f for i, f in enumerate(fields[1:])
                          if i == asked or any(t in f.rsplit(":", 1)[-1].lower() for t in terms)]
    return "; ".join(kept)


def _single_best(items: list[str], q_scores: list[int], t_scores: list[int]) -> str | None:
    ranked = sorted(zip(q_scores, t_scores, items), key=lambda x: (x[0], x[1]), reverse=True)
    (q1, t1, text), (q2, t2, _) = ranked[0], ranked[1]
    return None if (q1, t1) == (q2, t2) else text
