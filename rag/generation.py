"""The chat model on CPU: loaded once per process, streamed token by token, stoppable.

    llm = load_llm(settings.llm, settings)           # cached: the same object for the same source+dtype
    gen = llm.stream(messages, max_new_tokens=200, cancel=event, timeout_s=60)
    for piece in gen:                                # text pieces as they are decoded
        ...
    gen.stats                                        # GenerationStats once the stream has ended

Generation runs in a background thread (``model.generate`` with a ``TextIteratorStreamer``); a
``StoppingCriteria`` checks the cancel event and the time bound after every token, so a client that
disconnects or a request that runs out of time frees the CPU within one decode step (the prompt
prefill itself, seconds for a 1,200-token prompt on 2 cores, cannot be interrupted). Only one
generation or scoring pass runs at a time per model: on 2 cores two concurrent decodes just halve
each other's speed; a queued request gives up as soon as it is cancelled or out of time.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from ingest.settings import Settings
from rag.decoding import DEFAULT_DECODING, Decoding, answer_penalties, marker_token_ids, stop_token_ids
from rag.llm_loading import (
    DEFAULT_LLM,
    ModelSource,
    ModelUnavailable,
    choose_dtype,
    quantize_int8,
    load_weights,
    resolve_source,
)
from rag.streaming import Generation, GenerationStats, StopReason, Stopper, criteria_list, timed_streamer_class

__all__ = [
    "DEFAULT_LLM",
    "DEFAULT_DECODING",
    "Decoding",
    "Generation",
    "GenerationStats",
    "LLM",
    "ModelUnavailable",
    "clear_llm_cache",
    "load_llm",
]

log = logging.getLogger(__name__)

class LLM:
    """A loaded chat model and its tokenizer. Build with ``load_llm``; thread-safe."""

    def __init__(self, tokenizer: Any, model: Any, *, name: str, source: ModelSource | None = None,
                 decoding: Decoding = DEFAULT_DECODING) -> None:
        self.tokenizer = tokenizer
        self.model = model
        self.name = name
        self.source = source
        self.decoding = decoding
        self.dtype = str(getattr(model, "dtype", "")).replace("torch.", "")
        self.stop_token_ids = stop_token_ids(tokenizer, model)
        self._marker_ids: list[int] | None = None
        self._lock = threading.Lock()  # one generation / forward pass at a time

    # ---------------------------------------------------------------- tokens

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def prompt_ids(self, messages: list[dict[str, str]], *, assistant_prefix: str = "") -> list[int]:
        """The model's own chat template with the assistant header appended (and, when given, the
        start of the assistant's reply)."""
        ids = list(self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_dict=False))
        if assistant_prefix:
            ids += self.tokenizer(assistant_prefix, add_special_tokens=False)["input_ids"]
        return ids

    def marker_ids(self) -> list[int]:
        """The vocabulary's citation-marker openers (see ``decoding.marker_token_ids``), read once."""
        if self._marker_ids is None:
            self._marker_ids = marker_token_ids(self.tokenizer)
        return self._marker_ids

    def prompt_tokens(self, messages: list[dict[str, str]]) -> int:
        return len(self.prompt_ids(messages))

    # ---------------------------------------------------------------- generation

    def stream(
        self,
        messages: list[dict[str, str]],
        *,
        max_new_tokens: int,
        cancel: threading.Event | None = None,
        timeout_s: float | None = None,
        decoding: Decoding | None = None,
    ) -> Generation:
        """Generate a reply to ``messages``; iterate the result for text as it is produced.

        Stops at the end-of-turn token, after ``max_new_tokens``, when ``cancel`` is set, or
        ``timeout_s`` after this call (the wait for another generation to finish counts).
        """
        if max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
        started = time.monotonic()
        # Closing the generation sets its own event, never the caller's: a caller may reuse one
        # cancel event (a page's stop button) across answers.
        own = threading.Event()
        cancels = (own,) if cancel is None else (own, cancel)
        prompt = self.prompt_ids(messages)
        generation = Generation(own)
        # A generator: nothing runs until the caller starts iterating.
        generation._pieces = self._run(generation, prompt, max_new_tokens, cancels, timeout_s,
                                       decoding or self.decoding, started)
        return generation

    def generate(self, messages: list[dict[str, str]], **kwargs: Any) -> tuple[str, GenerationStats]:
        """The whole reply at once (same arguments as ``stream``)."""
        gen = self.stream(messages, **kwargs)
        for _ in gen:
            pass
        assert gen.stats is not None
        return gen.text, gen.stats

    def _run(self, generation: Generation, prompt: list[int], max_new_tokens: int,
             cancels: tuple[threading.Event, ...], timeout_s: float | None, decoding: Decoding,
             started: float) -> Iterator[str]:
        import torch

        deadline = started + timeout_s if timeout_s is not None else None
        stopper = Stopper(cancels, deadline)
        streamer = timed_streamer_class()(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                if not self._acquire(stopper):  # cancelled or timed out while another reply ran
                    return
                try:
                    if decoding.do_sample and decoding.seed is not None:
                        torch.manual_seed(decoding.seed)
                    with torch.inference_mode():
                        outcome["ids"] = self.model.generate(
                            input_ids=torch.tensor([prompt], dtype=torch.long),
                            attention_mask=torch.ones((1, len(prompt)), dtype=torch.long),
                            generation_config=self._generation_config(decoding, max_new_tokens),
                            # (the vocabulary is scanned for markers only when the option is on)
                            logits_processor=answer_penalties(
                                decoding, len(prompt), self.marker_ids() if decoding.ban_opening_marker else None),
                            stopping_criteria=criteria_list(stopper),
                            streamer=streamer,
                        )
                finally:
                    self._lock.release()
            except BaseException as exc:  # noqa: BLE001 - re-raised in the consumer's thread
                outcome["error"] = exc
            finally:
                streamer.end()

        worker = threading.Thread(target=work, name="docqa-generate", daemon=True)
        worker.start()
        try:
            for piece in streamer:
                if piece:
                    yield piece
        finally:
            if worker.is_alive() and not streamer.ended:
                cancels[0].set()  # the consumer left early: stop the decode loop
            worker.join()
        if "error" in outcome:
            raise outcome["error"]
        generated = outcome["ids"][0, len(prompt):].tolist() if "ids" in outcome else []
        if stopper.reason is not None:
            reason: StopReason = stopper.reason
        elif generated and generated[-1] in self.stop_token_ids:
            reason = "eos"
        else:
            reason = "max_tokens"
        first = streamer.first_token_at
        generation.stats = GenerationStats(
            prompt_tokens=len(prompt),
            completion_tokens=len(generated),
            first_token_s=None if first is None else first - started,
            total_s=time.monotonic() - started,
            stopped_reason=reason,
        )

    def _acquire(self, stopper: Stopper) -> bool:
        """Wait for the model, giving up as soon as the request is cancelled or out of time."""
        while not self._lock.acquire(timeout=0.05):
            if stopper.should_stop():
                return False
        if stopper.should_stop():
            self._lock.release()
            return False
        return True

    def _generation_config(self, decoding: Decoding, max_new_tokens: int) -> Any:
        from transformers import GenerationConfig

        pad = self.tokenizer.pad_token_id
        config: dict[str, Any] = dict(
            max_new_tokens=max_new_tokens,
            eos_token_id=sorted(self.stop_token_ids),
            pad_token_id=pad if pad is not None else sorted(self.stop_token_ids)[0],
            do_sample=decoding.do_sample,
        )
        if decoding.penalize_prompt:  # transformers' own processors: prompt and answer alike
            config.update(repetition_penalty=decoding.repetition_penalty,
                          no_repeat_ngram_size=decoding.no_repeat_ngram_size)
        else:  # neutral here; answer_penalties applies them to the answer only
            config.update(repetition_penalty=1.0, no_repeat_ngram_size=0)
        if decoding.prompt_lookup_tokens > 0 and not decoding.do_sample:
            config.update(prompt_lookup_num_tokens=decoding.prompt_lookup_tokens)
        if decoding.do_sample:
            config.update(temperature=decoding.temperature, top_p=decoding.top_p, top_k=decoding.top_k)
        else:
            # Explicit neutral values: the checkpoint's generation_config (Qwen ships sampling
            # defaults) must not leak in and trigger "ignored flag" warnings on every call.
            config.update(temperature=1.0, top_p=1.0, top_k=50)
        return GenerationConfig(**config)

    # ---------------------------------------------------------------- scoring

    def next_token_scores(self, messages: list[dict[str, str]], candidates: list[str], *,
                          assistant_prefix: str = "") -> dict[str, float]:
        """Log-probability of each candidate's first token as the assistant's next token (one forward
        pass). Candidates sharing a first token get the same score, so pick label words that differ
        in their first token (check with ``first_token``)."""
        import torch

        if not candidates:
            return {}
        prompt = self.prompt_ids(messages, assistant_prefix=assistant_prefix)
        with self._lock, torch.inference_mode():
            # logits_to_keep=1: only the last position goes through the 151k-word output layer
            logits = self.model(input_ids=torch.tensor([prompt], dtype=torch.long), logits_to_keep=1).logits[0, -1]
            logprobs = torch.log_softmax(logits.float(), dim=-1)
        return {c: float(logprobs[self.first_token(c)]) for c in candidates}

    def reply_logprob(self, messages: list[dict[str, str]], reply: str) -> float:
        """Mean log-probability per token of ``reply`` as the assistant's answer to ``messages``:
        how readily the model would write it (one forward pass; only the reply's positions go
        through the 151k-word output layer). One sequence per call: on 2 CPU cores a padded
        batch of five passages took 1.5x as long as five single passes (bench/bench_rerank.py)."""
        import torch

        reply_ids = self.tokenizer(reply, add_special_tokens=False)["input_ids"]
        if not reply_ids:
            raise ValueError("reply has no tokens")
        ids = self.prompt_ids(messages) + list(reply_ids)
        with self._lock, torch.inference_mode():
            # the last n+1 positions: each predicts the next token, the last one predicts nothing
            logits = self.model(input_ids=torch.tensor([ids], dtype=torch.long),
                                logits_to_keep=len(reply_ids) + 1).logits[0, :-1]
            logprobs = torch.log_softmax(logits.float(), dim=-1)
            picked = logprobs.gather(-1, torch.tensor(reply_ids, dtype=torch.long).unsqueeze(-1))
        return float(picked.mean())

    def first_token(self, text: str) -> int:
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        if not ids:
            raise ValueError(f"candidate {text!r} has no tokens")
        return int(ids[0])


# ---------------------------------------------------------------- loading, once per process

_CACHE: dict[tuple[str, str], LLM] = {}
_CACHE_LOCK = threading.Lock()


def load_llm(source: str | None, settings: Settings, *, dtype: str | None = None) -> LLM:
    """The chat model for ``source`` (hub id, directory, .gguf file or ``modelscope:<id>``), loaded
    once per process and shared. Raises ``ModelUnavailable`` with a user-facing message when the
    weights are not here and cannot be fetched.

    ``dtype``: auto | bf16 | fp32 | int8; default ``settings.llm_dtype``.
    """
    import torch

    source = source or settings.llm or DEFAULT_LLM
    requested = (dtype or settings.llm_dtype or "auto").lower()
    torch_dtype = choose_dtype(requested)
    key = (source, "int8" if requested == "int8" else str(torch_dtype))
    with _CACHE_LOCK:  # held while loading: a second caller waits for the first load, not a copy
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        torch.set_num_threads(max(1, settings.threads))
        src = resolve_source(source, settings)
        started = time.monotonic()
        tokenizer, model = load_weights(src, torch_dtype)
        if requested == "int8":
            quantize_int8(model)
        log.info("loaded %s (%s) in %.1f s", source, key[1], time.monotonic() - started)
        llm = LLM(tokenizer, model, name=source, source=src)
        _CACHE[key] = llm
        return llm


def clear_llm_cache() -> None:
    """Forget loaded models (tests; switching models in a long-lived process)."""
    with _CACHE_LOCK:
        _CACHE.clear()

