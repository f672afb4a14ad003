import threading
import time

from rag.streaming import Generation, GenerationStats, Stopper


def test_stopper_names_why_it_stopped():
    event = threading.Event()
    stopper = Stopper((event,), deadline=None)
    assert not stopper.should_stop() and stopper.reason is None
    event.set()
    assert stopper.should_stop() and stopper.reason == "cancelled"

    late = Stopper((threading.Event(),), deadline=time.monotonic() - 1)
    assert late.should_stop() and late.reason == "timeout"


def test_decode_speed_leaves_out_the_prefill():
    stats = GenerationStats(prompt_tokens=900, completion_tokens=11, first_token_s=2.0, total_s=4.0, stopped_reason="eos")
    assert stats.decode_tokens_per_s == 5.0  # 10 tokens after the first, in the 2 s after it
    assert GenerationStats(900, 1, 2.0, 2.0, "eos").decode_tokens_per_s is None
    assert GenerationStats(900, 0, None, 0.5, "cancelled").decode_tokens_per_s is None


def test_a_generation_joins_its_pieces_and_closing_it_cancels():
    event = threading.Event()
    generation = Generation(event)
    generation._pieces = iter(["The rate ", "is 0.62."])
    assert list(generation) == ["The rate ", "is 0.62."] and generation.text == "The rate is 0.62."
    assert not event.is_set()
    generation.close()
    assert event.is_set()
