"""Evaluation questions: the JSON Lines format of ../shared/eval, parsed into frozen records.

Parsing is strict about what the metrics need (id, question, gold shapes) and lenient about
everything else (extra fields are ignored, missing optional ones get defaults), because a
held-out set "of the same format" may add fields but must not crash the run.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.textutil import detect_lang


@dataclass(frozen=True)
class GoldSource:
    """Where the answer lives. ``doc`` is relative to the question set's folder; the other
    fields narrow it down (all optional: a source with only ``doc`` is document-level gold)."""

    doc: str
    page: int | None = None  # 1-based PDF page
    section: str | None = None  # Word heading path, "第三章 > 第二节"
    sheet: str | None = None  # Excel sheet name
    row_start: int | None = None  # Excel rows, inclusive; row_end == row_start for one row
    row_end: int | None = None
    passage_id: int | str | None = None  # the data set's own passage number; informational
    evidence: str | None = None  # the passage text that holds the answer

    @property
    def is_document_level(self) -> bool:
        return self.page is None and not self.section and not self.sheet and not self.evidence


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    lang: str  # "zh" | "en"
    gold_answer: str | None
    gold_answers: tuple[tuple[str, ...], ...]  # alternatives; every string of one must appear
    gold_sources: tuple[GoldSource, ...]
    type: str  # breakdown key: "type", else "gold_level", else "default"
    should_answer: bool


def load_questions(path: str | Path) -> list[Question]:
    """Read a questions JSONL file; blank lines are skipped.

    Raises ValueError naming the file and line for malformed JSON, missing or mistyped
    fields and duplicate ids.
    """
    questions: list[Question] = []
    seen: dict[str, int] = {}
    with open(path, encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{where}: not valid JSON: {exc.msg}") from None
            try:
                q = parse_question(obj)
            except ValueError as exc:
                raise ValueError(f"{where}: {exc}") from None
            if q.id in seen:
                raise ValueError(f"{where}: duplicate id {q.id!r} (first on line {seen[q.id]})")
            seen[q.id] = lineno
            questions.append(q)
    return questions


def parse_question(obj: Any) -> Question:
    """One question from its decoded JSON object; ValueError says which field is wrong."""
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    qid = obj.get("id")
    if isinstance(qid, bool) or not isinstance(qid, (str, int)) or str(qid).strip() == "":
        raise ValueError("'id' must be a non-empty string")
    text = obj.get("question")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("'question' must be a non-empty string")
    lang = obj.get("lang")
    if lang is None:
        lang = detect_lang(text)
    else:
        # "zh-CN", "zh_Hans", "EN", "en-US": a set from another tool tags the same languages
        # with a region or script; the base language is what the metrics use.
        base = re.split(r"[-_]", lang.strip(), maxsplit=1)[0].casefold() if isinstance(lang, str) else None
        if base not in ("zh", "en"):
            raise ValueError(f"'lang' must be 'zh' or 'en' (a region such as 'zh-CN' is accepted), got {lang!r}")
        lang = base

    gold_answers = _parse_gold_answers(obj.get("gold_answers"))
    gold_answer = _parse_gold_answer(obj.get("gold_answer"), lang)
    sources = obj.get("gold_sources") or []
    if not isinstance(sources, list):
        raise ValueError("'gold_sources' must be a list")
    gold_sources = tuple(_parse_source(s, i) for i, s in enumerate(sources))

    explicit = obj.get("should_answer")
    if explicit is not None and not isinstance(explicit, bool):
        raise ValueError("'should_answer' must be true or false")
    # A null gold_answer means "the documents do not answer this" (README), unless short
    # gold_answers exist, which plainly say there is an answer; then the reference text is
    # taken from the first alternative so F1 and key facts still have something to use.
    if gold_answer is None and gold_answers:
        gold_answer = _join(gold_answers[0], lang)
    should_answer = (gold_answer is not None) if explicit is None else explicit

    qtype = obj.get("type") or obj.get("gold_level") or "default"
    return Question(
        id=str(qid),
        question=text,
        lang=lang,
        gold_answer=gold_answer,
        gold_answers=gold_answers,
        gold_sources=gold_sources,
        type=str(qtype),
        should_answer=should_answer,
    )


def _join(parts: tuple[str, ...] | list[str], lang: str) -> str:
    return ("；" if lang == "zh" else "; ").join(parts)


def _parse_gold_answer(value: Any, lang: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    # Some multi-document questions give their reference answer as a list of statements.
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return _join(value, lang)
    raise ValueError("'gold_answer' must be a string, a list of strings or null")


def _parse_gold_answers(value: Any) -> tuple[tuple[str, ...], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError("'gold_answers' must be a list of alternatives")
    alternatives: list[tuple[str, ...]] = []
    for alt in value:
        # A bare string is a one-string alternative (the common QA-dataset shape); a list
        # nested inside an alternative adds its strings to it (some multi-document questions
        # wrap their required statements one level deeper).
        parts = _flatten_strings(alt)
        if parts is None:
            raise ValueError("'gold_answers' alternatives must be lists of strings")
        parts = [p for p in parts if p.strip()]
        if parts:
            alternatives.append(tuple(parts))
    return tuple(alternatives)


def _flatten_strings(value: Any, depth: int = 0) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or depth > 2:
        return None
    out: list[str] = []
    for item in value:
        parts = _flatten_strings(item, depth + 1)
        if parts is None:
            return None
        out.extend(parts)
    return out


def _parse_source(obj: Any, index: int) -> GoldSource:
    where = f"gold_sources[{index}]"
    if not isinstance(obj, dict):
        raise ValueError(f"{where} must be an object")
    doc = obj.get("doc")
    if not isinstance(doc, str) or not doc.strip():
        raise ValueError(f"{where}.doc must be a non-empty string")
    row_start, row_end = _parse_rows(obj.get("row", obj.get("rows")), where)
    if row_start is None and obj.get("row_start") is not None:
        # The field names `docqa eval --out` writes, so a record's gold can be fed back in.
        row_start = _parse_int(obj.get("row_start"), f"{where}.row_start")
        row_end = _parse_int(obj.get("row_end"), f"{where}.row_end") or row_start
    passage_id = obj.get("passage_id")
    if passage_id is not None and (isinstance(passage_id, bool) or not isinstance(passage_id, (int, str))):
        raise ValueError(f"{where}.passage_id must be a number or string")
    return GoldSource(
        doc=doc,
        page=_parse_int(obj.get("page"), f"{where}.page"),
        section=_parse_str(obj.get("section"), f"{where}.section"),
        sheet=_parse_str(obj.get("sheet"), f"{where}.sheet"),
        row_start=row_start,
        row_end=row_end,
        passage_id=passage_id,
        evidence=_parse_str(obj.get("evidence"), f"{where}.evidence"),
    )


def _parse_int(value: Any, where: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{where} must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValueError(f"{where} must be an integer, got {value!r}")


def _parse_str(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{where} must be a string")
    return value if value.strip() else None


_ROW_RANGE = re.compile(r"^\s*(\d+)\s*(?:[-–:]\s*(\d+)\s*)?$")


def _parse_rows(value: Any, where: str) -> tuple[int | None, int | None]:
    """"row": 12, "row": "12-15" or "rows": [12, 15] -> (12, 15)."""
    if value is None:
        return None, None
    if isinstance(value, list) and len(value) == 2:
        start, end = _parse_int(value[0], f"{where}.rows"), _parse_int(value[1], f"{where}.rows")
    elif isinstance(value, str) and (m := _ROW_RANGE.match(value)):
        start, end = int(m.group(1)), int(m.group(2) or m.group(1))
    else:
        start = end = _parse_int(value, f"{where}.row")
    if start is None or end is None or end < start:
        raise ValueError(f"{where}: bad row range {value!r}")
    return start, end
