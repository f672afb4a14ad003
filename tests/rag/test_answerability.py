from rag.answerability import coverage, decide
from rag.passages import Passage, Scores


def P(body, dense):
    return Passage(1, "1", "/d/a.pdf", None, body, body, "paragraph", 0, scores=Scores(dense=dense, fused=1.0))


def test_refuses_when_best_dense_score_is_below_threshold():
    d = decide("What is the boiling point of mercury?", [P("Annual leave is 25 days.", 0.78)], dense_threshold=0.8)
    assert not d.answerable and "0.780" in d.reason


def test_answers_when_above_threshold():
    assert decide("How much annual leave?", [P("Annual leave is 25 days.", 0.86)], dense_threshold=0.8).answerable


def test_full_term_coverage_rescues_a_near_miss():
    d = decide("What is form HX-204?", [P("Submit form HX-204 to payroll.", 0.785)], dense_threshold=0.8)
    assert d.answerable and d.coverage == 1.0


def test_keyword_only_index_uses_coverage():
    passages = [P("年假天数按工龄计算", None)]
    assert decide("年假天数怎么算", passages).answerable
    assert not decide("水银的沸点是多少", passages).answerable
    assert coverage("annual leave days", passages) == 0.0


def test_no_passages_is_a_refusal():
    assert not decide("anything", []).answerable


def test_term_coverage_raises_the_support_score_in_proportion():
    """A short FAQ entry holding the question's terms scores a lower cosine than long
    documents do; its coverage lifts it, a passage sharing no term gets no lift."""
    faq = P("IT Service Desk hours: Monday to Friday, 08:00-20:00.", 0.85)
    assert decide("IT Service Desk hours", [faq], dense_threshold=0.88).answerable  # 0.85 + 0.10
    d = decide("What is the dress code in the warehouse?", [P("IT Service Desk hours.", 0.85)], dense_threshold=0.88)
    assert not d.answerable and d.coverage == 0.0 and "support 0.850" in d.reason
