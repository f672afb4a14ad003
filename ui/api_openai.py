"""POST /v1/chat/completions and GET /v1/models: OpenAI-compatible, so existing OpenAI clients and
bot frameworks work unchanged (point ``base_url`` at ``http://host:port/v1``).

Two models:
- ``docqa`` (and any other name a framework hard-codes, e.g. "gpt-4o-mini"): answers from the
  documents. The last user message is the question, the earlier user/assistant turns its history
  (system messages are ignored: the grounded prompt is fixed). Extra top-level fields carry what
  OpenAI's shape has no place for: ``citations`` (as in `docqa ask --json`), ``refused`` and
  ``grounded: true``; in a stream they come with the last chunk, together with ``answer``, the
  checked answer text (citation numbers renumbered), which may differ slightly from the raw
  streamed tokens.
- ``docqa-chat``: plain chat with the same model, no documents; ``grounded: false`` and a
  ``notice`` to show beside the reply. A system message is passed on as extra instructions.
"""
from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse

from ui.api_gate import GatedRun
from ui.api_jobs import answer_run, chat_run, to_api_error, wait_started
from ui.api_models import MAX_K, MAX_NEW_TOKENS_CAP, MAX_QUESTION_CHARS, MAX_TURN_CHARS, CitationOut, ErrorResponse
from ui.api_runtime import Runtime
from ui.api_security import ApiError, error_body

GROUNDED_MODEL = "docqa"
CHAT_MODEL = "docqa-chat"
MAX_MESSAGES = 50


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class OpenAIMessage(BaseModel):
    model_config = ConfigDict(extra="allow")  # name, tool_calls ... accepted and ignored

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(p.text for p in self.content if p.type == "text" and p.text)
        return self.content or ""


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, top_p, n, user ... accepted and ignored

    model: str = Field(default=GROUNDED_MODEL, description=f"'{CHAT_MODEL}': plain chat; anything else: the documents")
    messages: list[OpenAIMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(default=None, ge=1, le=MAX_NEW_TOKENS_CAP)
    max_completion_tokens: int | None = Field(default=None, ge=1, le=MAX_NEW_TOKENS_CAP)
    k: int | None = Field(default=None, ge=1, le=MAX_K, description="docqa extension: passages retrieved")


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop", "length"]


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    citations: list[CitationOut] = Field(description="docqa: the passages the answer cites (empty for docqa-chat)")
    grounded: bool = Field(description="docqa: true when the reply comes from the documents")
    refused: bool = Field(description="docqa: the documents do not answer the question")
    notice: str | None = Field(default=None, description="docqa-chat: shown beside a reply not based on documents")


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "docqa"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


def _conversation(body: ChatCompletionRequest) -> tuple[str, list[dict[str, str]], str]:
    """(last user message, prior user/assistant turns, system instructions)."""
    turns = [{"role": m.role, "content": m.text()} for m in body.messages if m.role in ("user", "assistant")]
    system = "\n".join(m.text() for m in body.messages if m.role in ("system", "developer")).strip()
    if not turns or turns[-1]["role"] != "user" or not turns[-1]["content"].strip():
        raise ApiError(400, "the last message must be a non-empty user message")
    question = turns[-1]["content"].strip()
    if len(question) > MAX_QUESTION_CHARS:
        raise ApiError(400, f"the question is {len(question)} characters; the limit is {MAX_QUESTION_CHARS}")
    if any(len(t["content"]) > MAX_TURN_CHARS for t in turns) or len(system) > MAX_TURN_CHARS:
        raise ApiError(400, f"a message is longer than {MAX_TURN_CHARS} characters")
    return question, turns[:-1], system


def _finish(stopped: str | None) -> str:
    return "length" if stopped == "max_tokens" else "stop"


def _chunk(cid: str, created: int, model: str, delta: dict[str, Any], finish: str | None = None,
           **extra: Any) -> str:
    return json.dumps({"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                       "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra},
                      ensure_ascii=False)


def build_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["openai"], responses={c: {"model": ErrorResponse} for c in (400, 401, 413, 422, 429, 503)})

    @router.get("/v1/models", response_model=ModelList, summary="Models (OpenAI-compatible)")
    async def models() -> Any:
        now = int(time.time())
        return {"object": "list", "data": [{"id": GROUNDED_MODEL, "created": now}, {"id": CHAT_MODEL, "created": now}]}

    @router.post(
        "/v1/chat/completions", response_model=ChatCompletion, summary="Chat completions (OpenAI-compatible)",
        responses={200: {"content": {"text/event-stream": {"schema": {
            "type": "string", "description": "with stream=true: `data: <chat.completion.chunk>` lines, then "
                                             "`data: [DONE]`; the last chunk carries citations, refused, grounded, answer"}}}}},
    )
    async def chat_completions(body: ChatCompletionRequest, request: Request) -> Any:
        question, history, system = _conversation(body)
        plain = body.model == CHAT_MODEL
        model = CHAT_MODEL if plain else GROUNDED_MODEL
        tokens = body.max_completion_tokens or body.max_tokens
        if plain:
            run = chat_run(runtime, [*history, {"role": "user", "content": question}], max_new_tokens=tokens,
                           system_extra=system)
        else:
            run = answer_run(runtime, question, history, k=body.k, max_new_tokens=tokens)
        cid, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
        if body.stream:
            await wait_started(run, request)
            usage = bool(body.stream_options and body.stream_options.include_usage)
            return EventSourceResponse(_stream(run, cid, created, model, usage))
        final = None
        async for event in run.items(request.is_disconnected):
            if event.kind in ("answer", "reply"):
                final = event
        if final is None:
            raise ApiError(499, "client closed the request", "invalid_request_error")
        return _completion(final, cid, created, model)

    return router


def _completion(event: Any, cid: str, created: int, model: str) -> dict[str, Any]:
    if event.kind == "reply":
        r = event.reply
        text, finish, prompt, completion = r.text, _finish(r.stopped_reason), r.prompt_tokens, r.completion_tokens
        extra = {"citations": [], "grounded": False, "refused": False, "notice": r.notice}
    else:
        a = event.answer.to_json()
        text, finish = a["answer"], "stop"
        prompt, completion = a["tokens"]["prompt"], a["tokens"]["completion"]
        extra = {"citations": a["citations"], "grounded": True, "refused": a["refused"], "notice": None}
    return {
        "id": cid, "object": "chat.completion", "created": created, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        **extra,
    }


async def _stream(run: GatedRun, cid: str, created: int, model: str,
                  include_usage: bool) -> AsyncIterator[dict[str, str]]:
    yield {"data": _chunk(cid, created, model, {"role": "assistant", "content": ""})}
    streamed = False
    try:
        async for event in run.items():
            if event.kind == "token" and event.text:
                streamed = True
                yield {"data": _chunk(cid, created, model, {"content": event.text})}
            elif event.kind in ("answer", "reply"):
                full = _completion(event, cid, created, model)
                text = full["choices"][0]["message"]["content"]
                if not streamed and text:  # a refusal or an extracted answer: nothing was streamed yet
                    yield {"data": _chunk(cid, created, model, {"content": text})}
                extra = {k: full[k] for k in ("citations", "grounded", "refused", "notice")}
                yield {"data": _chunk(cid, created, model, {}, full["choices"][0]["finish_reason"],
                                      answer=text, **extra)}
                if include_usage:
                    yield {"data": json.dumps({"id": cid, "object": "chat.completion.chunk", "created": created,
                                               "model": model, "choices": [], "usage": full["usage"]})}
    except Exception as exc:  # noqa: BLE001 - the status line is sent; the error goes in the stream
        err = to_api_error(exc)
        yield {"data": json.dumps(error_body(err.message, err.type), ensure_ascii=False)}
    yield {"data": "[DONE]"}
