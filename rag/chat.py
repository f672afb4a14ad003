"""Plain chat with the same loaded model: no documents, no retrieval, no citations.

Every reply carries ``grounded = False`` and a notice in the user's language, so a caller (the
page's toggle, POST /v1/chat, the ``docqa-chat`` model of the OpenAI endpoint) can show that it
does not come from the organisation's documents. The system prompt tells the model the same, so
asked about a policy it points to document mode instead of inventing one.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ingest.textutil import detect_lang

SYSTEM = {
    "en": (
        "You are a helpful assistant for an organisation's staff. In this mode you do NOT see the "
        "organisation's documents: do not state its policies, figures or rules as facts; if asked about them, "
        "say that you cannot see the documents here and suggest asking in document mode. Answer briefly, in English."
    ),
    "zh": (
        "你是单位员工的助手。此模式下你看不到单位的文件：不要把单位的制度、数字或规定当作事实来陈述；"
        "如被问到，请说明这里看不到文件，建议改用文档问答模式。用中文简洁回答。"
    ),
}
NOTICE = {
    "en": "General chat: this reply is not based on your documents and may be wrong.",
    "zh": "通用对话：此回答并非依据您的文档，可能有误。",
}
MAX_TURNS = 12  # user + assistant messages kept (most recent); older ones are dropped first
DEFAULT_BUDGET = 1500  # prompt tokens: a longer conversation is trimmed from the oldest turn


@dataclass(frozen=True)
class ChatReply:
    text: str
    lang: str
    model: str | None
    prompt_tokens: int
    completion_tokens: int
    first_token_s: float | None
    total_s: float
    stopped_reason: str | None
    grounded: bool = False

    @property
    def notice(self) -> str:
        return NOTICE[self.lang]

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.text,
            "grounded": self.grounded,
            "notice": self.notice,
            "lang": self.lang,
            "model": self.model,
            "timings": {"first_token_s": None if self.first_token_s is None else round(self.first_token_s, 3),
                        "total_s": round(self.total_s, 3)},
            "tokens": {"prompt": self.prompt_tokens, "completion": self.completion_tokens},
            "stopped_reason": self.stopped_reason,
        }


@dataclass(frozen=True)
class ChatEvent:
    kind: str  # "token" | "reply"
    text: str = ""
    reply: ChatReply | None = None


def build_messages(messages: list[dict[str, str]], count_tokens: Any = None,
                   budget: int = DEFAULT_BUDGET, system_extra: str = "") -> tuple[list[dict[str, str]], str]:
    """The prompt: our system turn (+ the caller's instructions, if any) and the most recent
    turns that fit. Returns (messages, language of the last user message).

    ``count_tokens(messages) -> int`` (e.g. ``LLM.prompt_tokens``) enforces ``budget``; the last
    user message is always kept.
    """
    turns = [{"role": m["role"], "content": m["content"]} for m in messages if m.get("role") in ("user", "assistant")]
    if not turns or turns[-1]["role"] != "user" or not turns[-1]["content"].strip():
        raise ValueError("the last message must be a non-empty user message")
    lang = detect_lang(turns[-1]["content"])
    system = SYSTEM[lang] + (f"\n\n{system_extra.strip()}" if system_extra.strip() else "")
    turns = turns[-MAX_TURNS:]
    while turns[0]["role"] != "user":
        turns = turns[1:]  # a conversation starts with the user (the last one is a user turn)
    head = [{"role": "system", "content": system}]
    while count_tokens is not None and len(turns) > 1 and count_tokens(head + turns) > budget:
        turns = turns[1:]  # drop the oldest message, then any assistant turn left leading
        while len(turns) > 1 and turns[0]["role"] != "user":
            turns = turns[1:]
    prompt = head + turns
    return prompt, lang


def stream_chat(llm: Any, messages: list[dict[str, str]], *, max_new_tokens: int,
                cancel: threading.Event | None = None, timeout_s: float | None = None,
                system_extra: str = "") -> Iterator[ChatEvent]:
    """``token`` events as the model writes, then one ``reply`` event (grounded=False)."""
    started = time.perf_counter()
    prompt, lang = build_messages(messages, llm.prompt_tokens, system_extra=system_extra)
    generation = llm.stream(prompt, max_new_tokens=max_new_tokens, cancel=cancel, timeout_s=timeout_s)
    first = None
    try:
        for piece in generation:
            if first is None and piece:
                first = time.perf_counter() - started
            yield ChatEvent("token", piece)
    finally:
        generation.close()
    stats = generation.stats
    yield ChatEvent("reply", reply=ChatReply(
        text=generation.text.strip(),
        lang=lang,
        model=llm.name,
        prompt_tokens=stats.prompt_tokens if stats else llm.prompt_tokens(prompt),
        completion_tokens=stats.completion_tokens if stats else 0,
        first_token_s=first,
        total_s=time.perf_counter() - started,
        stopped_reason=stats.stopped_reason if stats else None,
    ))
