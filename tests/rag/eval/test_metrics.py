"""Metric tests on hand-made cases (invented documents and answers, not the dev set's)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.eval.metrics import (
    GoldSource,
    QuestionRecord,
    RetrievedItem,
    Timings,
    answer_correct,
    citation_correct,
    doc_match,
    evidence_match,
    format_table,
    judge_answer,
    key_fact_recall,
    key_facts,
    load_questions,
    location_match,
    normalize_answer,
    parse_question,
    percentile,
    record_to_dict,
    refusal_outcome,
    retrieval_scores,
    score_question,
    section_match,
    summarize,
    token_f1,
    token_overlap,
)

EVAL_DIR = Path(__file__).resolve().parents[4] / "shared" / "eval"


def make_q(**fields):
    base = {"id": "q1", "question": "What is it?", "lang": "en", "gold_answer": "It is X."}
    base.update(fields)
    return parse_question(base)


# ---------------------------------------------------------------- loading


def write_jsonl(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_questions_fields_and_defaults(tmp_path):
    path = write_jsonl(tmp_path, [
        json.dumps({"id": "a", "question": "年假有几天？", "gold_answer": "十五天", "gold_answers": [["15天"], "十五日"],
                    "gold_sources": [{"doc": "docs/h.docx", "section": "第三章 > 第二节", "passage_id": 3}], "type": "extractive"}),
        "",
        json.dumps({"id": "b", "question": "Who is the CEO?", "lang": "en", "gold_answer": None,
                    "gold_sources": [], "gold_level": "page"}),
        json.dumps({"id": 7, "question": "Rates?", "gold_answer": "1%", "should_answer": False,
                    "gold_sources": [{"doc": "rates.xlsx", "sheet": "2024", "row": "4-6", "page": "3"}]}),
    ])
    a, b, c = load_questions(path)
    assert (a.lang, a.type, a.should_answer) == ("zh", "extractive", True)  # lang detected
    assert a.gold_answers == (("15天",), ("十五日",))  # a bare string is one alternative
    assert a.gold_sources[0].section == "第三章 > 第二节" and not a.gold_sources[0].is_document_level
    assert (b.type, b.should_answer, b.gold_answer) == ("page", False, None)  # null gold: unanswerable
    assert (c.id, c.type, c.should_answer) == ("7", "default", False)
    src = c.gold_sources[0]
    assert (src.sheet, src.row_start, src.row_end, src.page) == ("2024", 4, 6, 3)


def test_gold_answer_given_as_list_is_joined_and_null_gold_with_short_answers_is_answerable(tmp_path):
    q = make_q(gold_answer=["first point", "second point"])
    assert q.gold_answer == "first point; second point"
    q = make_q(gold_answer=None, gold_answers=[["42"]])
    assert q.should_answer and q.gold_answer == "42"


@pytest.mark.parametrize("line, message", [
    ("{not json", "not valid JSON"),
    ('{"id": "x", "gold_answer": "y"}', "'question'"),
    ('{"id": "x", "question": "q", "gold_sources": [{"page": 3}]}', "gold_sources[0].doc"),
    ('{"id": "x", "question": "q", "gold_sources": [{"doc": "d.pdf", "page": "three"}]}', "gold_sources[0].page"),
    ('{"id": "x", "question": "q", "gold_answers": "abc"}', "gold_answers"),
    ('{"id": "x", "question": "q", "lang": "fr"}', "lang"),
    ('{"id": "x", "question": "q", "lang": "fr-FR"}', "'lang' must be"),
    ('{"id": "x", "question": "q", "lang": 7}', "'lang' must be"),
])
def test_malformed_line_names_the_line(tmp_path, line, message):
    path = write_jsonl(tmp_path, ['{"id": "ok", "question": "fine"}', line])
    with pytest.raises(ValueError, match=r"q\.jsonl:2: .*" + message.replace("[", r"\[").replace("]", r"\]")):
        load_questions(path)


@pytest.mark.parametrize("tag, lang", [("zh-CN", "zh"), ("zh_Hans", "zh"), ("EN", "en"), ("en-US", "en")])
def test_language_tags_with_a_region_are_read_as_their_base(tmp_path, tag, lang):
    path = write_jsonl(tmp_path, [json.dumps({"id": "a", "question": "q?", "lang": tag})])
    assert load_questions(path)[0].lang == lang


def test_duplicate_id_is_rejected(tmp_path):
    path = write_jsonl(tmp_path, ['{"id": "a", "question": "x"}', '{"id": "a", "question": "y"}'])
    with pytest.raises(ValueError, match="line 1"):
        load_questions(path)


@pytest.mark.parametrize("name", ["contoso_hr_en", "domainrag_zh"])
def test_real_question_files_load(name):
    path = EVAL_DIR / name / "questions.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not present")
    questions = load_questions(path)
    assert len(questions) >= 50
    assert all(q.gold_sources and q.gold_answer for q in questions)
    assert {q.lang for q in questions} <= {"zh", "en"}
    for q in questions:  # every question can be scored without errors
        item = RetrievedItem(doc=q.gold_sources[0].doc.split("/")[-1], page_start=q.gold_sources[0].page,
                             text=q.gold_sources[0].evidence or "")
        score = retrieval_scores([item], q)
        assert score is not None and score.doc_rank == 1 and score.loc_rank == 1
        assert judge_answer(q.gold_answer, q).correct is True  # the reference answers itself


# ---------------------------------------------------------------- documents and locations


@pytest.mark.parametrize("retrieved, gold, expected", [
    ("Plan_Details.pdf", "docs/Plan_Details.pdf", True),  # --docs pointed at the docs folder
    ("docs/Plan_Details.pdf", "docs/Plan_Details.pdf", True),
    ("passages/159.txt", "docs/passages/159.txt", True),
    ("docs\\passages\\159.txt", "docs/passages/159.txt", True),
    ("./docs/Plan_Details.PDF", "docs/Plan_Details.pdf", True),  # extension case ignored
    ("docs/plan_details.pdf", "docs/Plan_Details.pdf", False),  # name case is not
    ("x159.txt", "docs/passages/159.txt", False),  # whole components only
    ("other/159.txt", "docs/passages/159.txt", False),
    ("docs/Plan.pdf", "docs/Plan_Details.pdf", False),
])
def test_doc_suffix_matching(retrieved, gold, expected):
    assert doc_match(retrieved, gold) is expected


@pytest.mark.parametrize("start, end, expected", [
    (7, 7, True), (8, 8, True),  # the gold page and the page after it
    (6, 6, False), (9, 9, False),  # page - 1 and page + 2 do not count
    (5, 7, True), (8, 10, True), (5, 6, False), (6, None, False), (9, 12, False),
])
def test_page_tolerance(start, end, expected):
    gold = GoldSource(doc="docs/Handbook.pdf", page=7)
    assert location_match(RetrievedItem(doc="Handbook.pdf", page_start=start, page_end=end), gold) is expected


def test_page_gold_needs_the_same_doc_and_a_page():
    gold = GoldSource(doc="docs/Handbook.pdf", page=7)
    assert not location_match(RetrievedItem(doc="Other.pdf", page_start=7, page_end=7), gold)
    assert not location_match(RetrievedItem(doc="Handbook.pdf"), gold)


@pytest.mark.parametrize("item, gold, expected", [
    ("第三章 > 第二节", "第三章 > 第二节", True),
    ("第三章 > 第二节 > 一、申请条件", "第三章 > 第二节", True),  # chunk deeper inside the gold section
    ("总则 > 第三章 > 第二节", "第三章 > 第二节", True),  # gold gives only the last headings
    ("第三章>第二节", "第三章  >  第二节", True),  # spacing around separators
    ("Chapter 3 > Leave", "chapter 3 > leave", True),
    ("第三章 > 第二节补充", "第三章 > 第二节", False),  # not a whole heading
    ("第三章", "第三章 > 第二节", False),  # chunk is broader than the gold section
    ("第四章 > 第二节 > 附则", "第三章 > 第二节", False),
    (None, "第三章", False),
])
def test_section_matching(item, gold, expected):
    assert section_match(item, gold) is expected


def test_sheet_and_row_matching():
    gold_sheet = GoldSource(doc="rates.xlsx", sheet="Rates 2024")
    gold_rows = GoldSource(doc="rates.xlsx", sheet="Rates 2024", row_start=10, row_end=12)
    item = RetrievedItem(doc="rates.xlsx", sheet="rates 2024", row_start=5, row_end=10)
    assert location_match(item, gold_sheet)
    assert location_match(item, gold_rows)  # rows 5-10 overlap 10-12
    assert not location_match(RetrievedItem(doc="rates.xlsx", sheet="Rates 2024", row_start=13, row_end=20), gold_rows)
    assert not location_match(RetrievedItem(doc="rates.xlsx", sheet="Rates 2024"), gold_rows)  # rows unknown
    assert not location_match(RetrievedItem(doc="rates.xlsx", sheet="Rates 2023", row_start=10), gold_sheet)


EVIDENCE_ZH = (
    "学校设立新生奖学金，用于奖励入学成绩优异的本科新生。一等奖每人八千元，二等奖每人五千元，"
    "三等奖每人三千元。申请人须在开学后两周内向所在学院提交申请表，由学院评审委员会初审后报学校审批。"
    "获奖名单在校园网公示五个工作日，公示无异议后发放奖金。"
)
OTHER_ZH = (
    "图书馆开放时间为每天早上八点至晚上十点，节假日另行通知。读者凭校园卡入馆，每人最多借阅二十册图书，"
    "借期为一个月，可以续借一次。逾期未还的图书按天收取滞纳金，遗失图书须照价赔偿。"
)


def test_evidence_containment_chunk_holds_the_evidence():
    assert evidence_match("标题：奖学金办法\n" + OTHER_ZH[:40] + EVIDENCE_ZH + OTHER_ZH[40:], EVIDENCE_ZH)


def test_evidence_containment_chunk_inside_the_evidence():
    middle = EVIDENCE_ZH[25:85]  # ~40% of the evidence, wholly inside it
    assert evidence_match(middle, EVIDENCE_ZH)
    sliver = EVIDENCE_ZH[:16]  # a heading-sized piece is inside it but too small to count
    assert not evidence_match(sliver, EVIDENCE_ZH)


def test_evidence_containment_rejects_other_text_and_a_small_share():
    assert not evidence_match(OTHER_ZH, EVIDENCE_ZH)
    quarter_among_other = OTHER_ZH + EVIDENCE_ZH[:30] + OTHER_ZH  # a quarter of it, mostly other text
    assert not evidence_match(quarter_among_other, EVIDENCE_ZH)


def test_evidence_containment_english_ignores_function_words():
    evidence = ("Employees accrue annual leave at a rate of two days per month of service. Unused leave "
                "may be carried over into the next calendar year, up to a maximum of ten days.")
    assert evidence_match("Leave policy. " + evidence + " Contact HR for details.", evidence)
    unrelated = ("The cafeteria is open to all of the employees from the start of the day, and the menu "
                 "of the week is posted on the board at the entrance of the building.")
    assert not evidence_match(unrelated, evidence)


def test_evidence_gold_location_uses_containment_not_pages():
    gold = GoldSource(doc="docs/passages/12.txt", passage_id=3, evidence=EVIDENCE_ZH)
    assert location_match(RetrievedItem(doc="passages/12.txt", text=EVIDENCE_ZH), gold)
    assert not location_match(RetrievedItem(doc="passages/12.txt", text=OTHER_ZH), gold)
    assert not location_match(RetrievedItem(doc="passages/13.txt", text=EVIDENCE_ZH), gold)  # wrong doc
    # With both page and evidence, holding the evidence counts even two pages away.
    both = GoldSource(doc="a.pdf", page=3, evidence=EVIDENCE_ZH)
    assert location_match(RetrievedItem(doc="a.pdf", page_start=5, text=EVIDENCE_ZH), both)
    assert location_match(RetrievedItem(doc="a.pdf", page_start=3, text=OTHER_ZH), both)


def test_document_level_gold_matches_on_doc():
    gold = GoldSource(doc="docs/Handbook.pdf")
    assert location_match(RetrievedItem(doc="Handbook.pdf", page_start=40), gold)


# ---------------------------------------------------------------- retrieval scores


def test_retrieval_scores_ranks_hits_and_mrr():
    q = make_q(gold_sources=[{"doc": "docs/A.pdf", "page": 10}, {"doc": "docs/B.pdf", "page": 2}])
    ranked = [
        RetrievedItem(doc="C.pdf", page_start=10),
        RetrievedItem(doc="A.pdf", page_start=4),  # right doc, wrong page
        RetrievedItem(doc="C.pdf", page_start=1),
        RetrievedItem(doc="B.pdf", page_start=3),  # second gold source, page + 1
    ]
    s = retrieval_scores(ranked, q)
    assert (s.doc_rank, s.loc_rank) == (2, 4)
    assert [s.doc_hit(k) for k in (1, 3, 5)] == [False, True, True]
    assert [s.loc_hit(k) for k in (1, 3, 5)] == [False, False, True]
    assert s.doc_rr == 0.5 and s.loc_rr == 0.25
    assert retrieval_scores([], q).loc_rr == 0.0
    assert retrieval_scores(ranked, make_q(gold_sources=[])) is None


def test_a_copy_shown_as_also_in_counts_at_its_passage_rank():
    """The retriever folds near-identical text in other files into one passage and shows the
    copies as "also in": the gold file among them is a hit at that rank, for retrieval and
    citations alike; a copy elsewhere in the gold file must still be at the gold place."""
    q = make_q(gold_sources=[{"doc": "docs/B.txt"}])
    ranked = [
        RetrievedItem(doc="C.txt"),
        RetrievedItem(doc="A.txt", copies=(RetrievedItem(doc="D.txt"), RetrievedItem(doc="B.txt"))),
    ]
    s = retrieval_scores(ranked, q)
    assert (s.doc_rank, s.loc_rank) == (2, 2)
    assert s.own_loc_rank is None  # the strict reading, reported beside it
    assert citation_correct(ranked[1:], q) and not citation_correct(ranked[:1], q)
    assert citation_correct(ranked[1:], q, copies=False) is False
    paged = make_q(gold_sources=[{"doc": "docs/B.pdf", "page": 10}])
    assert not citation_correct([RetrievedItem(doc="A.pdf", page_start=10, copies=(RetrievedItem(doc="B.pdf", page_start=3),))], paged)


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize("text, expected", [
    ("ＡＢＣ１２３", "abc123"),  # full width
    ("三个月", "3个月"),
    ("十五天", "15天"),
    ("二〇二三年", "2023年"),
    ("一九九九年", "1999年"),
    ("百分之五十", "50%"),
    ("一百零五人", "105人"),
    ("一万五千元", "15000元"),
    ("两万", "20000"),
    ("第七届", "第7届"),
    ("共1,000人", "共1000人"),
    ("汉语、法语 和 英语。", "汉语法语和英语"),
    ("一般统一两者万一五四运动", "一般统一两者万一五四运动"),  # words, not numbers
    ("20~25%", "20-25%"),
])
def test_normalize_chinese(text, expected):
    assert normalize_answer(text, "zh") == expected


def test_normalize_english():
    assert normalize_answer("The plan pays Fifty percent of $1,500!", "en") == "plan pays 50% of $1500"
    assert normalize_answer("In-network  providers", "en") == normalize_answer("in network providers", "en")
    assert normalize_answer("thirty-five days, one year, no one", "en") == "35 days 1 year no one"


# ---------------------------------------------------------------- answer correctness


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


# ---------------------------------------------------------------- citations and refusals


def test_citation_correct():
    q = make_q(gold_sources=[{"doc": "docs/A.pdf", "page": 10}])
    assert citation_correct([RetrievedItem(doc="B.pdf", page_start=10), RetrievedItem(doc="A.pdf", page_start=11)], q)
    assert citation_correct([RetrievedItem(doc="A.pdf", page_start=14)], q) is False
    assert citation_correct([], q) is False
    assert citation_correct([RetrievedItem(doc="A.pdf")], make_q(gold_sources=[{"doc": "docs/A.pdf"}])) is True
    assert citation_correct([], make_q(gold_answer=None, gold_sources=[{"doc": "A.pdf"}])) is None


def test_refusal_outcomes():
    answerable, unanswerable = make_q(), make_q(gold_answer=None)
    assert refusal_outcome(True, unanswerable) == "correct_refusal"
    assert refusal_outcome(False, unanswerable) == "missed_refusal"
    assert refusal_outcome(True, answerable) == "false_refusal"
    assert refusal_outcome(False, answerable) == "answered"
    assert judge_answer("I cannot find this.", unanswerable) is None


# ---------------------------------------------------------------- aggregation


def test_percentile_nearest_rank():
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 50) == 5.0
    assert percentile(values, 95) == 10.0
    assert percentile([3.0], 95) == 3.0
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([], 50) is None


def build_records() -> list[QuestionRecord]:
    en_page = make_q(id="e1", gold_answer="It is 80 visits.", gold_answers=[["80"]], gold_level="page",
                     gold_sources=[{"doc": "docs/A.pdf", "page": 3}])
    en_doc = make_q(id="e2", gold_answer="It is 5 days.", gold_answers=[["5"]], gold_level="document",
                    gold_sources=[{"doc": "docs/A.pdf"}])
    en_none = make_q(id="e3", gold_answer=None, gold_level="page", gold_sources=[])
    zh = make_q(id="z1", lang="zh", question="几天？", gold_answer="十五天", gold_answers=[["15天"]], type="extractive",
                gold_sources=[{"doc": "docs/p/1.txt", "evidence": EVIDENCE_ZH}])
    hit_a3 = RetrievedItem(doc="A.pdf", page_start=3, page_end=3)
    return [
        score_question(en_page, [RetrievedItem(doc="A.pdf", page_start=9), hit_a3], answer="80 visits [1]",
                       refused=False, cited=[hit_a3], timings=Timings(0.1, 1.0, 2.0, 500, 20)),
        score_question(en_doc, [RetrievedItem(doc="B.pdf"), RetrievedItem(doc="B.pdf"), RetrievedItem(doc="A.pdf")],
                       answer="Not in the documents.", refused=True, timings=Timings(0.3, None, 0.4, 0, 0)),
        score_question(en_none, [RetrievedItem(doc="A.pdf")], answer="It is 12.", refused=False,
                       timings=Timings(0.2, 1.5, 3.0, 400, 10)),
        score_question(zh, [RetrievedItem(doc="p/1.txt", text=EVIDENCE_ZH)], answer="十五天。", refused=False,
                       cited=[RetrievedItem(doc="p/2.txt")], timings=Timings(0.4, 2.0, 4.0, 600, 5)),
    ]


def test_summarize_overall_means_counts_and_refusals():
    s = summarize(build_records())
    o = s["overall"]
    assert o["n"] == 4
    r = o["retrieval"]
    assert r["n"] == 3  # e3 has no gold sources: not scored
    assert r["document"]["hit@1"] == pytest.approx(2 / 3)  # e1, z1 at rank 1; e2 at rank 3
    assert r["document"]["hit@3"] == 1.0
    assert r["location"]["hit@1"] == pytest.approx(1 / 3)  # only z1; e1's page-3 chunk is at rank 2
    assert r["location"]["mrr"] == pytest.approx((0.5 + 1 / 3 + 1) / 3)
    a = o["answer"]
    assert a["n"] == 3 and a["correct"] == pytest.approx(2 / 3)  # e2 refused -> wrong; e3 unanswerable: excluded
    c = o["citation"]
    assert c["n"] == 2 and c["correct"] == 0.5  # e1 right; z1 cites the wrong doc; e2 refused: excluded
    ref = o["refusal"]
    assert (ref["unanswerable_n"], ref["refusal_rate"], ref["missed_refusal"]) == (1, 0.0, 1)
    assert (ref["answerable_n"], ref["false_refusal_rate"]) == (3, pytest.approx(1 / 3))
    lat = o["latency"]
    assert lat["first_token_s"]["n"] == 3 and lat["first_token_s"]["p50"] == 1.5  # the None is excluded
    assert lat["total_s"]["p50"] == 2.0 and lat["total_s"]["p95"] == 4.0
    assert lat["tokens_in"]["mean"] == 375


def test_summarize_breakdowns_and_retrieval_only():
    s = summarize(build_records())
    assert set(s["by_lang"]) == {"en", "zh"} and s["by_lang"]["zh"]["answer"]["correct"] == 1.0
    assert set(s["by_type"]) == {"page", "document", "extractive"}
    assert s["by_type"]["document"]["refusal"]["false_refusal_rate"] == 1.0
    only = summarize([score_question(make_q(gold_sources=[{"doc": "A.pdf", "page": 1}]), [RetrievedItem(doc="A.pdf", page_start=1)])])
    assert only["overall"]["answer"]["correct"] is None and only["overall"]["answer"]["n"] == 0
    assert only["overall"]["refusal"]["refusal_rate"] is None
    assert only["overall"]["retrieval"]["location"]["hit@1"] == 1.0


def test_format_table():
    table = format_table(summarize(build_records()))
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["n", "doc@1", "doc@5"]
    assert [ln.split()[0] for ln in lines[1:]] == ["overall", "lang=en", "lang=zh", "type=document", "type=extractive", "type=page"]
    assert "0.67" in lines[1]
    only = format_table(summarize([score_question(make_q(gold_sources=[{"doc": "A.pdf"}]), [RetrievedItem(doc="A.pdf")])]))
    assert "ans" not in only.splitlines()[0] and "loc@5" in only.splitlines()[0]  # retrieval-only: no answer columns


def test_record_to_dict_is_json_ready():
    rec = build_records()[1]
    d = json.loads(json.dumps(record_to_dict(rec), ensure_ascii=False))
    assert d["question"]["id"] == "e2" and d["refusal_outcome"] == "false_refusal"
    assert d["retrieval"]["doc_rank"] == 3 and d["retrieval"]["doc_hit@3"] == 1.0
    assert d["answer_score"]["correct"] is False and d["timings"]["total_s"] == 0.4
