"""The `docqa` command end to end (in-process), with the tiny embedder."""
import json
from pathlib import Path

import pytest

from tests.fixture_docs import write_corpus
from ui.cli import main


@pytest.fixture
def env(cli_env):
    return write_corpus(cli_env / "docs")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_json_search_ask_list_remove(env, capsys):
    code, out, err = run(capsys, "ingest", str(env["txt"].parent), "--json")
    assert code == 2  # the broken PDF failed; everything else indexed
    report = json.loads(out)
    statuses = {Path(f["path"]).name: f["status"] for f in report["files"]}
    assert statuses["leave.txt"] == "indexed" and statuses["broken.pdf"] == "failed" and statuses["scan.png"] == "skipped"
    assert all(f["reason"] for f in report["files"] if f["status"] in ("failed", "skipped"))
    assert report["totals"]["indexed"] == 4 and report["seconds"] >= 0
    assert "Traceback" not in err

    code, out, _ = run(capsys, "ingest", str(env["txt"].parent), "--json")
    assert {f["status"] for f in json.loads(out)["files"] if not f["path"].endswith((".pdf", ".png"))} == {"unchanged"}

    code, out, _ = run(capsys, "search", "mileage rate for a car", "--json", "--k", "3", "--mode", "lexical")
    hits = json.loads(out)
    assert code == 0 and hits[0]["rank"] == 1 and hits[0]["sheet"] == "Mileage" and hits[0]["row_start"] == 2

    code, out, err = run(capsys, "ask", "How many days of annual leave do employees receive?", "--no-llm", "--json")
    answer = json.loads(out)
    assert code == 0 and not answer["refused"] and answer["citations"]
    assert answer["citations"][0]["doc"].endswith("leave.txt") and answer["citations"][0]["quote"]

    code, out, _ = run(capsys, "list")
    assert code == 0 and "leave.txt" in out and "broken.pdf" in out

    code, out, _ = run(capsys, "remove", str(env["md"]))
    assert code == 0 and "removed" in out
    code, out, _ = run(capsys, "list", "--json")
    assert "faq.md" not in out


def test_ask_without_model_says_extracted_and_how_to_enable(env, capsys):
    run(capsys, "ingest", str(env["txt"]))
    code, out, err = run(capsys, "ask", "How many days of annual leave do employees receive?")
    assert code == 0
    assert "Extracted from the documents (no language model)" in out and "Sources:" in out and "leave.txt" in out
    assert "docqa download" in err


def test_errors_are_messages_not_tracebacks(env, capsys, tmp_path):
    code, _, err = run(capsys, "search", "anything", "--index", str(tmp_path / "nowhere"))
    assert code == 1 and "no index" in err and "Traceback" not in err
    code, out, err = run(capsys, "ingest", str(tmp_path / "missing-folder"), "--json")
    assert code == 2 and json.loads(out)["files"][0]["reason"] == "no such file or folder"


def test_an_empty_folder_says_there_is_nothing_to_index(env, capsys, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / ".hidden.pdf").write_bytes(b"%PDF-1.4")
    code, out, err = run(capsys, "ingest", str(empty))
    assert code == 0 and "nothing to index: no files found" in out and "Traceback" not in out + err


def test_a_bad_setting_names_the_variable_and_its_choices(env, capsys, monkeypatch):
    monkeypatch.setenv("DOCQA_ON_MODEL_REFUSAL", "sometimes")
    code, _, err = run(capsys, "search", "anything")
    assert code == 2 and "DOCQA_ON_MODEL_REFUSAL='sometimes' is not one of extract, refuse, unasked" in err
    monkeypatch.delenv("DOCQA_ON_MODEL_REFUSAL")
    monkeypatch.setenv("DOCQA_K", "five")
    code, _, err = run(capsys, "search", "anything")
    assert code == 2 and "DOCQA_K='five' is not a valid int" in err and "Traceback" not in err
