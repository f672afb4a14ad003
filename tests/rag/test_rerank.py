import threading

import pytest
import torch

from ingest.settings import Settings, SettingsError
from rag.answer import Answerer
from rag.generation import load_llm
from rag.passages import Passage, Scores
from rag.rerank import QueryLikelihoodReranker, reranker_for, scorer_for


def P(i: int, fused: float, text: str = "") -> Passage:
    text = text or f"passage {i}"
    return Passage(i, str(i), f"/d/{i}.md", None, text, text, "paragraph", 0, scores=Scores(fused=fused))


def by_words(question: str, text: str, lang: str) -> float:
    """A scorer that knows the answer: the share of the question's words in the passage."""
    words = question.lower().split()
    return sum(w in text.lower().split() for w in words) / len(words)


# ---------------------------------------------------------------- the ranking policy


def test_the_passage_the_model_prefers_moves_up_within_the_depth():
    passages = [P(1, 1.0, "holiday calendar"), P(2, 0.9, "annual leave is 25 days"), P(3, 0.8, "parking rules")]
    reranked = QueryLikelihoodReranker(by_words, depth=3, weight=0.5).rerank("annual leave days", passages)
    # mixed: 1 -> 0.5*1 + 0.5*0 = 0.5; 2 -> 0.5*0.5 + 0.5*1 = 0.75; 3 -> 0 + 0 = 0
    assert [p.rowid for p in reranked] == [2, 1, 3]
    assert [p.scores.rerank for p in reranked] == [1.0, 0.0, 0.0]
    assert [p.scores.fused for p in reranked] == [0.9, 1.0, 0.8]  # the retrieval scores are kept


def test_passages_past_the_depth_keep_their_place_and_are_not_scored():
    scored: list[str] = []

    def scorer(question: str, text: str, lang: str) -> float:
        scored.append(text)
        return by_words(question, text, lang)

    passages = [P(1, 1.0, "a"), P(2, 0.9, "b"), P(3, 0.8, "leave"), P(4, 0.7, "leave leave")]
    reranked = QueryLikelihoodReranker(scorer, depth=2).rerank("leave", passages)
    assert [p.rowid for p in reranked] == [1, 2, 3, 4]
    assert scored == ["a", "b"]
    assert reranked[2].scores.rerank is None and reranked[3] is passages[3]


def test_the_weight_decides_between_retrieval_and_model():
    passages = [P(1, 1.0, "x"), P(2, 0.5, "leave"), P(3, 0.0, "y")]
    only_retrieval = QueryLikelihoodReranker(by_words, depth=3, weight=0.0).rerank("leave", passages)
    only_model = QueryLikelihoodReranker(by_words, depth=3, weight=1.0).rerank("leave", passages)
    assert [p.rowid for p in only_retrieval] == [1, 2, 3]
    assert [p.rowid for p in only_model][0] == 2


def test_a_tie_keeps_the_better_retrieved_passage_first():
    passages = [P(1, 1.0, "a"), P(2, 0.5, "b")]
    # the model cannot tell them apart: its scores normalise to equal values and retrieval decides
    assert [p.rowid for p in QueryLikelihoodReranker(lambda q, t, lang: -1.0, depth=2).rerank("q", passages)] == [1, 2]


def test_too_few_passages_an_empty_question_or_a_cancel_change_nothing():
    reranker = QueryLikelihoodReranker(by_words, depth=3)
    one = [P(1, 1.0)]
    assert reranker.rerank("leave", one) is one
    two = [P(1, 1.0, "a"), P(2, 0.5, "leave")]
    assert reranker.rerank("  ", two) is two
    cancel = threading.Event()
    cancel.set()
    assert reranker.rerank("leave", two, cancel) is two


def test_invalid_depth_and_weight_are_refused_with_the_variable_named():
    with pytest.raises(ValueError, match="depth"):
        QueryLikelihoodReranker(by_words, depth=1)
    with pytest.raises(ValueError, match="weight"):
        QueryLikelihoodReranker(by_words, weight=1.5)
    with pytest.raises(SettingsError, match="DOCQA_RERANK=.*ql, off"):
        Settings.load({"DOCQA_RERANK": "cross-encoder"})
    with pytest.raises(SettingsError, match="DOCQA_RERANK_DEPTH"):
        Settings.load({"DOCQA_RERANK_DEPTH": "1"})
    with pytest.raises(SettingsError, match="DOCQA_RERANK_WEIGHT"):
        Settings.load({"DOCQA_RERANK_WEIGHT": "2"})


def test_reranker_for_follows_the_setting_and_needs_a_model(rag_settings):
    llm = load_llm(rag_settings.llm, rag_settings)
    assert reranker_for(rag_settings.replace(rerank="off"), llm) is None
    assert reranker_for(rag_settings.replace(rerank="ql"), None) is None
    reranker = reranker_for(rag_settings.replace(rerank="ql", rerank_depth=4, rerank_weight=0.3), llm)
    assert (reranker.depth, reranker.weight) == (4, 0.3)


# ---------------------------------------------------------------- the model's score (tiny real Qwen2)


def test_reply_logprob_is_the_mean_log_probability_of_the_reply_tokens(rag_settings):
    llm = load_llm(rag_settings.llm, rag_settings)
    messages = [{"role": "user", "content": "Employees are entitled to fifteen days of annual leave."}]
    reply = "How many days of annual leave?"
    prompt = llm.prompt_ids(messages)
    reply_ids = llm.tokenizer(reply, add_special_tokens=False)["input_ids"]
    with torch.inference_mode():  # the whole sequence through the full output layer, by hand
        logits = llm.model(input_ids=torch.tensor([prompt + reply_ids])).logits[0].float()
    logprobs = torch.log_softmax(logits, dim=-1)
    expected = sum(float(logprobs[len(prompt) - 1 + i, t]) for i, t in enumerate(reply_ids)) / len(reply_ids)
    assert llm.reply_logprob(messages, reply) == pytest.approx(expected, abs=2e-2)
    with pytest.raises(ValueError):
        llm.reply_logprob(messages, "")


def test_the_scorer_reads_a_long_passage_only_up_to_its_bound(rag_settings):
    llm = load_llm(rag_settings.llm, rag_settings)
    score = scorer_for(llm, max_passage_tokens=8)
    head = "Employees are entitled to fifteen days of annual leave per calendar year."
    ids = llm.tokenizer(head, add_special_tokens=False)["input_ids"]
    assert len(ids) > 8
    cut = llm.tokenizer.decode(ids[:8])
    question = "How many days of annual leave?"
    assert score(question, head + " Sick leave requires a certificate.", "en") == score(question, cut, "en")
    assert score(question, head, "en") != scorer_for(llm)(question, head, "en")


# ---------------------------------------------------------------- in the answer path


def test_answers_carry_reranked_passages_and_refusals_cost_no_model_call(rag_settings, monkeypatch):
    on = Answerer(rag_settings.replace(rerank="ql"))
    events = list(on.stream("How many days of annual leave do employees receive?", dense_threshold=-1.0))
    assert "ranking passages" in [e.text for e in events if e.kind == "status"]
    answer = events[-1].answer
    head = answer.passages[: rag_settings.rerank_depth]
    assert len(head) >= 2 and all(isinstance(p.scores.rerank, float) for p in head)

    off = Answerer(rag_settings).answer("How many days of annual leave do employees receive?")
    assert all(p.scores.rerank is None for p in off.passages)

    refusing = Answerer(rag_settings.replace(rerank="ql"))
    monkeypatch.setattr(refusing, "llm", lambda: pytest.fail("a refusal must not load or call the model"))
    events = list(refusing.stream("What is the boiling point of mercury?", dense_threshold=2.0))
    refused = events[-1].answer
    assert refused.refused and refused.passages and all(p.scores.rerank is None for p in refused.passages)
