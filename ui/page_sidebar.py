"""Sidebar: answer settings the user may change, and read-only facts about models and index."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ingest.models import short_name
from ingest.settings import Settings
from rag.answerability import DEFAULT_DENSE_THRESHOLD
from ui.page_engine import IndexFacts
from ui.page_render import counted, escape_markdown, human_size

# Offsets around the calibrated refusal threshold (best dense cosine a passage must reach).
# E5 scores of related text cluster within a few hundredths, so small steps matter.
STRICTNESS = {"relaxed": -0.03, "normal": 0.0, "strict": 0.03}
STRICTNESS_HELP = (
    "How close a passage must be to your question before an answer is attempted. "
    "Relaxed answers more questions but may stretch the documents; strict says "
    "“the documents do not say” more often."
)


@dataclass(frozen=True)
class AskOptions:
    k: int
    max_new_tokens: int
    strictness: str
    dense_threshold: float
    plain_chat: bool = False  # general chat with the model alone, not the documents


def base_threshold(settings: Settings) -> float:
    return settings.refusal_threshold or DEFAULT_DENSE_THRESHOLD


def render_controls(settings: Settings) -> AskOptions:
    st.sidebar.header("Answer settings", anchor=False)
    k = st.sidebar.slider("Passages to read per answer", 1, 10, min(10, max(1, settings.k)), key="opt_k",
                          help="How many of the best-matching passages the answer is written from.")
    max_tokens = st.sidebar.slider("Maximum answer length (tokens)", 50, 600,
                                   min(600, max(50, settings.max_new_tokens)), step=25, key="opt_max_tokens",
                                   help="Longer answers take longer on this computer (about 5-10 tokens per second).")
    strictness = st.sidebar.select_slider("Answer strictness", options=list(STRICTNESS), value="normal",
                                          key="opt_strictness", help=STRICTNESS_HELP)
    threshold = round(base_threshold(settings) + STRICTNESS[strictness], 4)
    plain = st.sidebar.toggle("General chat (not from your documents)", key="opt_plain_chat",
                              help="Talk to the language model alone: no documents, no sources. "
                                   "Every reply is marked as not based on your documents.")
    return AskOptions(k, max_tokens, strictness, threshold, plain)


def render_info(settings: Settings, facts: IndexFacts, model_problem: str | None) -> None:
    """Read-only: which models answer, which index is searched, how big it is."""
    st.sidebar.divider()
    st.sidebar.subheader("In use", anchor=False)
    model = escape_markdown(short_name(settings.llm))
    if model_problem:
        st.sidebar.markdown(f"**Language model**  \n{model} · :orange[not available: extracted answers]")
    else:
        st.sidebar.markdown(f"**Language model**  \n{model}")
    manifest = facts.manifest
    if manifest is None:
        embed = f"{escape_markdown(short_name(settings.embed_model))} (used when the first document is added)"
    elif manifest.dense:
        embed = f"{escape_markdown(manifest.embed_model_name or '?')} · {manifest.embed_dim} dimensions"
    else:
        embed = ":orange[none: keyword search only]"
    st.sidebar.markdown(f"**Embedding model**  \n{embed}")
    size = human_size(facts.size_bytes) if facts.exists else "not created yet"
    n = len(facts.indexed)
    docs = f" · {counted(n, 'document')}, {counted(facts.chunks, 'chunk')}" if facts.exists else ""
    st.sidebar.markdown(f"**Index**  \n`{settings.index_dir}`  \n{size}{docs}")
    st.sidebar.markdown(f"**Uploaded files**  \n`{settings.uploads_dir}`")
