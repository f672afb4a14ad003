import threading

import pytest

from rag.answer import COPIED_PASSAGE, FEW_TERMS_REFUSED, MIN_PROMPT_PASSAGES, UNSUPPORTED_REPLY, Answerer, drop_unfinished, reply_claims
from rag.answerability import STAND_IN_MIN_COVERAGE, support_score
from rag.generation import Decoding, GenerationStats, clear_llm_cache


@pytest.fixture(scope="module")
def answerer(rag_settings):
    return Answerer(rag_settings)


def test_streams_tokens_then_one_checked_answer(answerer):
    events = list(answerer.stream("How many days of annual leave do employees receive?", dense_threshold=-1.0))
    kinds = [e.kind for e in events]
    assert kinds[-1] == "answer" and kinds.count("answer") == 1
    assert "token" in kinds and kinds.index("token") < kinds.index("answer")
    answer = events[-1].answer
    streamed = "".join(e.text for e in events if e.kind == "token")
    # the tiny model writes random text; an empty reply falls back to extracted sentences
    assert answer.mode in ("llm", "extractive")
    assert answer.tokens.prompt > 0 and 0 < answer.tokens.completion <= 16
    assert answer.timings.first_token_s is not None and answer.timings.total_s >= answer.timings.first_token_s
    assert streamed  # pieces arrived before the final answer (the random model may emit only whitespace)
    # whatever it wrote, citations only point at passages the model was given
    for c in answer.citations:
        assert c.passage in answer.passages and c.quote in c.passage.body


def test_refusal_is_decided_before_any_model_call(rag_settings, monkeypatch):
    answerer = Answerer(rag_settings)
    monkeypatch.setattr(answerer, "llm", lambda: pytest.fail("the model must not be called"))
    answer = next(e.answer for e in answerer.stream("What is the boiling point of mercury?", dense_threshold=2.0)
                  if e.kind == "answer")
    assert answer.refused and answer.mode == "refusal" and answer.citations == []
    assert answer.text == "The documents do not say."
    assert answer.passages  # closest passages are offered


def test_no_llm_answers_with_cited_extracted_sentences(rag_settings):
    answer = Answerer(rag_settings, use_llm=False).answer("How many days of annual leave do employees receive?")
    assert answer.mode == "extractive" and not answer.refused
    assert "25 days" in answer.text and answer.text.endswith("[1]") or "[1]" in answer.text
    assert answer.citations[0].passage.doc_name == "leave.txt"
    assert answer.citations[0].quote in answer.citations[0].passage.body
    data = answer.to_json()
    assert set(data) >= {"answer", "refused", "citations", "passages", "timings", "tokens", "model"}
    assert set(data["citations"][0]) == {"n", "doc", "page_start", "page_end", "section", "sheet", "row_start", "row_end",
                                         "also_in", "quote", "quotes"}
    assert all(q in answer.citations[0].passage.body for q in data["citations"][0]["quotes"])


def test_missing_model_falls_back_to_extracted_answers_with_a_note(rag_settings, tmp_path):
    clear_llm_cache()
    answerer = Answerer(rag_settings.replace(llm=str(tmp_path / "no-such-model")))
    answer = answerer.answer("How many days of annual leave do employees receive?")
    assert answer.mode == "extractive"
    assert any("docqa download" in n for n in answer.notes)


def test_cancel_stops_generation(answerer):
    cancel = threading.Event()
    cancel.set()
    events = list(answerer.stream("How many days of annual leave?", cancel=cancel, dense_threshold=-1.0, max_new_tokens=200))
    answer = events[-1].answer
    assert answer.tokens.completion <= 2
    # stopped by the user: no extracted substitute, and the note says why it is short
    assert answer.mode == "llm" and "generation stopped early (cancelled)" in answer.notes


def test_followup_uses_previous_question_for_retrieval(answerer):
    history = [{"role": "user", "content": "What is the mileage rate per mile for a car?"}, {"role": "assistant", "content": "0.62 [1]"}]
    answer = answerer.answer("and for a motorbike?", history=history)
    assert "mileage" in answer.search_query
    assert answer.passages[0].doc_name == "rates.xlsx"


class _FixedReplyModel:
    """The real tiny model for prompt sizes, but its reply is fixed: the 0.5B model's false
    refusal ("The documents do not say.") cannot be produced on demand by a random model."""

    def __init__(self, real, reply="The documents do not say."):
        self.real, self.reply, self.name = real, reply, "fixed-reply-model"

    def prompt_tokens(self, messages):
        return self.real.prompt_tokens(messages)

    stopped_reason = "eos"
    decoding = Decoding()

    def stream(self, messages, **kwargs):
        gen = self.real.stream(messages, max_new_tokens=1)
        reply, reason = self.reply, self.stopped_reason

        def pieces():
            yield reply
            gen.stats = GenerationStats(self.prompt_tokens(messages), 200, 0.1, 1.0, reason)

        gen._pieces = pieces()
        return gen


@pytest.mark.parametrize("reply", ["The documents do not say.", "[2]", " \n"])
@pytest.mark.parametrize("policy, mode", [("extract", "extractive"), ("refuse", "refusal")])
def test_model_refusal_after_a_relevant_retrieval_follows_the_setting(rag_settings, policy, mode, reply):
    """A refusal, or a reply with no words (only a marker, only whitespace)."""
    answerer = Answerer(rag_settings.replace(on_model_refusal=policy))
    real = answerer.llm()
    answerer._llm = _FixedReplyModel(real, reply)
    answer = answerer.answer("How many days of annual leave do employees receive?")
    assert answer.mode == mode
    if policy == "extract":
        assert not answer.refused and "25 days" in answer.text
        assert answer.citations and answer.citations[0].passage.doc_name == "leave.txt"
        assert any("closest sentences" in n for n in answer.notes)
    else:
        assert answer.refused and answer.citations == []
    assert answer.raw == reply.strip()


def test_a_typo_is_corrected_for_search_prompt_and_refusal_but_the_question_stays(rag_settings):
    answerer = Answerer(rag_settings, use_llm=False)
    typed = "How many days of anual leeve do emplyees receive?"
    answer = answerer.answer(typed)
    assert answer.question == typed
    assert answer.search_query == "How many days of annual leave do employees receive?"
    assert any("anual → annual" in n for n in answer.notes)
    clean = answerer.answer("How many days of annual leave do employees receive?")
    assert answer.decision is not None and answer.decision.coverage == clean.decision.coverage  # not the typo's words
    assert not answer.refused and answer.passages[0].doc_name == "leave.txt"


@pytest.mark.parametrize("gap", [0.0, 0.2])
def test_passages_far_below_the_best_stay_out_of_the_prompt(rag_settings, gap):
    answerer = Answerer(rag_settings.replace(prompt_score_gap=gap, prompt_budget=4000))
    llm = answerer.llm()
    question = "How many days of annual leave do employees receive?"
    passages = answerer.retriever.search(question, 5).passages
    best = passages[0].scores.fused
    assert any(p.scores.fused < best - 0.2 for p in passages), "the fixture should rank some passages far below"
    prompt = answerer.prompt_for(llm, question, question, question, passages)
    shown = [pp.passage for pp in prompt.passages]
    if gap:  # the first MIN_PROMPT_PASSAGES and those close to the best, in their order
        assert shown == [p for i, p in enumerate(passages) if i < MIN_PROMPT_PASSAGES or p.scores.fused >= best - gap]
        assert len(shown) < len(passages)
    else:  # everything the (ample) budget holds
        assert shown == passages


@pytest.mark.parametrize("reply, kept", [
    ("Employees receive 25 days of annual leave. Unused days carry over to the", "Employees receive 25 days of annual leave."),
    ("Steps:\n1. Ask your manager.\n• Send the", "Steps:\n1. Ask your manager."),
    ("年假为25天。未休完的年假可以", "年假为25天。"),
    ("1. **年假**：25天。\n2. **病假**：\n- 病", "1. **年假**：25天。"),  # no heading left without its items
    ("1. Ask your manager.\n2. Fill in the form.\n3. **Send", "1. Ask your manager.\n2. Fill in the form."),  # nor a bare number
    ("1. Ask your manager.\n\n2.", "1. Ask your manager."),  # ...also when the cut fell right after it
    ("The rate is 3.5 per", "The rate is 3.5 per…"),  # nothing finished to fall back on
    ("Employees receive 25 days.[1]", "Employees receive 25 days.[1]"),  # finished: unchanged
])
def test_an_unfinished_last_sentence_is_dropped(reply, kept):
    assert drop_unfinished(reply) == kept


@pytest.mark.parametrize("reason", ["max_tokens", "eos"])
def test_a_reply_cut_by_the_token_limit_loses_its_fragment_with_a_note(rag_settings, reason):
    answerer = Answerer(rag_settings)
    fixed = _FixedReplyModel(answerer.llm(), "Employees receive 25 days of annual leave per year. Unused days carry over to the")
    fixed.stopped_reason = reason
    answerer._llm = fixed
    answer = answerer.answer("How many days of annual leave do employees receive?")
    cut = any("length limit" in n for n in answer.notes)
    assert answer.raw == fixed.reply  # the record keeps what the model wrote
    if reason == "max_tokens":
        assert cut and "carry over" not in answer.text and "25 days" in answer.text
        assert answer.citations and answer.citations[0].passage.doc_name == "leave.txt"
    else:  # the model ended there itself: what it wrote stands
        assert not cut and "carry over to the" in answer.text


@pytest.mark.parametrize("reply", ["Quarterly bonuses reward punctual invoicing.",
                                   "[1] Quarterly bonuses reward punctual invoicing."])  # marked, still unsupported
@pytest.mark.parametrize("policy, mode", [("extract", "extractive"), ("refuse", "refusal")])
def test_a_reply_no_passage_supports_is_not_shown_as_the_answer(rag_settings, policy, mode, reply):
    answerer = Answerer(rag_settings.replace(on_model_refusal=policy))
    answerer._llm = _FixedReplyModel(answerer.llm(), reply)
    answer = answerer.answer("How many days of annual leave do employees receive?")
    assert answer.mode == mode and answer.raw == reply
    assert "bonuses" not in answer.text
    if policy == "extract":
        assert "25 days" in answer.text and answer.citations
        assert UNSUPPORTED_REPLY in answer.notes
        assert answer.extracted_because == "the model's answer is not in the passages; the closest sentences"
    else:
        assert answer.refused and answer.citations == []


def test_a_reply_stating_a_figure_no_passage_states_is_not_shown_as_the_answer(rag_settings):
    """Its words match the passage ("Employees receive ... days of annual leave per year"), so
    support alone would let it through; the figure is what the reader acts on."""
    answerer = Answerer(rag_settings)
    answerer._llm = _FixedReplyModel(answerer.llm(), "Employees receive 30 days of annual leave per year.[1]")
    answer = answerer.answer("How many days of annual leave do employees receive?")
    assert answer.mode == "extractive" and "30" not in answer.text and "25 days" in answer.text
    assert answer.notes == ["the model's answer states 30, which no passage states; showing the closest sentences instead"]
    assert answer.extracted_because == "the model's answer states a figure no passage states; the closest sentences"
    answerer._llm = _FixedReplyModel(answerer.llm().real, "Employees receive 25 days of annual leave per year.[1]")
    answer = answerer.answer("How many days of annual leave do employees receive?")
    assert answer.mode == "llm" and answer.text == "Employees receive 25 days of annual leave per year.[1]"


def test_a_passage_written_out_from_its_top_gives_way_to_the_closest_sentences(rag_settings):
    """The 0.5B model answered "婚假有几天？" by copying the sick-leave article, sentence by
    sentence; every sentence is supported, none answers (rag/copies.py)."""
    answerer = Answerer(rag_settings)
    copy = "Annual leave policy\nEmployees receive 25 days of annual leave per year.[1] Unused days expire on 31 March.[1]"
    answerer._llm = _FixedReplyModel(answerer.llm(), copy)
    answer = answerer.answer("How many days of sick leave are paid in full?")
    assert answer.mode == "extractive" and answer.raw == copy
    assert "Sick leave is paid in full for the first 10 days." in answer.text and answer.citations
    assert COPIED_PASSAGE in answer.notes
    assert answer.extracted_because == "the model wrote out a passage instead of answering; the closest sentences"
    # the one sentence that answers, copied, is the answer
    answerer._llm = _FixedReplyModel(answerer.llm().real, "Sick leave is paid in full for the first 10 days.[1]")
    answer = answerer.answer("How many days of sick leave are paid in full?")
    assert answer.mode == "llm" and answer.text == "Sick leave is paid in full for the first 10 days.[1]"


@pytest.mark.parametrize("reply", ["[1] [2]", "Quarterly bonuses reward punctual invoicing.",
                                   "Quarterly bonuses reward punctual invoicing.[1]"])
def test_an_empty_reply_gets_the_closest_sentences_even_just_past_the_threshold(rag_settings, reply):
    """Markers only, or text no passage holds: the best sentences stand in for it wherever the
    question was judged answerable. Refusing it where the passages only just cleared the
    threshold refused 7 of 30 short everyday questions (EVAL.md "The model's empty reply")."""
    answerer = Answerer(rag_settings.replace(on_model_refusal="unasked"))
    answerer._llm = _FixedReplyModel(answerer.llm(), reply)
    question = "How many days of annual leave do employees receive?"
    decision = answerer.answer(question).decision
    support = support_score(decision.dense, decision.coverage)
    just = next(e.answer for e in answerer.stream(question, dense_threshold=support - 0.001) if e.kind == "answer")
    assert just.mode == "extractive" and "25 days" in just.text and not just.refused and just.raw == reply
    assert just.extracted_because.endswith("; the closest sentences")  # a model ran: not "no language model"


@pytest.mark.parametrize("reply", ["[1] [2]", "Quarterly bonuses reward punctual invoicing.[1]",
                                   "Employees receive 30 days of annual leave per year.[1]"])
def test_an_empty_reply_on_passages_holding_few_of_the_questions_words_is_a_refusal(rag_settings, reply):
    """Markers only, text no passage holds, a figure none states: where the passages hold under
    STAND_IN_MIN_COVERAGE of the question's terms, no sentences stand in for the reply."""
    answerer = Answerer(rag_settings.replace(on_model_refusal="unasked"))
    answerer._llm = _FixedReplyModel(answerer.llm(), reply)
    loose = "How many days of annual leave do seasonal harbour pilots aboard icebreakers accrue?"

    def ask(question):
        return next(e.answer for e in answerer.stream(question, dense_threshold=-1.0) if e.kind == "answer")

    few = ask(loose)
    assert few.decision.answerable and few.decision.coverage < STAND_IN_MIN_COVERAGE
    assert few.refused and few.mode == "refusal" and few.citations == [] and few.raw == reply
    assert FEW_TERMS_REFUSED in few.notes and few.passages  # the closest passages are still there to read
    many = ask("How many days of annual leave do employees receive?")
    assert many.decision.coverage >= STAND_IN_MIN_COVERAGE
    assert many.mode == "extractive" and "25 days" in many.text and FEW_TERMS_REFUSED not in many.notes


@pytest.mark.parametrize(("tokens", "penalty"), [(0, 1.0), (7, 1.1)])
def test_decoding_settings_reach_the_model(rag_settings, monkeypatch, tokens, penalty):
    answerer = Answerer(rag_settings.replace(prompt_lookup_tokens=tokens, repetition_penalty=penalty))
    llm = answerer.llm()
    seen = []
    real_stream = llm.stream

    def spy(messages, **kwargs):
        seen.append(kwargs.get("decoding"))
        return real_stream(messages, **kwargs)

    monkeypatch.setattr(llm, "stream", spy)
    events = list(answerer.stream("How many days of annual leave do employees receive?", dense_threshold=-1.0))
    assert events[-1].kind == "answer"
    assert [(d.prompt_lookup_tokens, d.repetition_penalty) for d in seen] == [(tokens, penalty)]


def test_a_sentence_left_unfilled_is_not_a_claim():
    """The model wrote the question back with a marker where the answer belongs."""
    assert reply_claims("[1] [2] The dress code for staff at the meeting of creditors is [3].", []) == ""
    assert reply_claims("期末考试的纪律要求是[1]。", []) == ""
    kept = "The fee is $100.[1] The dress code is [2]. No, a trustee cannot accept cash payments.[1]"
    assert reply_claims(kept, []) == "The fee is $100.[1] No, a trustee cannot accept cash payments.[1]"
    assert reply_claims("婚假为10天。[1]", []) == "婚假为10天。[1]"
    assert reply_claims("婚假为10天。[1]纪律要求是[2]。丧假3天。", []) == "婚假为10天。[1]丧假3天。"


def test_no_llm_extraction_asks_the_embedding_model_about_the_sentences(rag_settings):
    """Without a model, sentences are ranked by meaning too (the embedding model is asked about
    them); with the weight at 0, or standing in for a model's reply, by terms only."""
    question = "How many days of annual leave do employees receive?"
    for weight, asked in ((0.5, True), (0.0, False)):
        answerer = Answerer(rag_settings.replace(extract_meaning_weight=weight), use_llm=False)
        embedder = answerer.retriever.embedder
        seen: list[str] = []
        real = embedder.embed_passages
        embedder.embed_passages = lambda texts, **kw: (seen.extend(texts), real(texts, **kw))[1]
        try:
            answer = answerer.answer(question)
        finally:
            del embedder.embed_passages
        assert answer.mode == "extractive" and "25 days" in answer.text
        assert bool(seen) is asked
        assert all(s in "".join(p.body for p in answer.passages) for s in seen)
