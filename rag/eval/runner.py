"""`docqa eval`: ingest a document folder (incrementally), ask every question, score it.

General on purpose: documents are matched by their path relative to ``--docs``, so any
question set in the ../shared/eval format works unchanged.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ingest.chunking import CHUNKER_VERSION
from ingest.settings import Settings
from rag.eval.metrics import (
    Question,
    QuestionRecord,
    RetrievedItem,
    Timings,
    load_questions,
    record_to_dict,
    score_question,
    summarize,
)
from rag.passages import Passage


@dataclass(frozen=True)
class EvalOptions:
    k: int = 5
    retrieval_only: bool = False
    limit: int | None = None
    mode: str = "hybrid"  # hybrid | dense | lexical
    fusion: str = "minmax"
    dense_weight: float | None = None
    no_llm: bool = False


def default_eval_index(docs: Path, settings: Settings) -> Path:
    """An index per document folder and chunk size, beside the main index, so evaluation
    never mixes its documents into the user's library. (A chunk context other than the default
    gets its own index too; the default's key is unchanged so existing eval indexes are reused.)"""
    context = "" if settings.chunk_context == "section" else f"|{settings.chunk_context}"
    key = hashlib.sha256(
        f"{os.path.abspath(docs)}|{settings.chunk_tokens}|{settings.embed_model}|{CHUNKER_VERSION}{context}".encode()
    ).hexdigest()[:10]
    return Path(settings.index_dir).parent / "eval-index" / f"{Path(docs).resolve().name}-{key}"


def to_item(passage: Passage, docs: Path) -> RetrievedItem:
    rel = os.path.relpath(passage.doc_path, os.path.abspath(docs)).replace(os.sep, "/")
    return RetrievedItem(
        doc=rel, page_start=passage.page_start, page_end=passage.page_end, section=passage.section,
        sheet=passage.sheet, row_start=passage.row_start, row_end=passage.row_end, text=passage.body,
        copies=tuple(to_item(c, docs) for c in passage.copies),
    )


def run_eval(
    questions_path: Path,
    docs: Path,
    settings: Settings,
    options: EvalOptions,
    on_record: Callable[[int, int, QuestionRecord], None] | None = None,
) -> tuple[dict, list[QuestionRecord], dict]:
    """Returns (summary, records, run info)."""
    from ingest.pipeline import ingest
    from rag.retrieval import Retriever

    questions = load_questions(questions_path)
    if options.limit:
        questions = questions[: options.limit]
    started = time.perf_counter()
    report = ingest([docs], settings)
    info = {
        "questions": str(questions_path), "docs": str(docs), "index": str(settings.index_dir),
        "ingest": report.totals, "ingest_seconds": round(report.seconds, 1), "semantic": report.semantic,
        "embed_model": settings.embed_model, "chunk_tokens": settings.chunk_tokens,
        "chunk_context": settings.chunk_context, "k": options.k,
        "mode": options.mode, "fusion": options.fusion,
        "dense_weight": settings.dense_weight if options.dense_weight is None else options.dense_weight,
    }
    # An index shared with other folders is searched whole: their documents compete for the top
    # k and change the word weights, so figures taken on it are not the set's own.
    info["documents_outside_docs"] = _documents_outside(settings.index_dir, docs)
    retriever = Retriever(settings)
    answerer = reranker = None
    info["rerank"] = "off" if options.no_llm else settings.rerank
    if options.retrieval_only and not options.no_llm:
        from rag.rerank import load_reranker

        reranker, note = load_reranker(settings)
        if note:
            info["rerank"] = note
    details: dict[str, dict] = {}
    if not options.retrieval_only:
        from rag.answer import Answerer

        answerer = Answerer(settings, retriever=retriever, use_llm=not options.no_llm)
        info["llm"] = answerer.model_name
    # The models load before the first question, so that no question's latency holds their
    # loading (it made the first question's first token 11-14 s on a 2-core machine, the p95 of a
    # small set); the time is reported on its own.
    loading = time.perf_counter()
    if options.mode != "lexical":
        retriever.embedder  # noqa: B018 - the property loads the embedding model
    if answerer is not None and answerer.use_llm:
        answerer.llm()
    info["models_load_seconds"] = round(time.perf_counter() - loading, 1)
    records: list[QuestionRecord] = []
    for i, q in enumerate(questions, 1):
        record, ranked, cited, how = _one(q, docs, retriever, answerer, reranker, options)
        records.append(record)
        details[q.id] = how | {"retrieved": [_brief(x) for x in ranked], "cited": [_brief(x) for x in cited]}
        if on_record:
            on_record(i, len(questions), records[-1])
    info["seconds"] = round(time.perf_counter() - started, 1)
    info["details"] = details
    return summarize(records), records, info


def _documents_outside(index_dir: Path, docs: Path) -> int:
    from ingest.index import IndexError_, IndexReader

    try:
        reader = IndexReader(index_dir)
    except IndexError_:
        return 0
    try:
        root = docs.resolve()
        return sum(1 for d in reader.store.documents() if not Path(d.path).is_relative_to(root))
    finally:
        reader.close()


def _brief(item: RetrievedItem) -> dict:
    """Where a retrieved or cited chunk came from (for error analysis in --out files)."""
    out = {"doc": item.doc, "page": [item.page_start, item.page_end], "section": item.section, "sheet": item.sheet,
           "rows": [item.row_start, item.row_end], "also_in": [c.doc for c in item.copies]}
    return {k: v for k, v in out.items() if v not in (None, [None, None], [])} | {"text": item.text[:200]}


def _one(q: Question, docs: Path, retriever, answerer, reranker, options: EvalOptions):
    if answerer is None:
        started = time.perf_counter()
        result = retriever.search(
            q.question, options.k, fusion=options.fusion, dense_weight=options.dense_weight, mode=options.mode
        )
        passages = reranker.rerank(result.query or q.question, result.passages) if reranker else result.passages
        ranked = [to_item(p, docs) for p in passages]
        seconds = time.perf_counter() - started
        return score_question(q, ranked, timings=Timings(retrieve_s=seconds)), ranked, [], {}
    answer = answerer.answer(q.question, k=options.k)
    ranked = [to_item(p, docs) for p in answer.passages]
    cited = [to_item(c.passage, docs) for c in answer.citations]
    t = answer.timings
    record = score_question(
        q, ranked, answer=answer.text, refused=answer.refused, cited=cited,
        timings=Timings(t.retrieve_s, t.first_token_s, t.total_s, answer.tokens.prompt, answer.tokens.completion),
    )
    # how the answer was made (llm / extractive / refusal) and why, for error analysis
    how = {"mode": answer.mode, "notes": answer.notes, "raw": answer.raw,
           "decision": answer.decision.reason if answer.decision else None}
    return record, ranked, cited, how


def write_records(path: Path, records: list[QuestionRecord], details: dict[str, dict] | None = None) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            row = record_to_dict(r) | (details or {}).get(r.question.id, {})
            fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
