"""Answer correctness (rag.eval.answers) on hand-made answers, right and wrong."""
from __future__ import annotations

import pytest

from rag.eval.answers import answer_correct, judge_answer, key_fact_recall, key_facts, token_f1, token_overlap
from tests.rag.eval.helpers import make_q


def test_short_gold_answers_right_and_wrong():
    q = make_q(lang="zh", question="试用期多长？", gold_answer="三个月", gold_answers=[["3个月"], ["三个月"]])
    assert answer_correct("根据规定，新员工试用期为三个月。", q) is True
    assert answer_correct("试用期为３个月", q) is True  # full-width digit
    assert answer_correct("试用期为13个月。", q) is False  # "3个月" inside "13个月" is not a match
    assert answer_correct("试用期为六个月。", q) is False
    assert judge_answer("试用期为六个月。", q).correct is False


def test_every_string_of_one_alternative_must_appear():
    q = make_q(lang="zh", gold_answer="汉语、法语、英语", gold_answers=[["汉语", "法语", "英语"]])
    assert answer_correct("使用汉语、英语和法语三种语言教学。", q) is True
    assert answer_correct("使用汉语和法语教学。", q) is False


def test_english_short_answer_edges_and_a_refusal():
    q = make_q(gold_answer="80", gold_answers=[["80"]])
    assert answer_correct("The limit is 80 visits.", q) is True
    assert answer_correct("The limit is 180 visits.", q) is False
    assert answer_correct("The limit is 80.5 hours.", q) is False
    assert answer_correct("The limit is 80-90 visits.", q) is False
    assert judge_answer("The limit is 80 visits.", q, refused=True).correct is False


def test_clock_times_of_a_range_are_both_found():
    q = make_q(gold_answer="Monday to Friday, 08:00-20:00", gold_answers=[["Monday to Friday", "08:00", "20:00"]])
    assert answer_correct("Hours: Monday to Friday, 08:00-20:00.", q) is True
    assert answer_correct("Hours: Monday to Friday, 08:00-21:00.", q) is False
    assert answer_correct("Hours: Monday to Friday, 18:00-20:00.", q) is False


def test_citation_markers_are_not_part_of_the_answer():
    q = make_q(lang="zh", gold_answer="每晚800元", gold_answers=[["800"]])
    assert judge_answer("住宿标准(元/晚): 800;[1]伙食补贴: 150;[1]", q).correct is True
    # a marker's digits are not the answer's figures
    q1 = make_q(gold_answer="Claims are paid within 1 business day.")
    assert "1" in judge_answer("Claims are paid quickly.[1]", q1).missing_facts


def test_long_gold_answers_fall_back_to_the_reference_path():
    statement = "本专业培养具有扎实数学基础和计算机科学素养、能够从事信息系统设计研发与管理工作的高层次专业人才"
    q = make_q(lang="zh", gold_answer=statement, gold_answers=[[statement]])
    assert answer_correct("随便什么", q) is None
    assert judge_answer("本专业培养具有扎实数学基础、能从事信息系统设计研发与管理工作的高层次专业人才。", q).method == "reference"


def test_token_f1_characters_and_words():
    assert token_f1("汉语和法语", "汉语、法语", "zh") == pytest.approx(2 * 0.8 * 1.0 / 1.8)
    assert token_f1("The answer is Paris", "Paris", "en") == pytest.approx(0.5)  # "the" dropped: 3 tokens
    assert token_f1("", "Paris", "en") == 0.0
    o = token_overlap("Paris", "The capital is Paris", "en")
    assert (o.precision, o.recall) == (1.0, pytest.approx(1 / 3))


def test_key_facts_numbers_names_quotes():
    gold = ('Under the Fabrikam Care Plus plan the "out-of-pocket maximum" is $2,500 per person, '
            "and claims must be filed within 90 days.")
    facts = key_facts(gold, "en")
    assert "Fabrikam Care Plus" in facts and "out-of-pocket maximum" in facts
    assert "2500" in facts and "90" in facts
    assert key_fact_recall("Fabrikam Care Plus caps the out-of-pocket maximum at 2500 dollars; file within ninety days.",
                           gold, "en") == 1.0
    assert key_fact_recall("File within 60 days.", gold, "en") == 0.0
    assert key_facts("申请截止日期为二〇二四年五月十日，详见《学生手册》。", "zh") == ["学生手册", "2024", "5", "10"]
    assert key_fact_recall("whatever", "No facts here at all.", "en") is None


REFERENCE = ("Employees of Fabrikam can carry over unused vacation days into the next calendar year, "
             "but no more than 10 days may be carried over, and carried-over days expire on March 31.")


@pytest.mark.parametrize("answer", [
    "Up to 10 unused vacation days carry over into the next year; they expire on March 31.",
    "You can carry over at most 10 unused vacation days to the next calendar year, and they must be used "
    "by March 31 or they expire.",
])
def test_reference_path_accepts_right_answers(answer):
    q = make_q(gold_answer=REFERENCE)
    score = judge_answer(answer, q)
    assert score.method == "reference" and score.correct is True


@pytest.mark.parametrize("answer", [
    "Up to 5 unused vacation days carry over into the next year; they expire on March 31.",  # wrong number
    "Fabrikam offers a gym membership discount and free parking for employees.",  # off topic
    "Unused vacation days cannot be carried over.",  # no figures, little content
])
def test_reference_path_rejects_wrong_answers(answer):
    assert judge_answer(answer, make_q(gold_answer=REFERENCE)).correct is False


def test_reference_path_short_answer_with_the_figures():
    q = make_q(gold_answer="The annual deductible under the Fabrikam Basic plan is $1,200 for an individual "
                           "and $2,400 for a family.")
    assert judge_answer("$1,200 per individual and $2,400 per family.", q).correct is True
    assert judge_answer("$1,200 per individual and $3,000 per family.", q).correct is False


def test_reference_path_yes_no_polarity():
    q = make_q(gold_answer="Yes, the Fabrikam plan covers acupuncture when a physician refers you, up to "
                           "twenty visits per year.")
    assert judge_answer("Yes, acupuncture is covered with a physician referral, up to 20 visits a year.", q).correct
    assert not judge_answer("No, acupuncture is not covered, even with a physician referral, 20 visits a year.", q).correct


def test_reference_path_chinese():
    q = make_q(lang="zh", gold_answer="两个专业都注重培养学生的数据分析能力和编程实践能力，并且都开设了机器学习与数据库系统等核心课程。")
    assert judge_answer("两个专业都重视数据分析能力和编程实践能力，都开设机器学习、数据库系统等核心课程。", q).correct
    assert not judge_answer("两个专业的学生毕业后都可以出国留学，学校提供奖学金。", q).correct
