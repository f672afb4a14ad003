from dataclasses import replace

from rag.citations import cite, strip_echoed_headings, strip_echoed_labels, strip_markers
from rag.passages import Passage


def P(i, body):
    return Passage(i, str(i), f"/docs/f{i}.pdf", None, body, body, "paragraph", 0, page_start=i, page_end=i)


PASSAGES = [
    P(1, "Employees may claim travel expenses within 30 days. Receipts are required for items over USD 25."),
    P(2, "The mileage rate is USD 0.62 per mile. Airport parking is paid up to USD 25 a day."),
    P(3, "年假天数按工龄计算：满1年不满10年的，年假5天；满10年不满20年的，年假10天。"),
]


def test_markers_parsed_renumbered_and_quoted():
    out = cite("The mileage rate is USD 0.62 per mile [2]. Claims are due within 30 days [1].", PASSAGES)
    assert out.text == "The mileage rate is USD 0.62 per mile.[1] Claims are due within 30 days.[2]"
    assert [(c.n, c.passage.rowid) for c in out.citations] == [(1, 2), (2, 1)]
    assert out.citations[0].quote == "The mileage rate is USD 0.62 per mile."
    assert out.citations[1].quote == "Employees may claim travel expenses within 30 days."


def test_a_marker_used_as_a_noun_leaves_no_dangling_preposition():
    out = cite("According to the information in [2], the mileage rate is USD 0.62 per mile.", PASSAGES)
    assert out.text == "According to the information, the mileage rate is USD 0.62 per mile.[1]"
    assert [c.passage.rowid for c in out.citations] == [2]
    # ...also at a sentence end ("as described in [1]." read "as described in.[1]")
    out = cite("Travel expenses are claimed as described in [1]. Parking is paid up to USD 25 a day [2].", PASSAGES)
    assert out.text == "Travel expenses are claimed as described.[1] Parking is paid up to USD 25 a day.[2]"


def test_invalid_numbers_dropped_and_unmarked_sentence_attributed():
    out = cite("Airport parking is paid up to USD 25 a day [9].", PASSAGES)
    assert out.text == "Airport parking is paid up to USD 25 a day.[1]"
    assert out.citations[0].passage.rowid == 2


def test_marker_on_unrelated_passage_is_corrected():
    out = cite("The mileage rate is USD 0.62 per mile [3].", PASSAGES)
    assert [c.passage.rowid for c in out.citations] == [2]


def test_marker_on_a_weaker_passage_moves_to_the_one_that_states_the_claim():
    # [1] shares "USD 25" with the sentence; [2] states all of it
    out = cite("Airport parking is paid up to USD 25 a day [1].", PASSAGES)
    assert [c.passage.rowid for c in out.citations] == [2]
    # close support stays with the model's choice
    out = cite("Receipts are required for items over USD 25 [1].", PASSAGES)
    assert [c.passage.rowid for c in out.citations] == [1]


def test_unsupported_sentence_is_left_uncited():
    out = cite("Bonuses are paid every December.", PASSAGES)
    assert out.citations == [] and out.unsupported == ["Bonuses are paid every December."]


def test_chinese_brackets_and_several_numbers():
    out = cite("工作满10年不满20年的员工年假10天【3】。出差费用30天内报销[1,3]。", PASSAGES)
    assert [c.passage.rowid for c in out.citations] == [3, 1]
    assert out.text.startswith("工作满10年不满20年的员工年假10天。[1]")
    assert "满10年不满20年的，年假10天" in out.citations[0].quote


def test_every_quote_is_text_of_its_passage():
    out = cite("Receipts are required over USD 25 [1]. Parking up to USD 25 a day [2]. 年假5天[3]。", PASSAGES)
    for c in out.citations:
        assert c.quote in c.passage.body
        assert c.quotes == (c.quote,)


def test_a_claim_read_off_a_table_row_quotes_that_whole_row():
    # The claim is split at its fields like clauses; each field alone matched the first row
    # holding it (the staff rate of 600), so the quote showed rows the answer did not state.
    table = replace(P(5, "城市级别: 一类城市; 职级: 普通员工; 住宿标准(元/晚): 600\n"
                         "城市级别: 一类城市; 职级: 经理及以上; 住宿标准(元/晚): 800\n"
                         "城市级别: 二类城市; 职级: 经理及以上; 住宿标准(元/晚): 550"), kind="row")
    out = cite("城市级别: 一类城市; 职级: 经理及以上; 住宿标准(元/晚): 800[1]", [table])
    assert out.citations[0].quotes == ("城市级别: 一类城市; 职级: 经理及以上; 住宿标准(元/晚): 800",)


def test_each_sentence_citing_a_passage_gets_its_own_quote():
    # Two claims from one passage: both of its sentences are quoted, in the passage's order, and
    # run on as the passage has them; the one claim from the other passage quotes one sentence.
    out = cite("Parking is paid up to USD 25 a day [1]. The mileage rate is USD 0.62 per mile [1]. "
               "Receipts are needed over USD 25 [2].", PASSAGES)
    mileage, claims = out.citations
    assert mileage.quotes == ("The mileage rate is USD 0.62 per mile.", "Airport parking is paid up to USD 25 a day.")
    assert mileage.quote == "The mileage rate is USD 0.62 per mile. Airport parking is paid up to USD 25 a day."
    assert claims.quotes == ("Receipts are required for items over USD 25.",)
    # Sentences the claims skip are left out of the quote with " … ", and each is quoted once.
    policy = P(4, "Trips need approval. Hotels are booked centrally. Meals are paid at USD 45 a day. Taxis are refunded.")
    out = cite("Trips need approval [1]. Meals are paid at USD 45 a day [1]. Meals: USD 45 a day [1].", [policy])
    assert out.citations[0].quotes == ("Trips need approval.", "Meals are paid at USD 45 a day.")
    assert out.citations[0].quote == "Trips need approval. … Meals are paid at USD 45 a day."


def test_strip_markers():
    assert strip_markers("Within 30 days [1][2].") == "Within 30 days."


def test_list_lines_are_kept():
    out = cite("Costs:\n- Mileage is USD 0.62 per mile [2]\n- Claims within 30 days [1]", PASSAGES)
    assert out.text.split("\n")[1:] == ["- Mileage is USD 0.62 per mile[1]", "- Claims within 30 days[2]"]


def test_an_unmarked_sentence_found_word_for_word_in_two_documents_cites_both():
    same = "Balance billing protection covers in-network providers."
    passages = [P(1, same + " Standard plan."), P(2, "Unrelated text about parking."), P(3, same + " Plus plan.")]
    out = cite("Balance billing protection covers in-network providers.", passages)
    assert [c.passage.rowid for c in out.citations] == [1, 3]
    assert out.text == "Balance billing protection covers in-network providers.[1][2]"


def test_labels_copied_from_the_prompt_are_not_claims():
    """The 0.5B model sometimes copies a passage's label ("[3] (f3.pdf · p. 3)") as its answer."""
    assert strip_echoed_labels("[3] (f3.pdf · p. 3)", PASSAGES) == "[3]"
    assert strip_echoed_labels("[2] （f2.pdf）\n里程费每英里0.62美元。", PASSAGES) == "[2]\n里程费每英里0.62美元。"
    assert strip_echoed_labels("f1.pdf: Claims are due within 30 days.", PASSAGES) == "Claims are due within 30 days."
    assert strip_echoed_labels("The plan covers:\n- parking", PASSAGES) == "The plan covers:\n- parking"
    assert strip_echoed_labels("[1] f1.pdf\n[2] f2.pdf", PASSAGES) == "[1]\n[2]"
    assert strip_echoed_labels("As provided in f1.pdf, claims are due in 30 days.", PASSAGES) == \
        "As provided in f1.pdf, claims are due in 30 days."
    assert cite(strip_echoed_labels("[3] (f3.pdf · p. 3)", PASSAGES), PASSAGES).text == ""
    # a label the model copied with another page is still a label
    assert strip_echoed_labels("Follow the steps in [3] (f3.pdf · p. 4 · Appeals > Steps). Then wait.", PASSAGES) == \
        "Follow the steps in [3]. Then wait."


def test_a_heading_copied_from_a_passage_is_not_a_claim():
    headed = [replace(PASSAGES[0], section="EXPENSES > Tips for Claims"), replace(PASSAGES[1], section="TRAVEL: Mileage")]
    reply = "Tips for Claims[1]\nEmployees may claim travel expenses within 30 days.[1]\n**TRAVEL: Mileage**:\nThe mileage rate is USD 0.62 per mile."
    assert strip_echoed_headings(reply, headed) == \
        "Employees may claim travel expenses within 30 days.[1]\nThe mileage rate is USD 0.62 per mile."
    # a heading inside a sentence stays; an answer that is only headings says nothing
    assert strip_echoed_headings("See Tips for Claims before you travel.", headed) == "See Tips for Claims before you travel."
    assert strip_echoed_headings("Tips for Claims", headed) == ""
    assert strip_echoed_headings("[1] Tips for Claims\n[2] TRAVEL: Mileage", headed) == ""
    # headings one after another on one line, markers between them, are headings only too
    assert strip_echoed_headings("[1] Tips for Claims[2] [1] EXPENSES > Tips for Claims[2] TRAVEL: Mileage", headed) == ""
    assert strip_echoed_headings("Tips for Claims[1] Claims are due in 30 days.[1]", headed) == \
        "Tips for Claims[1] Claims are due in 30 days.[1]"
    assert strip_echoed_headings("Tips for Claims", PASSAGES) == "Tips for Claims"  # no sections, nothing to match
    # the same heading with other punctuation between its parts is the same heading
    assert strip_echoed_headings("TRAVEL - Mileage\nThe mileage rate is USD 0.62 per mile.", headed) == \
        "The mileage rate is USD 0.62 per mile."


def test_markers_opening_a_line_belong_to_its_sentences():
    # Nothing in the sentence overlaps the passage enough to attribute it by itself; the
    # model's leading marker is what says where it came from.
    assert cite("Claims are due in a month.", PASSAGES).citations == []
    out = cite("[1] Claims are due in a month.", PASSAGES)
    assert out.text == "Claims are due in a month.[1]" and [c.passage.rowid for c in out.citations] == [1]
    # ...also after a list bullet, and for every unmarked sentence of the line
    out = cite("- [2] The rate is per mile. Parking is extra.", PASSAGES)
    assert out.text == "- The rate is per mile.[1] Parking is extra.[1]"
    assert [c.passage.rowid for c in out.citations] == [2]
    # a leading marker on an unrelated passage is still corrected like any other
    out = cite("[3] Airport parking is paid up to USD 25 a day.", PASSAGES)
    assert [c.passage.rowid for c in out.citations] == [2]


def test_a_sentence_with_its_own_marker_keeps_it_over_the_line_opening_one():
    out = cite("[1] Claims are due in a month. The mileage rate is USD 0.62 per mile [2].", PASSAGES)
    assert out.text == "Claims are due in a month.[1] The mileage rate is USD 0.62 per mile.[2]"
    assert [c.passage.rowid for c in out.citations] == [1, 2]


def test_a_sentence_in_other_word_forms_is_attributed_to_the_passage_that_says_it():
    # "coordinating ... plans ... using ... providers" against "coordinate ... plan ... use ...
    # provider": a third of the words match as written, all but "requires" by their stems
    passages = [*PASSAGES, P(4, "To coordinate benefits with another employer plan, you must use an in-network provider.")]
    out = cite("Coordinating benefits with other employer plans requires using in-network providers.", passages)
    assert [c.passage.rowid for c in out.citations] == [4] and out.unsupported == []
    assert out.citations[0].quote == passages[3].body


FIGURES = [
    P(1, "在2019年法语专业四级考试（TFS4）中，中法学院学生通过率达96%，平均分为74.5分。"),
    P(2, "在2021年法语专业四级考试（TFS4）中，中法学院学生通过率达93%，平均分为75.34分。"),
    P(3, "Reimbursement of up to USD 1,000 per year is available for approved courses."),
]


def test_the_passage_that_states_a_claims_figures_is_cited_too():
    # marked [1], worded like both, but only [2] gives 2021 and 75.34
    out = cite("[1] 2021年中法学院TFS4的平均分是75.34分。", FIGURES)
    assert [c.passage.rowid for c in out.citations] == [1, 2]
    assert "75.34" in out.citations[1].quote
    # unmarked: the better-worded passage, and the one with the figures
    out = cite("2021年中法学院TFS4的平均分是75.34分。", FIGURES[:2])
    assert 2 in [c.passage.rowid for c in out.citations]
    # the marked passage states the figures: it alone
    out = cite("2019年中法学院TFS4的平均分为74.5分[1]。", FIGURES)
    assert [c.passage.rowid for c in out.citations] == [1]


def test_figures_compare_without_thousands_separators_or_list_numbers():
    out = cite("1. Courses are reimbursed up to USD 1000 per year [1].", FIGURES)
    assert [c.passage.rowid for c in out.citations] == [3]


def test_figures_no_passage_states_leave_the_citation_as_it_was():
    # 76 is in neither passage: the model's marker stands as before
    out = cite("2021年中法学院TFS4的平均分为76分[1]。", FIGURES[:2])
    assert [c.passage.rowid for c in out.citations] == [1]


TWICE = [
    P(1, "After 5 failed sign-in attempts the account is locked for 30 minutes. Use the self-service portal."),
    P(2, "5 failed sign-in attempts lock the account for 30 minutes; to unlock it sooner, call the desk."),
]


def test_a_claim_said_again_from_another_passage_is_said_once():
    out = cite("5 failed sign-in attempts lock the account for 30 minutes.[1]\n"
               "5 failed sign-in attempts lock the account for 30 minutes;[2] to unlock it sooner, call the desk.[2]",
               TWICE)
    assert out.text == ("5 failed sign-in attempts lock the account for 30 minutes.[1]\n"
                        "To unlock it sooner, call the desk.[2]")


def test_a_line_keeps_its_own_lower_case_opening():
    # only a line whose opening clause was left out as a repeat is capitalised
    out = cite("[2] the mileage rate is USD 0.62 per mile.", PASSAGES)
    assert out.text == "the mileage rate is USD 0.62 per mile.[1]"


def test_a_repeat_in_a_list_or_a_short_one_or_one_a_longer_claim_touches_is_kept():
    listed = "The lock lasts 30 minutes after 5 failed sign-in attempts.[1]\n- 5 failed sign-in attempts lock the account for 30 minutes.[2]"
    assert cite(listed, TWICE).text.count("5 failed") == 2
    assert cite("Yes, locked.[1] Yes, locked.[2]", TWICE).text.count("locked") == 2
    # every word of the second stands in the first, which says something else with them
    longer = ("After 5 failed sign-in attempts within 30 minutes the account is locked, and the self-service portal"
              " unlocks it sooner or the desk can be called.[1] The account is locked for 30 minutes.[2]")
    assert cite(longer, TWICE).text.count("30 minutes") == 2


def test_a_table_row_copied_field_by_field_is_marked_once():
    row = [P(1, "城市级别: 一类城市; 职级: 经理及以上; 住宿标准(元/晚): 800; 伙食补贴(元/天): 150")]
    out = cite("城市级别: 一类城市;[1]职级: 经理及以上;[1]住宿标准(元/晚): 800;[1]伙食补贴(元/天): 150[1]", row)
    assert out.text == "城市级别: 一类城市; 职级: 经理及以上; 住宿标准(元/晚): 800; 伙食补贴(元/天): 150[1]"
    # clauses from different passages keep their own markers
    out = cite("The mileage rate is USD 0.62 per mile;[2] claims are due within 30 days.[1]", PASSAGES)
    assert out.text == "The mileage rate is USD 0.62 per mile;[1] claims are due within 30 days.[2]"


def test_a_marked_sentence_its_passages_hardly_hold_is_listed_as_unsupported():
    # the model's marker stays (the reader sees what it claimed), but the answer knows that no
    # passage holds half the sentence's words
    out = cite("Quarterly bonuses reward punctual invoicing.[2]", PASSAGES)
    assert out.text == "Quarterly bonuses reward punctual invoicing.[1]"
    assert out.unsupported == ["Quarterly bonuses reward punctual invoicing."] and not out.supported
    out = cite("Quarterly bonuses reward punctual invoicing.[2] The mileage rate is USD 0.62 per mile.[2]", PASSAGES)
    assert out.unsupported == ["Quarterly bonuses reward punctual invoicing."] and out.supported


def test_a_marker_closing_a_run_of_clauses_stands_for_each_of_them():
    rates = [P(1, "Tier 3 cities: all other cities. Lodging is capped per night."),
             P(2, "City tier: Tier 3; Cities: All other cities; Lodging cap (USD): 160; Meals (USD): 50")]
    out = cite("City tier: Tier 3; Cities: All other cities; Lodging cap (USD): 160[2]", rates)
    assert out.text == "City tier: Tier 3; Cities: All other cities; Lodging cap (USD): 160[1]"
    assert [c.passage.rowid for c in out.citations] == [2]


def test_a_copy_cut_short_after_the_whole_sentence_is_left_out():
    notice = [P(1, "人大文学院于2010年创办了国内第一个“古典学实验班”，此后每年均从全校不同专业中选拔学生。"),
              P(2, "人大文学院于2010年创办了国内第一个“古典学")]
    out = cite("人大文学院于2010年创办了国内第一个“古典学实验班”，此后每年均从全校不同专业中选拔学生。[1]"
               "人大文学院于2010年创办了国内第一个“古典学[2]", notice)
    assert out.text == "人大文学院于2010年创办了国内第一个“古典学实验班”，此后每年均从全校不同专业中选拔学生。[1]"
