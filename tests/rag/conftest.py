"""An index of the fixture documents built once per session with the tiny embedder, and the tiny
random Qwen2 loaded once per module (fp32, one thread)."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import ingest
from ingest.settings import Settings
from rag.generation import LLM, clear_llm_cache, load_llm
from tests.fixture_docs import write_corpus


@pytest.fixture(scope="session")
def rag_settings(tmp_path_factory: pytest.TempPathFactory, tiny_embedder_dir: Path, tiny_qwen_dir: Path) -> Settings:
    root = tmp_path_factory.mktemp("rag")
    files = write_corpus(root / "docs")
    settings = Settings(index_dir=root / "index", models_dir=root / "models", embed_model=str(tiny_embedder_dir),
                        llm=str(tiny_qwen_dir), chunk_tokens=120, chunk_overlap_tokens=20, max_new_tokens=16,
                        # the tiny model is random, so its reranking would shuffle the retrieval order these
                        # tests check; tests/rag/test_rerank.py turns it on
                        rerank="off")
    ingest([files["txt"].parent], settings)
    return settings


@pytest.fixture(scope="module")
def llm(tiny_qwen_dir: Path) -> LLM:
    clear_llm_cache()
    return load_llm(str(tiny_qwen_dir), Settings(threads=1), dtype="fp32")
