"""`docqa eval` end to end on a set it has never seen: Word, Excel, Markdown and text files,
gold given as section, sheet + rows, document and "should not answer", in both languages.
The tiny embedder is random, so lexical retrieval carries these questions (``--mode
lexical``); the point is that the same command works on any set of the shared format."""
import json

import pytest

from tests.fixture_docs import write_corpus
from ui.cli import main

QUESTIONS = [
    {"id": "sec-1", "question": "How many characters must passwords have?", "lang": "en",
     "gold_answer": "At least 12 characters.", "gold_answers": [["12"]],
     "gold_sources": [{"doc": "security.docx", "section": "Security rules"}]},
    {"id": "row-1", "question": "What is the mileage rate per mile for a car?", "lang": "en",
     "gold_answer": "0.62", "gold_answers": [["0.62"]],
     "gold_sources": [{"doc": "rates.xlsx", "sheet": "Mileage", "row_start": 2, "row_end": 2}]},
    {"id": "doc-1", "question": "How many days of annual leave do employees receive?", "lang": "en",
     "gold_answer": "Employees receive 25 days of annual leave per year.",
     "gold_sources": [{"doc": "leave.txt"}]},
    {"id": "zh-1", "question": "差旅费用应在多少日内报销？", "lang": "zh", "gold_answer": "三十日内",
     "gold_answers": [["30"]], "gold_sources": [{"doc": "faq.md", "section": "第四章 报销"}]},
    {"id": "neg-1", "question": "What is the boiling point of mercury?", "lang": "en",
     "gold_answer": None, "should_answer": False, "gold_sources": []},
]


@pytest.fixture
def eval_set(cli_env):
    docs = cli_env / "unseen"
    write_corpus(docs)
    questions = cli_env / "questions.jsonl"
    questions.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in QUESTIONS), encoding="utf-8")
    return docs, questions


def run_eval(eval_set, capsys, tmp_path, *flags):
    """`docqa eval` in-process; returns (exit code, --json report, --out records by id)."""
    docs, questions = eval_set
    out = tmp_path / "records.jsonl"
    code = main(["eval", str(questions), "--docs", str(docs), "--mode", "lexical", *flags, "--out", str(out), "--json"])
    report = json.loads(capsys.readouterr().out)
    records = {r["question"]["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    return code, report, records


def test_retrieval_only_on_an_unseen_mixed_format_set(eval_set, capsys, tmp_path):
    code, report, records = run_eval(eval_set, capsys, tmp_path, "--retrieval-only", "--rerank", "ql")
    assert code == 0
    # The broken PDF and the image in the folder are reported by ingest, not fatal to the run.
    assert report["run"]["ingest"]["failed"] == 1 and report["run"]["ingest"]["indexed"] == 4
    ranks = {qid: r["retrieval"]["loc_rank"] for qid, r in records.items() if r["retrieval"]}
    # Each kind of gold location is matched: a Word section, a sheet row, a Markdown section, a file.
    assert ranks["sec-1"] == 1 and ranks["row-1"] == 1 and ranks["zh-1"] == 1 and ranks["doc-1"] == 1
    # the --out record says where each retrieved chunk is, rows included, for error analysis
    top_row = records["row-1"]["retrieved"][0]
    assert top_row["sheet"] == "Mileage" and top_row["rows"][0] <= 2 <= top_row["rows"][1]
    overall = report["summary"]["overall"]["retrieval"]
    assert overall["n"] == 4 and overall["location"]["hit@1"] == 1.0
    # reranking asked for, but no chat model here (cli_env): retrieval order, and the report says why
    assert report["run"]["rerank"].startswith("passages not reranked (no chat model)")
    assert set(report["summary"]["by_lang"]) == {"en", "zh"}


def test_an_index_holding_another_folder_is_named_in_a_note(eval_set, capsys, tmp_path):
    docs, questions = eval_set
    index = tmp_path / "shared-index"
    args = ["eval", str(questions), "--docs", str(docs), "--mode", "lexical", "--retrieval-only", "--index", str(index), "--json"]
    assert main(args) == 0
    first = capsys.readouterr()
    assert json.loads(first.out)["run"]["documents_outside_docs"] == 0 and "note:" not in first.err
    other = tmp_path / "other"
    other.mkdir()
    (other / "memo.txt").write_text("Parking at the office is free for visitors.\n", encoding="utf-8")
    assert main(["ingest", str(other), "--index", str(index)]) == 0
    capsys.readouterr()
    assert main(args) == 0
    second = capsys.readouterr()
    assert json.loads(second.out)["run"]["documents_outside_docs"] == 1
    assert "also holds 1 document from outside" in second.err and "--index a folder of its own" in second.err


def test_answered_without_a_model_scores_answers_citations_and_refusals(eval_set, capsys, tmp_path):
    code, report, records = run_eval(eval_set, capsys, tmp_path, "--no-llm")
    assert code == 0
    # Extracted answers quote the documents, so the short gold answers are found and cited.
    for qid in ("sec-1", "row-1", "zh-1"):
        assert records[qid]["answer_score"]["correct"] is True, records[qid]["answer"]
        assert records[qid]["citation_ok"] is True
    overall = report["summary"]["overall"]
    assert overall["answer"]["n"] == 4 and overall["citation"]["correct"] >= 0.75
    # The off-topic question is the only unanswerable one; whatever the decision, it is counted.
    refusal = overall["refusal"]
    assert refusal["unanswerable_n"] == 1 and refusal["correct_refusal"] + refusal["missed_refusal"] == 1
    assert overall["latency"]["total_s"]["p50"] is not None
    assert report["run"]["models_load_seconds"] >= 0  # loaded before the first question, reported apart
