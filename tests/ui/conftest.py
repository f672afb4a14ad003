"""Fixtures for the page tests: an isolated index/uploads folder and the tiny test models
wired in through the same DOCQA_* variables a user would set; for the API tests, the settings of
an index of two fixture documents, built once per module."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import ingest
from ingest.settings import Settings
from tests.fixture_docs import write_corpus

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "ui" / "app.py"
SAMPLES = ROOT / "data" / "samples"
SAMPLE_PDF = SAMPLES / "travel_expense_policy.pdf"
PARSE_CORPUS = ROOT.parent / "shared" / "eval" / "parse-corpus"
BROKEN_PDF = b"%PDF-1.4\n% not really a PDF: the body was lost in transit\n"


@pytest.fixture
def ui_env(tmp_path: Path, tiny_embedder_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """DOCQA_* for a fresh index, with the tiny embedder and NO chat model (extracted
    answers: deterministic, cited). Tests that want the tiny Qwen set DOCQA_LLM themselves."""
    env = {
        "DOCQA_INDEX": str(tmp_path / "index"),
        "DOCQA_UPLOADS_DIR": str(tmp_path / "uploads"),
        "DOCQA_MODELS": str(tmp_path / "models"),  # empty: nothing found by accident
        "DOCQA_EMBED_MODEL": str(tiny_embedder_dir),
        "DOCQA_LLM": str(tmp_path / "no-such-model"),
        "DOCQA_PARSE_TIMEOUT_S": "60",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("DOCQA_REFUSAL_THRESHOLD", raising=False)
    return env


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, tiny_embedder_dir: Path, tiny_qwen_dir: Path) -> Settings:
    base = tmp_path_factory.mktemp("api")
    corpus = write_corpus(base / "docs")
    s = Settings(
        index_dir=base / "index", uploads_dir=base / "uploads", models_dir=base / "models",
        embed_model=str(tiny_embedder_dir), llm=str(tiny_qwen_dir), threads=1,
        chunk_tokens=120, chunk_overlap_tokens=20, parse_timeout_s=60,
        refusal_threshold=-1.0,  # random embeddings: let every question through to the model
        max_new_tokens=8, generation_timeout_s=30,
    )
    report = ingest([corpus["txt"], corpus["md"]], s)
    assert [f.status for f in report.files] == ["indexed", "indexed"]
    return s
