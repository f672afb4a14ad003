"""Fixtures for the page tests: an isolated index/uploads folder and the tiny test models
wired in through the same DOCQA_* variables a user would set."""
from __future__ import annotations

from pathlib import Path

import pytest

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
