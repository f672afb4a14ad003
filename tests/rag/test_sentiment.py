"""rag.sentiment: label scoring in code (a stand-in model with known scores), and the real path on
the tiny random Qwen2 (always a valid label; a model forced toward one label word picks it)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from ingest.settings import Settings
from rag import sentiment
from rag.generation import LLM, clear_llm_cache, load_llm
from rag.llm_loading import load_weights, resolve_source
from rag.sentiment import DEFAULT_VARIANT, LABELS, VARIANTS, classify, label_logscores

WORDS = ["positive", "Positive", "negative", "Negative", "neutral", "Neutral", "正面", "负面", "中性"]


class FakeModel:
    """Next-token log-probabilities given per word; each word is its own token unless told."""

    def __init__(self, logprobs: dict[str, float], same_token: dict[str, str] | None = None):
        self.logprobs = logprobs
        self.same_token = same_token or {}
        self.calls: list[list[dict[str, str]]] = []

    def first_token(self, text: str) -> int:
        return WORDS.index(self.same_token.get(text, text))

    def next_token_scores(self, messages, candidates, *, assistant_prefix=""):
        self.calls.append(messages)
        return {c: self.logprobs.get(self.same_token.get(c, c), -30.0) for c in candidates}


def test_label_is_the_best_scored_word_and_score_its_share() -> None:
    model = FakeModel({"negative": math.log(0.6), "Negative": math.log(0.1), "positive": math.log(0.2),
                       "neutral": math.log(0.1)})
    result = classify("The VPN drops every hour.", model, "en")
    assert result.label == "negative" and result.lang == "en"
    assert result.score == pytest.approx(0.7, abs=1e-6)  # surface forms summed: 0.6 + 0.1 of 1.0
    assert sum(result.scores.values()) == pytest.approx(1.0)
    assert len(model.calls) == 1  # one forward pass


def test_shared_first_tokens_are_counted_once() -> None:
    model = FakeModel({"positive": math.log(0.5), "negative": math.log(0.5)}, same_token={"Positive": "positive"})
    scores = label_logscores(model, [{"role": "user", "content": "x"}], sentiment.EN_WORDS)
    assert math.exp(scores["positive"]) == pytest.approx(0.5)  # not 1.0: "Positive" shares the token


def test_a_token_shared_between_labels_is_evidence_for_neither() -> None:
    model = FakeModel({"negative": math.log(0.2), "neutral": math.log(0.2), "Negative": math.log(0.5)},
                      same_token={"Neutral": "Negative"})  # a tokenizer that splits both after "N"
    scores = label_logscores(model, [{"role": "user", "content": "x"}], sentiment.EN_WORDS)
    assert math.exp(scores["negative"]) == pytest.approx(0.2) and math.exp(scores["neutral"]) == pytest.approx(0.2)
    only_shared = {"positive": ("positive",), "negative": ("Negative",), "neutral": ("Neutral",)}
    scores = label_logscores(model, [{"role": "user", "content": "x"}], only_shared)
    assert all(math.isfinite(v) for v in scores.values())  # still a valid (tied) answer


def test_chinese_text_uses_chinese_labels_in_zh_variants() -> None:
    model = FakeModel({"正面": math.log(0.8), "负面": math.log(0.1), "中性": math.log(0.1)})
    result = classify("新食堂的饭菜很好吃。", model, "zh-labels")
    assert result.label == "positive" and result.lang == "zh"
    assert "反馈" in model.calls[0][0]["content"]
    english = classify("新食堂的饭菜很好吃。", FakeModel({"neutral": 0.0}), "en")
    assert english.label == "neutral"


def test_calibration_removes_the_models_prior() -> None:
    # The model says "neutral" to everything a bit more; calibration divides that prior out.
    prior = {"positive": math.log(0.2), "negative": math.log(0.2), "neutral": math.log(0.6)}

    class Biased(FakeModel):
        def next_token_scores(self, messages, candidates, *, assistant_prefix=""):
            if messages[0]["content"].endswith("N/A"):
                return {c: prior.get(c.lower(), -30.0) for c in candidates}
            return {c: {"positive": math.log(0.35), "negative": math.log(0.05),
                        "neutral": math.log(0.6)}.get(c.lower(), -30.0) for c in candidates}

    model = Biased({})
    assert classify("Great canteen.", model, "en").label == "neutral"
    assert classify("Great canteen.", model, "en+calibrated").label == "positive"


def test_bad_input_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        classify("   ", FakeModel({}))
    with pytest.raises(ValueError, match="valid"):
        classify("fine", FakeModel({}), "no-such-variant")
    assert DEFAULT_VARIANT in VARIANTS


# ---------------------------------------------------------------- the tiny real model


@pytest.fixture(scope="module")
def tiny_llm(tiny_qwen_dir: Path) -> LLM:
    clear_llm_cache()
    return load_llm(str(tiny_qwen_dir), Settings(threads=1), dtype="fp32")


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_tiny_model_always_gives_a_valid_label(tiny_llm: LLM, variant: str) -> None:
    for text in ("The onboarding week was well organised.", "电脑第二天就坏了，太差了。", "ok"):
        result = classify(text, tiny_llm, variant)
        assert result.label in LABELS
        assert 1 / 3 - 1e-6 <= result.score <= 1 and sum(result.scores.values()) == pytest.approx(1.0)
        assert json.loads(json.dumps(result.to_json()))["label"] == result.label


def test_a_model_that_prefers_one_label_word_gets_that_label(tiny_qwen_dir: Path) -> None:
    src = resolve_source(str(tiny_qwen_dir), Settings())
    tokenizer, model = load_weights(src, torch.float32)
    llm = LLM(tokenizer, model, name="tiny-biased")
    # The tiny tokenizer splits "negative"/"neutral" after a shared first piece; 负面/中性/正面 differ.
    assert len({llm.first_token(w) for w in ("正面", "负面", "中性")}) == 3
    target = llm.first_token("负面")
    # Replace the final hidden state with e0 and give only the target token's (tied) embedding a
    # non-zero first component: every logit is 0 but the target's.
    llm.model.model.norm.register_forward_hook(lambda m, i, out: torch.nn.functional.one_hot(
        torch.zeros(out.shape[:-1], dtype=torch.long), out.shape[-1]).to(out.dtype))
    with torch.no_grad():
        embed = llm.model.get_output_embeddings().weight
        embed[:, 0] = 0.0
        embed[target, 0] = 20.0
    result = classify("产品还行吧。", llm, "zh-labels")
    assert result.label == "negative" and result.score > 0.99


def test_sentiment_command(tiny_qwen_dir: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture) -> None:
    from ui.cli import main

    monkeypatch.setenv("DOCQA_LLM", str(tiny_qwen_dir))
    monkeypatch.setenv("DOCQA_THREADS", "1")
    assert main(["sentiment", "客服态度非常好", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["label"] in LABELS and out["lang"] == "zh"
    monkeypatch.setenv("DOCQA_LLM", str(tiny_qwen_dir / "missing"))
    assert main(["sentiment", "fine"]) == 1
    assert "does not exist" in capsys.readouterr().err
