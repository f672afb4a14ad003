"""One CPU-bound job at a time, a bounded FIFO queue behind it, and the bridge from the blocking
rag code (sync generators) to the async request handlers.

Why a gate and not just the model's lock: on 2 cores a second concurrent generation only halves
both; with no bound, a burst of requests would pile up threads and time out all together. The
gate admits one running job plus ``max_waiting`` waiting ones; a request beyond that is refused
at once (429 + Retry-After) before any response starts, so even a streaming client gets a proper
status code.

Everything here is thread-based (a Condition and worker threads, not asyncio primitives), so the
gate is not tied to one event loop and a queued job notices its client has gone (an
Event) while it waits.
"""
from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any


class Busy(Exception):
    """The queue is full; retry after ``retry_after_s``."""

    def __init__(self, retry_after_s: int, waiting: int):
        super().__init__(f"the server is busy ({waiting} requests already waiting); retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class QueueTimeout(Exception):
    """Waited too long for a turn."""

    def __init__(self, waited_s: float, retry_after_s: int):
        super().__init__(f"waited {waited_s:.0f} s for a turn without getting one; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class Ticket:
    __slots__ = ("abandoned", "admitted_at")

    def __init__(self) -> None:
        self.abandoned = threading.Event()  # set when its client has gone
        self.admitted_at = time.monotonic()


class Gate:
    """FIFO admission: the head ticket runs; the others wait; at most ``max_waiting`` wait."""

    def __init__(self, max_waiting: int = 4, wait_timeout_s: float = 600.0):
        if max_waiting < 0:
            raise ValueError(f"max_waiting must be >= 0, got {max_waiting}")
        self.max_waiting = max_waiting
        self.wait_timeout_s = wait_timeout_s
        self._cond = threading.Condition()
        self._tickets: deque[Ticket] = deque()
        self._running: Ticket | None = None
        self._avg_run_s = 10.0  # until measured: a typical answer on 2 cores

    @property
    def running(self) -> int:
        with self._cond:
            return 1 if self._running is not None else 0

    @property
    def waiting(self) -> int:
        with self._cond:
            return len(self._tickets) - (1 if self._running is not None else 0)

    def retry_after_s(self) -> int:
        """A guess at when a slot frees up: the jobs ahead times the mean job time so far."""
        with self._cond:
            ahead = max(1, len(self._tickets))
            return max(1, min(300, math.ceil(self._avg_run_s * ahead)))

    def admit(self) -> Ticket:
        """A place in the queue, or Busy. Called on the event loop: never blocks."""
        with self._cond:
            if len(self._tickets) >= 1 + self.max_waiting:
                waiting = len(self._tickets) - 1
                ahead = max(1, len(self._tickets))
                raise Busy(max(1, min(300, math.ceil(self._avg_run_s * ahead))), waiting)
            ticket = Ticket()
            self._tickets.append(ticket)
            return ticket

    def wait_turn(self, ticket: Ticket) -> bool:
        """Block (in a worker thread) until ``ticket`` is at the head. False when the ticket was
        cancelled while waiting (its client left); QueueTimeout after ``wait_timeout_s``."""
        deadline = ticket.admitted_at + self.wait_timeout_s
        with self._cond:
            while self._tickets[0] is not ticket:
                if ticket.abandoned.is_set():
                    return False
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise QueueTimeout(time.monotonic() - ticket.admitted_at, self._retry_locked())
                # Woken by release(); the short timeout is how a cancelled waiter notices.
                self._cond.wait(min(0.1, remaining))
            self._running = ticket
            return True

    def release(self, ticket: Ticket, ran_s: float | None = None) -> None:
        with self._cond:
            try:
                self._tickets.remove(ticket)
            except ValueError:
                pass
            if self._running is ticket:
                self._running = None
            if ran_s is not None:
                self._avg_run_s = 0.7 * self._avg_run_s + 0.3 * ran_s
            self._cond.notify_all()

    def _retry_locked(self) -> int:
        return max(1, min(300, math.ceil(self._avg_run_s * max(1, len(self._tickets)))))


_STARTED = object()
_END = object()


class _Failure:
    def __init__(self, exc: BaseException):
        self.exc = exc


class GatedRun:
    """A blocking iterator run in a worker thread in its turn at the gate; the handler consumes
    its items asynchronously. ``make_iter(cancel)`` is called in the worker once the turn comes.

    The turn is released only when the worker's iteration has ended (after a cancel, the model
    stops within one decode step), so the next job never overlaps a dying one on the CPU.
    """

    def __init__(self, gate: Gate, make_iter: Callable[[threading.Event], Iterator[Any]]):
        self.ticket = gate.admit()  # Busy propagates: the caller answers 429
        # Two events: ``abandoned`` is ours (the consumer left); ``cancel`` is handed to the rag code,
        # which may set it itself (Generation.close() does, on every normal end as well).
        self.abandoned = self.ticket.abandoned
        self.cancel = threading.Event()
        self._gate = gate
        self._make_iter = make_iter
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._thread = threading.Thread(target=self._work, name="docqa-api-job", daemon=True)
        self._thread.start()

    def _push(self, item: Any) -> None:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:  # the event loop is gone (server shutting down): nobody to tell
            self.abandon()

    def abandon(self) -> None:
        """The consumer has gone: stop waiting for a turn, or stop the model within a step."""
        self.abandoned.set()
        self.cancel.set()

    def _work(self) -> None:
        started = None
        try:
            if not self._gate.wait_turn(self.ticket):
                return
            started = time.monotonic()
            self._push(_STARTED)
            iterator = self._make_iter(self.cancel)
            try:
                for item in iterator:
                    if self.abandoned.is_set():
                        break
                    self._push(item)
            finally:
                close = getattr(iterator, "close", None)
                if close is not None:
                    close()  # runs the generator's finally blocks: the model stops now
        except BaseException as exc:  # noqa: BLE001 - handed to the request handler, rendered as JSON
            self._push(_Failure(exc))
        finally:
            self._gate.release(self.ticket, None if started is None else time.monotonic() - started)
            self._push(_END)

    async def _next(self, disconnected: Callable[[], Awaitable[bool]] | None) -> Any:
        while True:
            try:
                return await asyncio.wait_for(self._queue.get(), 0.5 if disconnected else None)
            except asyncio.TimeoutError:
                if disconnected is not None and await disconnected():
                    self.abandon()
                    return _END

    async def started(self, disconnected: Callable[[], Awaitable[bool]] | None = None) -> bool:
        """Wait for the turn. True when the job started; False when the client left while queued.
        Raises what the worker raised (QueueTimeout, or an error before the first item)."""
        item = await self._next(disconnected)
        if isinstance(item, _Failure):
            raise item.exc
        return item is _STARTED

    async def items(self, disconnected: Callable[[], Awaitable[bool]] | None = None) -> AsyncIterator[Any]:
        """The worker's items as they come; re-raises its exception; on early exit (the consumer
        stops or is cancelled) sets the cancel Event so the worker stops."""
        try:
            while True:
                item = await self._next(disconnected)
                if item is _STARTED:
                    continue
                if item is _END:
                    return
                if isinstance(item, _Failure):
                    raise item.exc
                yield item
        finally:
            self.abandon()  # no-op when the worker already ended

    async def result(self, disconnected: Callable[[], Awaitable[bool]] | None = None) -> list[Any]:
        return [item async for item in self.items(disconnected)]
