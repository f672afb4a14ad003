"""Loading question files (rag.eval.questions) on hand-made lines and the real dev sets."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.eval.answers import judge_answer
from rag.eval.questions import load_questions
from rag.eval.retrieval import RetrievedItem, retrieval_scores
from tests.rag.eval.helpers import make_q
EVAL_DIR = Path(__file__).resolve().parents[4] / "shared" / "eval"


def write_jsonl(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_questions_fields_and_defaults(tmp_path):
    path = write_jsonl(tmp_path, [
        json.dumps({"id": "a", "question": "年假有几天？", "gold_answer": "十五天", "gold_answers": [["15天"], "十五日"],
                    "gold_sources": [{"doc": "docs/h.docx", "section": "第三章 > 第二节", "passage_id": 3}], "type": "extractive"}),
        "",
        json.dumps({"id": "b", "question": "Who is the CEO?", "lang": "en", "gold_answer": None,
                    "gold_sources": [], "gold_level": "page"}),
        json.dumps({"id": 7, "question": "Rates?", "gold_answer": "1%", "should_answer": False,
                    "gold_sources": [{"doc": "rates.xlsx", "sheet": "2024", "row": "4-6", "page": "3"}]}),
    ])
    a, b, c = load_questions(path)
    assert (a.lang, a.type, a.should_answer) == ("zh", "extractive", True)  # lang detected
    assert a.gold_answers == (("15天",), ("十五日",))  # a bare string is one alternative
    assert a.gold_sources[0].section == "第三章 > 第二节" and not a.gold_sources[0].is_document_level
    assert (b.type, b.should_answer, b.gold_answer) == ("page", False, None)  # null gold: unanswerable
    assert (c.id, c.type, c.should_answer) == ("7", "default", False)
    src = c.gold_sources[0]
    assert (src.sheet, src.row_start, src.row_end, src.page) == ("2024", 4, 6, 3)


def test_gold_answer_given_as_list_is_joined_and_null_gold_with_short_answers_is_answerable(tmp_path):
    q = make_q(gold_answer=["first point", "second point"])
    assert q.gold_answer == "first point; second point"
    q = make_q(gold_answer=None, gold_answers=[["42"]])
    assert q.should_answer and q.gold_answer == "42"


@pytest.mark.parametrize("line, message", [
    ("{not json", "not valid JSON"),
    ('{"id": "x", "gold_answer": "y"}', "'question'"),
    ('{"id": "x", "question": "q", "gold_sources": [{"page": 3}]}', "gold_sources[0].doc"),
    ('{"id": "x", "question": "q", "gold_sources": [{"doc": "d.pdf", "page": "three"}]}', "gold_sources[0].page"),
    ('{"id": "x", "question": "q", "gold_answers": "abc"}', "gold_answers"),
    ('{"id": "x", "question": "q", "lang": "fr"}', "lang"),
    ('{"id": "x", "question": "q", "lang": "fr-FR"}', "'lang' must be"),
    ('{"id": "x", "question": "q", "lang": 7}', "'lang' must be"),
])
def test_malformed_line_names_the_line(tmp_path, line, message):
    path = write_jsonl(tmp_path, ['{"id": "ok", "question": "fine"}', line])
    with pytest.raises(ValueError, match=r"q\.jsonl:2: .*" + message.replace("[", r"\[").replace("]", r"\]")):
        load_questions(path)


@pytest.mark.parametrize("tag, lang", [("zh-CN", "zh"), ("zh_Hans", "zh"), ("EN", "en"), ("en-US", "en")])
def test_language_tags_with_a_region_are_read_as_their_base(tmp_path, tag, lang):
    path = write_jsonl(tmp_path, [json.dumps({"id": "a", "question": "q?", "lang": tag})])
    assert load_questions(path)[0].lang == lang


def test_duplicate_id_is_rejected(tmp_path):
    path = write_jsonl(tmp_path, ['{"id": "a", "question": "x"}', '{"id": "a", "question": "y"}'])
    with pytest.raises(ValueError, match="line 1"):
        load_questions(path)


@pytest.mark.parametrize("name", ["contoso_hr_en", "domainrag_zh"])
def test_real_question_files_load(name):
    path = EVAL_DIR / name / "questions.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not present")
    questions = load_questions(path)
    assert len(questions) >= 50
    assert all(q.gold_sources and q.gold_answer for q in questions)
    assert {q.lang for q in questions} <= {"zh", "en"}
    for q in questions:  # every question can be scored without errors
        item = RetrievedItem(doc=q.gold_sources[0].doc.split("/")[-1], page_start=q.gold_sources[0].page,
                             text=q.gold_sources[0].evidence or "")
        score = retrieval_scores([item], q)
        assert score is not None and score.doc_rank == 1 and score.loc_rank == 1
        assert judge_answer(q.gold_answer, q).correct is True  # the reference answers itself
