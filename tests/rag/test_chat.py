"""rag.chat: plain chat with the tiny random Qwen2 — prompt building, trimming, streaming, and the
not-grounded marking."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from ingest.settings import Settings
from rag.chat import NOTICE, SYSTEM, build_messages, stream_chat
from rag.generation import LLM, clear_llm_cache, load_llm


@pytest.fixture(scope="module")
def tiny_llm(tiny_qwen_dir: Path) -> LLM:
    clear_llm_cache()
    return load_llm(str(tiny_qwen_dir), Settings(threads=1), dtype="fp32")


def test_prompt_has_our_system_turn_in_the_users_language() -> None:
    prompt, lang = build_messages([{"role": "user", "content": "年假有多少天？"}])
    assert lang == "zh" and prompt[0] == {"role": "system", "content": SYSTEM["zh"]}
    prompt, lang = build_messages([{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Hi"}],
                                  system_extra="Be terse.")
    assert lang == "en" and prompt[0]["content"].endswith("Be terse.") and len(prompt) == 2


def test_last_message_must_be_the_users() -> None:
    with pytest.raises(ValueError, match="user"):
        build_messages([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}])
    with pytest.raises(ValueError):
        build_messages([{"role": "user", "content": "  "}])


def test_long_conversations_are_trimmed_from_the_oldest_turn() -> None:
    turns = []
    for i in range(6):
        turns += [{"role": "user", "content": f"question {i} " * 20}, {"role": "assistant", "content": f"answer {i}"}]
    turns.append({"role": "user", "content": "last question"})
    count = lambda messages: sum(len(m["content"].split()) for m in messages)  # noqa: E731 - words as tokens
    prompt, _ = build_messages(turns, count, budget=count([{"role": "system", "content": SYSTEM["en"]}]) + 60)
    assert prompt[-1]["content"] == "last question"
    assert prompt[1]["role"] == "user"  # never starts with an orphaned assistant turn
    assert len(prompt) < len(turns) + 1
    assert count(prompt) <= count([{"role": "system", "content": SYSTEM["en"]}]) + 60


def test_stream_chat_yields_tokens_then_an_ungrounded_reply(tiny_llm: LLM) -> None:
    events = list(stream_chat(tiny_llm, [{"role": "user", "content": "What is annual leave?"}], max_new_tokens=6))
    assert [e.kind for e in events][-1] == "reply"
    assert {e.kind for e in events[:-1]} <= {"token"}
    reply = events[-1].reply
    assert reply.grounded is False and reply.notice == NOTICE["en"]
    assert reply.completion_tokens <= 6 and reply.prompt_tokens > 0
    assert reply.text == "".join(e.text for e in events[:-1]).strip()
    assert reply.to_json()["grounded"] is False


def test_cancelled_chat_stops(tiny_llm: LLM) -> None:
    cancel = threading.Event()
    cancel.set()
    events = list(stream_chat(tiny_llm, [{"role": "user", "content": "hello"}], max_new_tokens=50, cancel=cancel))
    assert events[-1].reply.stopped_reason == "cancelled" and events[-1].reply.completion_tokens == 0
