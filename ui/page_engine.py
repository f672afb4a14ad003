"""What the page needs from the layers below, loaded once per server process.

The page keeps no retrieval or prompt logic: it builds the same ``Settings`` as the CLI,
asks ``rag.answer.Answerer`` for answers and ``ingest`` for indexing. This module holds the
Streamlit caches around them and small read-only facts about the index for the sidebar and
the library table.
"""
from __future__ import annotations

import argparse
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import streamlit as st

from ingest.embedding import load_embedder
from ingest.index import DB_NAME, IndexError_, Manifest
from ingest.settings import Settings
from ingest.store import DocumentRecord, Store
from rag.answer import Answerer

log = logging.getLogger(__name__)


def parse_app_args(argv: list[str]) -> argparse.Namespace:
    """The app's own flags: what follows ``--`` in ``streamlit run ui/app.py -- --index DIR``."""
    parser = argparse.ArgumentParser(prog="ui/app.py", add_help=False)
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--uploads", type=Path, default=None)
    args, _unknown = parser.parse_known_args(argv)
    return args


def load_settings(argv: list[str]) -> Settings:
    """CLI flags > DOCQA_* environment > defaults, as every other docqa command does.
    Paths are made absolute once so a later chdir cannot move the index under us."""
    args = parse_app_args(argv)
    settings = Settings.load(index_dir=args.index, uploads_dir=args.uploads)
    return settings.replace(
        index_dir=Path(os.path.abspath(settings.index_dir)),
        uploads_dir=Path(os.path.abspath(settings.uploads_dir)),
    )


def settings_key(settings: Settings) -> str:
    # Settings is a frozen dataclass; its repr names every field, which is what a cache key needs.
    return repr(settings)


# ------------------------------------------------------------------ cached resources

PRELOAD_THREAD = "docqa-page-preload"


@st.cache_resource(show_spinner=False, max_entries=4)
def _answerer(_settings: Settings, key: str) -> Answerer:
    # Raises IndexMissing while there is no index: exceptions are not cached, so the first
    # call after the first ingest builds it (the "no index yet -> index exists" transition).
    return Answerer(_settings)


def get_answerer(settings: Settings) -> Answerer:
    """The process-wide Answerer (retriever + lazily loaded chat model) for these settings."""
    return _answerer(settings, settings_key(settings))


def forget_answerer() -> None:
    """Drop the cached Answerer (the chat model itself stays loaded: rag caches it per process).
    Needed when the index directory was replaced or its embedding model changed."""
    _answerer.clear()


def _in_background(work: Callable[[], object], failure: str) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - the first question or upload reports it properly
            log.info("%s: %s", failure, exc)  # (offline without the weights is a normal state)

    thread = threading.Thread(target=run, name=PRELOAD_THREAD, daemon=True)
    thread.start()
    return thread


@st.cache_resource(show_spinner=False, max_entries=4)
def _preloading(_answerer: Answerer, key: str) -> threading.Thread:
    # A chat model that fails to load is recorded on the answerer, as on a first question; the
    # query embedder loads lazily too.
    return _in_background(lambda: (_answerer.llm(), _answerer.retriever.embedder), "preloading the models failed")


@st.cache_resource(show_spinner=False, max_entries=4)
def _embedder_preloading(_settings: Settings, key: str) -> threading.Thread:
    return _in_background(lambda: load_embedder(_settings), "the embedding model could not be preloaded")


def preload_models(settings: Settings, answerer: Answerer | None) -> None:
    """Start loading the chat model and the query embedder in the background, once per server
    and settings, as soon as there is something to ask about: they load while the reader looks
    at the page and types, instead of after the first question (measured on the samples, a
    question asked 20 s after the page opened: first token 7.8-9.6 s without, 3.0-3.2 s with;
    bench/results/generation.md). A question asked meanwhile waits for the same load (rag holds
    one copy per process). With an empty library only the embedder is loaded, which the first
    upload's indexing needs."""
    if answerer is None:  # an empty library: the first upload's ingest needs the embedder
        _embedder_preloading(settings, settings_key(settings))
    elif answerer.use_llm and model_problem(settings, answerer) is None:
        _preloading(answerer, settings_key(settings))


@st.cache_resource(show_spinner=False, max_entries=4)
def _model_problem(_settings: Settings, key: str) -> str | None:
    """Why the chat model cannot be loaded, found without loading it (None: it can be)."""
    from rag.llm_loading import ModelUnavailable, resolve_source

    try:
        resolve_source(_settings.llm, _settings)
    except ModelUnavailable as exc:
        return str(exc)
    return None


def model_problem(settings: Settings, answerer: Answerer | None = None) -> str | None:
    """The reason answers are extracted instead of written by the model, if any: the loader's
    own message once it has tried, else a cheap check of where the weights would come from."""
    if answerer is not None and answerer.llm_error:
        return answerer.llm_error
    return _model_problem(settings, settings_key(settings))


# ------------------------------------------------------------------ index facts


@dataclass(frozen=True)
class IndexFacts:
    exists: bool
    documents: list[DocumentRecord]
    manifest: Manifest | None
    size_bytes: int
    problem: str | None = None  # the index exists but cannot be read (message for the user)

    @property
    def indexed(self) -> list[DocumentRecord]:
        return [d for d in self.documents if d.status == "indexed"]

    @property
    def chunks(self) -> int:
        return sum(d.chunk_count for d in self.indexed)


def index_facts(settings: Settings) -> IndexFacts:
    """Documents, manifest and size on disk, read fresh on every rerun: a small SQLite query,
    so the library always shows what another writer (the CLI, the API) has committed."""
    index_dir = Path(settings.index_dir)
    db = index_dir / DB_NAME
    if not db.exists():
        return IndexFacts(False, [], None, 0)
    size = 0
    try:
        size = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file())
        store = Store(db, readonly=True)
        try:
            documents = sorted(store.documents(), key=lambda d: d.name.lower())
            manifest = Manifest.from_meta(store.meta())
        finally:
            store.close()
    except Exception as exc:  # noqa: BLE001 - a damaged index is a message; the page stays up
        log.exception("cannot read index %s", db)
        return IndexFacts(True, [], None, size, f"cannot read the index at {index_dir}: {exc}. "
                          "Re-create it with `docqa ingest --rebuild` or choose another folder with --index.")
    return IndexFacts(True, documents, manifest, size)


def open_answerer(settings: Settings) -> tuple[Answerer | None, str | None]:
    """(answerer, None) or (None, a plain-language reason): never raises for index problems."""
    try:
        return get_answerer(settings), None
    except IndexError_ as exc:
        return None, str(exc)
