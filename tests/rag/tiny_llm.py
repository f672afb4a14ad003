"""Helpers for tests that drive the tiny random Qwen2 (tests/tiny_models.py) through rag.generation."""
from __future__ import annotations

from pathlib import Path

import torch

from ingest.settings import Settings
from rag.generation import LLM
from rag.llm_loading import load_weights, resolve_source

# A system turn and a user turn that quotes one passage: the chat the rag.generation tests send.
MESSAGES = [
    {"role": "system", "content": "Answer only from the passages."},
    {"role": "user", "content": "[1] 员工每年享有十五天带薪年假。\n\nHow many days of annual leave?"},
]


def fresh_llm(tiny_qwen_dir: Path) -> LLM:
    """An uncached copy whose weights a test may change."""
    src = resolve_source(str(tiny_qwen_dir), Settings())
    tokenizer, model = load_weights(src, torch.float32)
    return LLM(tokenizer, model, name="tiny")


def always_emit(llm: LLM, token_id: int) -> None:
    """Make the model put (nearly) all probability on ``token_id``: the final norm's output is
    replaced by the unit vector e0, and only ``token_id``'s (tied) output embedding has a non-zero
    first component, so every logit is 0 except that token's, which is 20."""

    def constant(module: object, inputs: object, output: torch.Tensor) -> torch.Tensor:
        unit = torch.zeros_like(output)
        unit[..., 0] = 1.0
        return unit

    llm.model.model.norm.register_forward_hook(constant)
    with torch.no_grad():
        embed = llm.model.get_output_embeddings().weight
        embed[:, 0] = 0.0
        embed[token_id, 0] = 20.0
