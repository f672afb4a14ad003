"""bench/replay.py: an answered evaluation re-run with the recorded replies gives the recorded
answers, and a reply edited in the record is what the replay answers with."""
import importlib.util
import json
from pathlib import Path

from ingest.settings import Settings
from tests.fixture_docs import write_corpus
from ui.cli import main

REPLAY = Path(__file__).resolve().parents[2] / "bench" / "replay.py"
QUESTIONS = [
    {"id": "q1", "question": "How many days of annual leave do employees receive?", "lang": "en",
     "gold_answer": "25 days", "gold_answers": [["25"]], "gold_sources": [{"doc": "leave.txt"}]},
    {"id": "q2", "question": "How often must passwords be changed?", "lang": "en",
     "gold_answer": "Every 90 days.", "gold_answers": [["90"]], "gold_sources": [{"doc": "security.docx"}]},
]


def _replay_module():
    spec = importlib.util.spec_from_file_location("bench_replay", REPLAY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _records(path: Path) -> dict[str, dict]:
    return {r["question"]["id"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def test_replayed_answers_are_the_recorded_ones(cli_env, tiny_qwen_dir, monkeypatch, capsys):
    monkeypatch.setenv("DOCQA_LLM", str(tiny_qwen_dir))
    docs = cli_env / "docs"
    write_corpus(docs)
    questions = cli_env / "questions.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    index, recorded = cli_env / "eval-index", cli_env / "recorded.jsonl"
    assert main(["eval", str(questions), "--docs", str(docs), "--index", str(index), "--out", str(recorded), "--json"]) == 0
    capsys.readouterr()
    before = _records(recorded)
    # (the tiny random model writes nothing usable: both answers are extracted sentences)

    replay = _replay_module()
    settings = Settings.load().replace(index_dir=index)
    _, records, _, stale = replay.replay(recorded, questions, docs, settings)
    assert stale == {"prompt_changed": [], "no_record": []}
    assert {r.question.id: r.answer for r in records} == {qid: r["answer"] for qid, r in before.items()}

    # the record's reply, not the model, is what is answered with
    edited = cli_env / "edited.jsonl"
    before["q1"]["raw"] = "Employees receive 25 days of annual leave per year.[1]"
    edited.write_text("".join(json.dumps(r) + "\n" for r in before.values()), encoding="utf-8")
    _, records, _, _ = replay.replay(edited, questions, docs, settings)
    answers = {r.question.id: r for r in records}
    assert answers["q1"].answer == "Employees receive 25 days of annual leave per year.[1]"
    assert answers["q1"].answer_score.correct
    assert answers["q2"].answer == before["q2"]["answer"]  # its record unchanged

    # a prompt that is not the one the reply was written to is named
    before["q2"]["timings"]["tokens_in"] += 7
    edited.write_text("".join(json.dumps(r) + "\n" for r in before.values()), encoding="utf-8")
    assert replay.replay(edited, questions, docs, settings)[3]["prompt_changed"] == ["q2"]
