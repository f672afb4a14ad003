from rag.extractive import extract
from rag.passages import Passage
from rag.vocabulary import Vocabulary


def P(i, body):
    return Passage(i, str(i), f"/d/{i}.md", None, body, body, "paragraph", 0)


def test_best_sentences_of_the_top_passages_with_their_numbers():
    passages = [
        P(1, "Travel must be approved in advance. Claims must be submitted within 30 days of the trip."),
        P(2, "The mileage rate is USD 0.62 per mile."),
        P(3, "Late claims must be submitted within 90 days with a director's approval."),
    ]
    text = extract("Within how many days must claims be submitted?", passages)
    assert text.startswith("Claims must be submitted within 30 days of the trip.[1]")
    assert "[3]" in text and "mileage" not in text


def test_a_question_heading_brings_its_answer():
    passages = [P(1, "When will I be paid back?\nReimbursements are paid within 10 business days of approval.")]
    assert extract("When will I be paid back for expenses?", passages) == (
        "When will I be paid back? Reimbursements are paid within 10 business days of approval.[1]"
    )


def test_nothing_matching_gives_empty():
    assert extract("水银的沸点", [P(1, "Annual leave is 25 days.")]) == ""


def test_a_sentence_copied_into_several_passages_is_said_once_citing_each():
    notice = "中国人民大学艺术学院成立于1999年，是集美术和音乐于一体的综合性艺术学院。"
    passages = [P(1, notice), P(2, "学院简介。" + notice), P(3, notice + "学院现有六个本科专业。")]
    assert extract("艺术学院成立于哪一年？", passages) == notice + "[1][2][3]"


def test_a_heading_of_the_passage_is_not_extracted():
    # The heading holds the question's words most densely and says nothing; "-" and ":" between
    # its parts both count as the section path's heading.
    body = ("COVERED SERVICES - Allergy Testing and Treatment\n"
            "Northwind Health Plus covers allergy testing, including skin and blood tests.")
    passage = Passage(1, "1", "/d/plan.pdf", None, body, body, "paragraph", 0,
                      section="COVERED SERVICES: Allergy Testing and Treatment")
    assert extract("What allergy testing and treatment services are covered?", [passage]) == (
        "Northwind Health Plus covers allergy testing, including skin and blood tests.[1]"
    )
    # ...while the same line in a passage without that section is text like any other
    assert extract("What allergy testing and treatment services are covered?", [P(1, body)]).startswith("COVERED")


def test_a_table_passage_gives_a_whole_row():
    rows = ("级别: 内部; 存储与传输要求: 存放于公司网盘，不得发布到互联网\n"
            "级别: 机密; 示例: 客户合同、运价协议; 存储与传输要求: 加密存储，禁止发送至个人邮箱")
    table = Passage(1, "1", "/d/rates.xlsx", None, rows, rows, "row", 0)
    assert extract("客户合同属于哪个级别？", [table]) == "级别: 机密; 示例: 客户合同、运价协议; 存储与传输要求: 加密存储，禁止发送至个人邮箱[1]"
    # the same text as prose is read sentence by sentence
    assert extract("客户合同属于哪个级别？", [P(1, rows)]).startswith("示例: 客户合同、运价协议")


def test_a_chinese_heading_brings_its_answer_but_a_rule_without_its_full_stop_stands_alone():
    heading = P(1, "二、报名方式\n考生在招生网站上报名。")
    assert extract("怎么报名？", [heading]) == "二、报名方式 考生在招生网站上报名。[1]"
    rule = P(1, "（二）迟到超过15分钟、不超过60分钟的，每次扣款100元\n（三）迟到超过60分钟的，按旷工半天处理。")
    assert extract("迟到30分钟扣款多少？", [rule]) == "（二）迟到超过15分钟、不超过60分钟的，每次扣款100元[1]"


def test_a_rare_term_of_the_question_outweighs_the_subject_every_sentence_repeats():
    section = P(1, "The standing trustee must submit an annual report to the United States Trustee. "
                   "The report shows activity in the trust account. "
                   "The report is due 45 days after the end of the fiscal year.")
    question = "When is the standing trustee's annual report due?"
    assert extract(question, [section]).startswith("The standing trustee must submit")
    vocabulary = Vocabulary({"standing": 900, "trustee": 950, "annual": 300, "report": 400, "due": 12}, chunks=1000)
    assert extract(question, [section], vocabulary=vocabulary).startswith("The report is due 45 days")


def test_meaning_ranks_the_sentences_that_hold_the_question_terms():
    rules = P(1, "Unpaid leave is deducted from pay by the day for the leave you take. "
                 "Unpaid leave may not exceed 15 days a year. "
                 "Travel is booked through TravelDesk.")
    question = "What is the most unpaid leave I can take?"
    # By terms alone the deduction rule wins ("unpaid", "leave", "take" against "unpaid", "leave") ...
    assert extract(question, [rules]).startswith("Unpaid leave is deducted")
    # ... the meaning match decides between sentences that hold the question's terms ...
    means = {"Unpaid leave is deducted from pay by the day for the leave you take.": 0.80,
             "Unpaid leave may not exceed 15 days a year.": 0.90,
             "Travel is booked through TravelDesk.": 0.95}
    similarity = lambda sentences: [means[s] for s in sentences]  # noqa: E731
    assert extract(question, [rules], similarity=similarity).startswith("Unpaid leave may not exceed 15 days")
    # ... but never brings in one that holds none of them, however close its meaning
    assert "TravelDesk" not in extract(question, [rules], similarity=similarity)
    # weight 0: terms only, and the similarity is not asked
    assert extract(question, [rules], similarity=lambda s: 1 / 0, meaning_weight=0.0) == extract(question, [rules])


def test_a_contents_or_index_entry_is_not_extracted():
    passages = [
        P(1, "2.3 Simple parsing … 4 2.4 Library Notes … 4 2.5 Future developments … 4"),
        P(2, "Programs include the header file first. Every library function returns a status code."),
    ]
    assert extract("What do the library notes say about the header file?", passages) == (
        "Programs include the header file first.[2]")
