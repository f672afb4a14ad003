"""Location matching, hit@k and citation correctness (rag.eval.retrieval) on hand-made cases."""
from __future__ import annotations

import pytest

from rag.eval.questions import GoldSource
from rag.eval.retrieval import (
    RetrievedItem,
    citation_correct,
    doc_match,
    evidence_match,
    location_match,
    retrieval_scores,
    section_match,
)
from tests.rag.eval.helpers import EVIDENCE_ZH, make_q


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
    ("Policy > Leave > Annual leave > Carry-over", "Leave > Annual leave", True),  # both ends deeper
    ("3 Leave > 3.1 Annual leave", "Leave > Annual leave", True),  # numbering only one side writes
    ("Leave > Annual leave", "3 Leave > 3.1 Annual leave", True),
    ("第三章 总则 > 一、申请条件", "总则 > 申请条件", True),
    ("第三章 总则", "第三章", True),  # the same number, the title on one side only
    ("Chapter 2: Scope", "Scope", True),
    ("(a) Eligibility", "Eligibility", True),
    ("3 Scope", "2 Scope", False),  # two numbers that differ
    ("第四章 总则", "第三章", False),
    ("2024 Budget > Travel", "2025 Budget > Travel", False),
    ("Annual leave", "Leave", False),
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


def test_rows_without_a_sheet_are_matched_by_rows():
    """A CSV file has rows and no sheet: its gold gives rows only."""
    gold = GoldSource(doc="rates.csv", row_start=10, row_end=12)
    assert location_match(RetrievedItem(doc="rates.csv", row_start=9, row_end=10), gold)
    assert not location_match(RetrievedItem(doc="rates.csv", row_start=13, row_end=20), gold)
    assert not location_match(RetrievedItem(doc="rates.csv"), gold)  # rows unknown


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


def test_citation_correct():
    q = make_q(gold_sources=[{"doc": "docs/A.pdf", "page": 10}])
    assert citation_correct([RetrievedItem(doc="B.pdf", page_start=10), RetrievedItem(doc="A.pdf", page_start=11)], q)
    assert citation_correct([RetrievedItem(doc="A.pdf", page_start=14)], q) is False
    assert citation_correct([], q) is False
    assert citation_correct([RetrievedItem(doc="A.pdf")], make_q(gold_sources=[{"doc": "docs/A.pdf"}])) is True
    assert citation_correct([], make_q(gold_answer=None, gold_sources=[{"doc": "A.pdf"}])) is None
