"""The HTTP API's generation queue: 429 with Retry-After when it is full, cancellation on client disconnect."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ingest.settings import Settings
from rag.answer import AnswerEvent
from tests.ui.api_server import QUESTION, live, sse_events
from ui.api import create_app
from ui.api_runtime import ApiLimits, Runtime


# ---------------------------------------------------------------- the queue and cancellation


class BlockingAnswerer:
    """Stands in for rag.answer.Answerer: yields one token, then waits for ``release`` (or for the
    cancel Event the API passes in), then the answer; records whether it was cancelled."""

    def __init__(self, real: Any):
        self.real = real
        self.release = threading.Event()
        self.cancelled: list[bool] = []

    def stream(self, question: str, history: Any = None, k: Any = None, docs: Any = None,
               cancel: threading.Event | None = None, max_new_tokens: Any = None) -> Iterator[AnswerEvent]:
        assert cancel is not None
        yield AnswerEvent("token", "thinking")
        while not (self.release.is_set() or cancel.is_set()):
            time.sleep(0.01)
        self.cancelled.append(cancel.is_set() and not self.release.is_set())
        yield AnswerEvent("answer", answer=self.real.answer(question))


@pytest.fixture
def blocking(settings: Settings) -> Iterator[tuple[str, BlockingAnswerer, Runtime]]:
    from rag.answer import Answerer

    stub = BlockingAnswerer(Answerer(settings, use_llm=False))
    runtime = Runtime(settings, use_llm=False, limits=ApiLimits(max_waiting=2), answerer=stub)  # type: ignore[arg-type]
    with live(create_app(settings, runtime=runtime)) as url:
        yield url, stub, runtime
    stub.release.set()


def _wait_until(condition: Any, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_queue_overflow_gives_429_with_retry_after(blocking: tuple[str, BlockingAnswerer, Runtime]) -> None:
    url, stub, runtime = blocking
    results: list[int] = []

    def ask() -> None:
        with httpx.Client(base_url=url, timeout=60) as c:
            results.append(c.post("/v1/ask", json={"question": QUESTION}).status_code)

    with httpx.Client(base_url=url, timeout=60) as c:
        with c.stream("POST", "/v1/ask", json={"question": QUESTION, "stream": True}) as running:
            assert running.status_code == 200  # headers arrive once it runs
            waiters = [threading.Thread(target=ask) for _ in range(2)]
            for t in waiters:
                t.start()
            _wait_until(lambda: runtime.gate.waiting == 2)
            health = c.get("/healthz").json()["queue"]
            assert health == {"running": 1, "waiting": 2, "max_waiting": 2}
            r = c.post("/v1/ask", json={"question": QUESTION})
            assert r.status_code == 429
            assert r.json()["error"]["type"] == "rate_limit_error" and int(r.headers["Retry-After"]) >= 1
            r = c.post("/v1/ask", json={"question": QUESTION, "stream": True})
            assert r.status_code == 429  # a stream is refused with a status, before it starts
            stub.release.set()
            kinds = [e for e, _ in sse_events(running)]
        assert kinds == ["token", "sources", "done"]
    for t in waiters:
        t.join(30)
    assert results == [200, 200]
    assert runtime.gate.waiting == 0 and runtime.gate.running == 0


def test_client_disconnect_cancels_generation(blocking: tuple[str, BlockingAnswerer, Runtime]) -> None:
    url, stub, runtime = blocking
    with httpx.Client(base_url=url, timeout=60) as c:
        with c.stream("POST", "/v1/ask", json={"question": QUESTION, "stream": True}) as r:
            first = next(sse_events(r))
            assert first[0] == "token"
        # the response is closed here without reading the rest: the server must notice and cancel
        _wait_until(lambda: stub.cancelled == [True])
        _wait_until(lambda: runtime.gate.running == 0)
        stub.release.set()
        assert c.post("/v1/ask", json={"question": QUESTION}).status_code == 200  # the slot is free again
