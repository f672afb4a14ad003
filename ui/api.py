"""The HTTP API: the same cited answers as the page and `docqa ask`, for wikis, portals and bots.

    docqa serve [--index DIR] [--host 127.0.0.1] [--port 8000]      (ui/api_commands.py)

Endpoints (OpenAPI at /openapi.json, browsable at /docs):

    POST   /v1/ask                answer from the documents; JSON = `docqa ask --json`;
                                  "stream": true -> text/event-stream: token*, sources, done
    POST   /v1/chat/completions   OpenAI-compatible (ui/api_openai.py); model "docqa-chat" = plain chat
    GET    /v1/models             the two model names
    POST   /v1/chat               plain chat, NOT grounded in the documents (marked so in every reply)
    POST   /v1/sentiment          {"label": positive|negative|neutral, "score"} from the same model
    POST   /v1/documents          multipart upload, indexed; one report per file (ui/api_documents.py)
    GET    /v1/documents          the indexed documents
    DELETE /v1/documents/{id}     remove one
    GET    /healthz               model and index status, queue length

This module only parses requests and renders responses: answering is rag.answer.Answerer, plain
chat rag.chat, sentiment rag.sentiment, uploads ingest.uploads + ingest.pipeline. Generation runs
one at a time behind a bounded queue (ui/api_gate.py); keys, size limits and the error shape are in
ui/api_security.py.
"""
from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse

from ingest.settings import Settings
from ui import api_documents, api_openai
from ui.api_gate import GatedRun
from ui.api_jobs import answer_run, chat_run, install_job_error_handlers, sentiment_run, to_api_error, wait_started
from ui.api_models import (
    AskRequest,
    AskResponse,
    ChatRequest,
    ChatResponse,
    ErrorResponse,
    Health,
    SentimentRequest,
    SentimentResponse,
)
from ui.api_runtime import ApiLimits, Runtime
from ui.api_security import (
    ApiError,
    ApiKeyMiddleware,
    BodyLimitMiddleware,
    add_security_to_openapi,
    error_body,
    install_error_handlers,
)

log = logging.getLogger(__name__)

VERSION = "0.1.0"
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": ErrorResponse} for c in (400, 401, 413, 422, 429, 500, 503)}
SSE_ASK = {
    "text/event-stream": {"schema": {"type": "string", "description": (
        "with stream=true: `event: token` (data {\"text\"}) as the model writes, then one `event: sources` "
        "(data: the full AskResponse: answer, refused, citations, passages, timings), then `event: done`; "
        "`event: error` (data ErrorResponse) replaces sources if the job fails mid-stream")}}
}
SSE_CHAT = {
    "text/event-stream": {"schema": {"type": "string", "description": (
        "with stream=true: `event: token` (data {\"text\"}), then one `event: reply` (data: ChatResponse), "
        "then `event: done`")}}
}


def _sse(event: str, data: Any) -> dict[str, str]:
    return {"event": event, "data": json.dumps(data, ensure_ascii=False)}


async def _events(run: GatedRun, final_kind: str, final_event: str) -> AsyncIterator[dict[str, str]]:
    """token* -> one final event -> done. A client that disconnects cancels the task consuming
    this generator; run.items() then sets the cancel Event and the model stops."""
    try:
        async for event in run.items():
            if event.kind == "token" and event.text:
                yield _sse("token", {"text": event.text})
            elif event.kind == final_kind:
                payload = event.answer.to_json() if final_kind == "answer" else event.reply.to_json()
                yield _sse(final_event, payload)
    except Exception as exc:  # noqa: BLE001 - the 200 status is sent; the error goes in the stream
        err = to_api_error(exc)
        if err.status >= 500:
            log.error("job failed mid-stream", exc_info=exc)
        yield _sse("error", error_body(err.message, err.type))
    yield {"event": "done", "data": "{}"}


async def _final(run: GatedRun, request: Request, kind: str) -> Any:
    final = None
    async for event in run.items(request.is_disconnected):
        if event.kind == kind:
            final = event
    if final is None:
        raise ApiError(499, "client closed the request", "invalid_request_error")
    return final


def create_app(settings: Settings, *, api_key: str | None = None, use_llm: bool = True,
               limits: ApiLimits = ApiLimits(), runtime: Runtime | None = None, preload: bool = False) -> FastAPI:
    """The ASGI app. ``api_key``: required on every request when set (see ui/api_security.py)."""
    runtime = runtime or Runtime(settings, use_llm=use_llm, limits=limits)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if preload:
            runtime.preload()
        yield

    app = FastAPI(
        title="docqa",
        version=VERSION,
        description="Cited answers from your organisation's documents, offline. Errors are always "
                    "{\"error\": {\"message\", \"type\"}}. Generation runs one at a time; a full queue answers 429 "
                    "with Retry-After.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    install_job_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, json_limit=limits.json_body_bytes,
                       upload_limit=limits.upload_bytes(settings), upload_paths=("/v1/documents",))
    app.add_middleware(ApiKeyMiddleware, api_key=api_key)  # added last = outermost: checked first
    if api_key:
        add_security_to_openapi(app)

    @app.get("/healthz", response_model=Health, tags=["status"], summary="Model and index status")
    async def healthz() -> Any:
        return runtime.health(auth=bool(api_key))

    @app.post("/v1/ask", response_model=AskResponse, tags=["answers"], summary="Answer from the documents",
              responses={**ERRORS, 200: {"content": SSE_ASK}})
    async def ask(body: AskRequest, request: Request) -> Any:
        """Retrieve, decide, generate and cite, exactly as `docqa ask --json`."""
        history = [t.model_dump() for t in body.history]
        run = answer_run(runtime, body.question, history, k=body.k, docs=body.docs, max_new_tokens=body.max_new_tokens)
        if body.stream:
            await wait_started(run, request)
            return EventSourceResponse(_events(run, "answer", "sources"))
        # As is, not re-serialised through AskResponse: byte-for-byte the `docqa ask --json` object
        # (tests/ui/test_api.py checks the model still describes every key).
        return JSONResponse((await _final(run, request, "answer")).answer.to_json())

    @app.post("/v1/chat", response_model=ChatResponse, tags=["answers"],
              summary="Plain chat with the model (NOT grounded in the documents)",
              responses={**ERRORS, 200: {"content": SSE_CHAT}})
    async def chat(body: ChatRequest, request: Request) -> Any:
        """The model alone, no documents: every reply has ``grounded: false`` and a ``notice`` to show."""
        run = chat_run(runtime, [m.model_dump() for m in body.messages], max_new_tokens=body.max_new_tokens)
        if body.stream:
            await wait_started(run, request)
            return EventSourceResponse(_events(run, "reply", "reply"))
        return (await _final(run, request, "reply")).reply.to_json()

    @app.post("/v1/sentiment", response_model=SentimentResponse, tags=["sentiment"],
              summary="Sentiment of a text (positive / negative / neutral)", responses=ERRORS)
    async def sentiment(body: SentimentRequest, request: Request) -> Any:
        """One forward pass of the loaded chat model; the label with the highest next-token
        probability among the three label words (Chinese or English text)."""
        if not body.text.strip():
            raise ApiError(400, "text is empty")
        (result,) = await sentiment_run(runtime, body.text).result(request.is_disconnected) or (None,)
        if result is None:
            raise ApiError(499, "client closed the request", "invalid_request_error")
        return result.to_json()

    app.include_router(api_openai.build_router(runtime))
    app.include_router(api_documents.build_router(runtime))
    return app
