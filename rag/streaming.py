"""The plumbing of a streamed generation: the stream a caller iterates, the stopping rule that
checks the cancel event and the deadline after every token, and a streamer that notes when the
first token came. Kept apart from rag.generation, which loads and runs the model."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

StopReason = Literal["eos", "max_tokens", "timeout", "cancelled"]


@dataclass(frozen=True)
class GenerationStats:
    prompt_tokens: int
    completion_tokens: int  # generated tokens, the end-of-turn token included
    first_token_s: float | None  # from the stream() call to the first generated token; None if none
    total_s: float
    stopped_reason: StopReason

    @property
    def decode_tokens_per_s(self) -> float | None:
        """Tokens after the first, per second after the first (the prefill is in first_token_s)."""
        if self.first_token_s is None or self.completion_tokens < 2:
            return None
        span = self.total_s - self.first_token_s
        return (self.completion_tokens - 1) / span if span > 0 else None


class Stopper:
    """StoppingCriteria: stop on the cancel event or past the deadline, remembering which."""

    def __init__(self, cancels: tuple[threading.Event, ...], deadline: float | None) -> None:
        self.cancels = cancels  # the caller's event and the generation's own (closing it)
        self.deadline = deadline
        self.reason: StopReason | None = None

    def should_stop(self) -> bool:
        if any(c.is_set() for c in self.cancels):
            self.reason = "cancelled"
        elif self.deadline is not None and time.monotonic() >= self.deadline:
            self.reason = "timeout"
        return self.reason is not None

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        return torch.full((input_ids.shape[0],), self.should_stop(), dtype=torch.bool)


def timed_streamer_class() -> type:
    from transformers import TextIteratorStreamer

    class _TimedStreamer(TextIteratorStreamer):
        """Records when the first generated token arrives: text can lag a token or two behind
        (the streamer waits for whole words), the stats should not."""

        first_token_at: float | None = None
        ended = False

        def put(self, value: Any) -> None:
            if not self.next_tokens_are_prompt and self.first_token_at is None:
                self.first_token_at = time.monotonic()
            super().put(value)

        def end(self) -> None:
            if not self.ended:
                self.ended = True
                super().end()

    return _TimedStreamer


class Generation(Iterator[str]):
    """An answer being generated: iterate for text pieces; ``text`` and ``stats`` once it ends.

    Closing it (or dropping it) before the end cancels the generation, so an abandoned stream does
    not keep the CPU busy.
    """

    def __init__(self, cancel: threading.Event) -> None:
        self._pieces: Iterator[str] = iter(())
        self._cancel = cancel
        self._parts: list[str] = []
        self.stats: GenerationStats | None = None

    def __next__(self) -> str:
        piece = next(self._pieces)
        self._parts.append(piece)
        return piece

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def cancel(self) -> None:
        self._cancel.set()

    def close(self) -> None:
        self._cancel.set()
        close = getattr(self._pieces, "close", None)
        if close is not None:
            close()

    def __del__(self) -> None:
        try:
            self._cancel.set()
        except Exception:  # noqa: BLE001 - never raise from a finaliser
            pass


def criteria_list(stopper: Stopper) -> Any:
    from transformers import StoppingCriteriaList

    return StoppingCriteriaList([stopper])
