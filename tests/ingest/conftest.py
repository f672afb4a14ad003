"""Fixture documents for pipeline tests: a small folder of real files of each format."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.settings import Settings
from tests.fixture_docs import write_corpus


@pytest.fixture
def corpus(tmp_path: Path) -> dict[str, Path]:
    return write_corpus(tmp_path / "docs")


@pytest.fixture
def settings(tmp_path: Path, tiny_embedder_dir: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index", models_dir=tmp_path / "models", embed_model=str(tiny_embedder_dir),
                    chunk_tokens=120, chunk_overlap_tokens=20, parse_timeout_s=60)
