from rag.answerability import STAND_IN_MIN_COVERAGE, coverage, decide, stand_in_allowed
from rag.passages import Passage, Scores
from rag.vocabulary import Vocabulary


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


def test_a_rare_term_the_passage_holds_counts_for_more_than_common_ones():
    """Rows of a PDF table extract as runs of numbers with a low cosine; the question's rare
    name in the passage is what shows it answers ("TaylorMade ... Carlsbad")."""
    vocabulary = Vocabulary({"taylormade": 1, "carlsbad": 2, "company": 60, "workers": 20, "many": 30, "did": 25,
                             "lay": 5, "off": 10}, chunks=100)
    row = P("07/15/2015 TaylorMade Golf Company Carlsbad 64 Layoff Permanent", 0.83)
    question = "How many workers did TaylorMade Company lay off in Carlsbad?"
    plain, weighted = coverage(question, [row]), coverage(question, [row], vocabulary=vocabulary)
    assert weighted > plain
    assert decide(question, [row], dense_threshold=0.90, vocabulary=vocabulary).answerable
    assert not decide(question, [row], dense_threshold=0.90).answerable


def test_a_rare_term_no_passage_holds_weighs_against_answering():
    vocabulary = Vocabulary({"sales": 40, "2023": 50, "half": 45, "first": 45, "were": 60}, chunks=100)
    report = P("Zone NA sales, first half 2023: 12553", 0.84)
    question = "What were the sales in Japan in the first half of 2023?"
    assert coverage(question, [report], vocabulary=vocabulary) < coverage(question, [report])
    assert not decide(question, [report], dense_threshold=0.90, vocabulary=vocabulary).answerable
    assert decide(question, [report], dense_threshold=0.90).answerable  # by the plain share it would be


def test_keyword_only_index_keeps_the_plain_share_of_terms():
    # the words the passage holds are common and the one it lacks is rare: weighted, the share
    # would fall below the keyword-only threshold; the plain share (3 of 4) clears it
    vocabulary = Vocabulary({"年": 90, "假": 90, "天数": 90}, chunks=100)
    passage = P("年假天数按工龄计算", None)
    assert coverage("年假天数怎么算", [passage], vocabulary=vocabulary) < 0.5 <= coverage("年假天数怎么算", [passage])
    d = decide("年假天数怎么算", [passage], vocabulary=vocabulary)
    assert d.answerable and d.coverage == 0.75 and "keyword search only" in d.reason


def test_stand_ins_need_a_share_of_the_questions_terms():
    body = "Annual leave is 25 days."
    held = decide("How much annual leave?", [P(body, 0.95)], dense_threshold=0.8)
    assert held.coverage >= STAND_IN_MIN_COVERAGE and stand_in_allowed(held)
    loose = decide("Which icebreaker pilots accrue harbour leave?", [P(body, 0.95)], dense_threshold=0.8)
    assert loose.answerable and loose.coverage < STAND_IN_MIN_COVERAGE and not stand_in_allowed(loose)
    keyword_only = decide("Which icebreaker pilots accrue harbour leave?", [P(body, None)])
    assert keyword_only.dense is None and stand_in_allowed(keyword_only)  # the plain share decided already
