"""Shared pytest fixtures. Tests never download: the hub is switched off for the whole session.

Fixtures (session-scoped, built at test time in a temporary directory, deterministic):

``tiny_qwen_dir`` -> pathlib.Path
    A 2-layer random ``Qwen2ForCausalLM`` (hidden 64, vocabulary 600) with a byte-level BPE
    tokenizer trained on a small English + Chinese corpus, Qwen2's pre-tokeniser, special tokens
    ``<|endoftext|>`` (0, pad), ``<|im_start|>`` (1), ``<|im_end|>`` (2, eos), and Qwen's ChatML
    chat template (default system turn, ``add_generation_prompt``). Loads offline with
    ``AutoTokenizer`` / ``AutoModelForCausalLM.from_pretrained(dir)`` and with
    ``rag.generation.load_llm(str(dir), settings)``. Its output is random text; use it to test
    loading, templating, token budgets, streaming and stopping, not answer quality.

``tiny_qwen_gguf`` -> pathlib.Path
    The same tiny Qwen2 as a ``.gguf`` file (F32 tensors, tokenizer and chat template in the GGUF
    metadata), for the ``DOCQA_LLM=/path/model.gguf`` code path. Loading it needs ``gguf`` and
    ``accelerate`` (transformers' GGUF loader requires both).

``tiny_embedder_dir`` -> pathlib.Path
    A sentence-transformers directory: 2-layer random ``BertModel`` (hidden 64) + mean Pooling +
    Normalize, ``max_seq_length`` 128, a WordPiece tokenizer that splits Chinese into characters and
    English into lower-cased words, and prompts ``{"query": "query: ", "passage": "passage: "}`` so
    ``SentenceTransformer(str(dir)).encode(texts, prompt_name="query")`` works like
    multilingual-e5-small. Embeddings have dimension 64 and unit length.

Both directories are shared by every test in the session: treat them as read-only (copy them with
``shutil.copytree`` into ``tmp_path`` to modify one).

The builders live in ``tests/tiny_models.py`` (``build_tiny_qwen``, ``build_tiny_qwen_gguf``,
``build_tiny_embedder``) for
scripts that need the same models outside pytest.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# Before anything imports huggingface_hub (which reads these once, at import): no hub access, no
# telemetry, in any test. A test that checks the offline path sets them again with monkeypatch.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from tests.tiny_models import build_tiny_embedder, build_tiny_qwen, build_tiny_qwen_gguf  # noqa: E402


@pytest.fixture(scope="session")
def tiny_qwen_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_qwen(tmp_path_factory.mktemp("tiny_qwen"))


@pytest.fixture(scope="session")
def tiny_qwen_gguf(tiny_qwen_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_qwen_gguf(tiny_qwen_dir, tmp_path_factory.mktemp("tiny_gguf") / "tiny-qwen2-f32.gguf")


@pytest.fixture(scope="session")
def tiny_embedder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_embedder(tmp_path_factory.mktemp("tiny_embedder"))


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_embedder_dir: Path) -> Path:
    """DOCQA_* for `docqa` commands run in-process: a fresh index, the tiny embedder, no chat
    model (answers are extracted). Returns the temporary folder they point into."""
    monkeypatch.setenv("DOCQA_EMBED_MODEL", str(tiny_embedder_dir))
    monkeypatch.setenv("DOCQA_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("DOCQA_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("DOCQA_LLM", str(tmp_path / "models" / "no-such-llm"))
    return tmp_path
