"""Refusal accounting, aggregation and the printed table (rag.eval.report)."""
from __future__ import annotations

import json

import pytest

from rag.eval.answers import judge_answer
from rag.eval.report import (
    QuestionRecord,
    Timings,
    format_table,
    percentile,
    record_to_dict,
    refusal_outcome,
    score_question,
    summarize,
)
from rag.eval.retrieval import RetrievedItem
from tests.rag.eval.helpers import EVIDENCE_ZH, make_q


def test_refusal_outcomes():
    answerable, unanswerable = make_q(), make_q(gold_answer=None)
    assert refusal_outcome(True, unanswerable) == "correct_refusal"
    assert refusal_outcome(False, unanswerable) == "missed_refusal"
    assert refusal_outcome(True, answerable) == "false_refusal"
    assert refusal_outcome(False, answerable) == "answered"
    assert judge_answer("I cannot find this.", unanswerable) is None


def test_percentile_nearest_rank():
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 50) == 5.0
    assert percentile(values, 95) == 10.0
    assert percentile([3.0], 95) == 3.0
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([], 50) is None


def build_records() -> list[QuestionRecord]:
    en_page = make_q(id="e1", gold_answer="It is 80 visits.", gold_answers=[["80"]], gold_level="page",
                     gold_sources=[{"doc": "docs/A.pdf", "page": 3}])
    en_doc = make_q(id="e2", gold_answer="It is 5 days.", gold_answers=[["5"]], gold_level="document",
                    gold_sources=[{"doc": "docs/A.pdf"}])
    en_none = make_q(id="e3", gold_answer=None, gold_level="page", gold_sources=[])
    zh = make_q(id="z1", lang="zh", question="几天？", gold_answer="十五天", gold_answers=[["15天"]], type="extractive",
                gold_sources=[{"doc": "docs/p/1.txt", "evidence": EVIDENCE_ZH}])
    hit_a3 = RetrievedItem(doc="A.pdf", page_start=3, page_end=3)
    return [
        score_question(en_page, [RetrievedItem(doc="A.pdf", page_start=9), hit_a3], answer="80 visits [1]",
                       refused=False, cited=[hit_a3], timings=Timings(0.1, 1.0, 2.0, 500, 20)),
        score_question(en_doc, [RetrievedItem(doc="B.pdf"), RetrievedItem(doc="B.pdf"), RetrievedItem(doc="A.pdf")],
                       answer="Not in the documents.", refused=True, timings=Timings(0.3, None, 0.4, 0, 0)),
        score_question(en_none, [RetrievedItem(doc="A.pdf")], answer="It is 12.", refused=False,
                       timings=Timings(0.2, 1.5, 3.0, 400, 10)),
        score_question(zh, [RetrievedItem(doc="p/1.txt", text=EVIDENCE_ZH)], answer="十五天。", refused=False,
                       cited=[RetrievedItem(doc="p/2.txt")], timings=Timings(0.4, 2.0, 4.0, 600, 5)),
    ]


def test_summarize_overall_means_counts_and_refusals():
    s = summarize(build_records())
    o = s["overall"]
    assert o["n"] == 4
    r = o["retrieval"]
    assert r["n"] == 3  # e3 has no gold sources: not scored
    assert r["document"]["hit@1"] == pytest.approx(2 / 3)  # e1, z1 at rank 1; e2 at rank 3
    assert r["document"]["hit@3"] == 1.0
    assert r["location"]["hit@1"] == pytest.approx(1 / 3)  # only z1; e1's page-3 chunk is at rank 2
    assert r["location"]["mrr"] == pytest.approx((0.5 + 1 / 3 + 1) / 3)
    a = o["answer"]
    assert a["n"] == 3 and a["correct"] == pytest.approx(2 / 3)  # e2 refused -> wrong; e3 unanswerable: excluded
    c = o["citation"]
    assert c["n"] == 2 and c["correct"] == 0.5  # e1 right; z1 cites the wrong doc; e2 refused: excluded
    ref = o["refusal"]
    assert (ref["unanswerable_n"], ref["refusal_rate"], ref["missed_refusal"]) == (1, 0.0, 1)
    assert (ref["answerable_n"], ref["false_refusal_rate"]) == (3, pytest.approx(1 / 3))
    lat = o["latency"]
    assert lat["first_token_s"]["n"] == 3 and lat["first_token_s"]["p50"] == 1.5  # the None is excluded
    assert lat["total_s"]["p50"] == 2.0 and lat["total_s"]["p95"] == 4.0
    assert lat["tokens_in"]["mean"] == 375


def test_summarize_breakdowns_and_retrieval_only():
    s = summarize(build_records())
    assert set(s["by_lang"]) == {"en", "zh"} and s["by_lang"]["zh"]["answer"]["correct"] == 1.0
    assert set(s["by_type"]) == {"page", "document", "extractive"}
    assert s["by_type"]["document"]["refusal"]["false_refusal_rate"] == 1.0
    only = summarize([score_question(make_q(gold_sources=[{"doc": "A.pdf", "page": 1}]), [RetrievedItem(doc="A.pdf", page_start=1)])])
    assert only["overall"]["answer"]["correct"] is None and only["overall"]["answer"]["n"] == 0
    assert only["overall"]["refusal"]["refusal_rate"] is None
    assert only["overall"]["retrieval"]["location"]["hit@1"] == 1.0


def test_format_table():
    table = format_table(summarize(build_records()))
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["n", "doc@1", "doc@5"]
    assert [ln.split()[0] for ln in lines[1:]] == ["overall", "lang=en", "lang=zh", "type=document", "type=extractive", "type=page"]
    assert "0.67" in lines[1]
    only = format_table(summarize([score_question(make_q(gold_sources=[{"doc": "A.pdf"}]), [RetrievedItem(doc="A.pdf")])]))
    assert "ans" not in only.splitlines()[0] and "loc@5" in only.splitlines()[0]  # retrieval-only: no answer columns


def test_record_to_dict_is_json_ready():
    rec = build_records()[1]
    d = json.loads(json.dumps(record_to_dict(rec), ensure_ascii=False))
    assert d["question"]["id"] == "e2" and d["refusal_outcome"] == "false_refusal"
    assert d["retrieval"]["doc_rank"] == 3 and d["retrieval"]["doc_hit@3"] == 1.0
    assert d["answer_score"]["correct"] is False and d["timings"]["total_s"] == 0.4
