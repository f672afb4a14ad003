"""The CPU-bound jobs the endpoints start — an answer, a plain chat reply, a sentiment label — each
run through the generation gate, and the mapping of their failures to HTTP errors.

Shared by the native endpoints (ui/api.py) and the OpenAI-compatible one (ui/api_openai.py), so
both queue the same way and fail the same way. The jobs call rag functions only; no retrieval or
prompt logic lives here.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ingest.index import IndexError_
from rag.llm_loading import ModelUnavailable
from ui.api_gate import Busy, GatedRun, QueueTimeout
from ui.api_runtime import Runtime
from ui.api_security import ApiError, error_body


def to_api_error(exc: BaseException) -> ApiError:
    """The HTTP form of anything a job can raise."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, Busy):
        return ApiError(429, str(exc), "rate_limit_error", {"Retry-After": str(exc.retry_after_s)})
    if isinstance(exc, QueueTimeout):
        return ApiError(503, str(exc), "server_busy", {"Retry-After": str(exc.retry_after_s)})
    if isinstance(exc, IndexError_):
        return ApiError(503, str(exc), "index_unavailable")
    if isinstance(exc, ModelUnavailable):
        return ApiError(503, f"the chat model is not available: {exc}", "model_unavailable")
    if isinstance(exc, ValueError):
        return ApiError(400, str(exc), "invalid_request_error")
    return ApiError(500, f"internal error ({type(exc).__name__}); the server log has the details", "server_error")


def install_job_error_handlers(app: FastAPI) -> None:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        err = to_api_error(exc)
        return JSONResponse(error_body(err.message, err.type), status_code=err.status, headers=err.headers)

    for cls in (Busy, QueueTimeout, IndexError_, ModelUnavailable):
        app.add_exception_handler(cls, handle)


def _max_new_tokens(runtime: Runtime, requested: int | None) -> int:
    return requested or runtime.settings.max_new_tokens


def answer_run(runtime: Runtime, question: str, history: list[dict[str, str]], *, k: int | None = None,
               docs: list[str] | None = None, max_new_tokens: int | None = None) -> GatedRun:
    """rag.answer.Answerer.stream in its turn: AnswerEvent items ("status", "token", "answer")."""
    answerer = runtime.answerer()  # 503 now, before queueing, when there is no index
    tokens = _max_new_tokens(runtime, max_new_tokens)

    def work(cancel: threading.Event) -> Iterator[Any]:
        return answerer.stream(question, history or None, k, docs, cancel=cancel, max_new_tokens=tokens)

    return GatedRun(runtime.gate, work)


def chat_run(runtime: Runtime, messages: list[dict[str, str]], *, max_new_tokens: int | None = None,
             system_extra: str = "") -> GatedRun:
    """rag.chat.stream_chat in its turn: ChatEvent items ("token", then "reply")."""
    from rag.chat import build_messages, stream_chat

    try:
        build_messages(messages)  # a malformed conversation is a 400 now, not an error event later
    except ValueError as exc:
        raise ApiError(400, str(exc), "invalid_request_error") from None
    llm = runtime.llm()
    tokens = _max_new_tokens(runtime, max_new_tokens)

    def work(cancel: threading.Event) -> Iterator[Any]:
        return stream_chat(llm, messages, max_new_tokens=tokens, cancel=cancel,
                           timeout_s=runtime.settings.generation_timeout_s, system_extra=system_extra)

    return GatedRun(runtime.gate, work)


def sentiment_run(runtime: Runtime, text: str) -> GatedRun:
    """rag.sentiment.classify in its turn (one forward pass): one Sentiment item."""
    from rag.sentiment import classify

    llm = runtime.llm()
    return GatedRun(runtime.gate, lambda cancel: iter([classify(text, llm)]))


async def wait_started(run: GatedRun, request: Request) -> None:
    """Wait for the job's turn before a streamed response starts, so queue errors are statuses."""
    if not await run.started(request.is_disconnected):
        # The client left while queued; nobody reads this, but the handler must return something.
        raise ApiError(499, "client closed the request while it was queued", "invalid_request_error")
