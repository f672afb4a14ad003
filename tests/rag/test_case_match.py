import pytest

from rag.case_match import Interval, cases, intervals, matching_case, question_quantities

LEAVE = ("员工累计工作已满1年不满10年的，年假5天；已满10年不满20年的，年假10天；已满20年的，年假15天。"
         "国家法定休假日、休息日不计入年假假期。")
LATE = ("迟到、早退按以下规定处理：\n（一）迟到或早退15分钟以内（含15分钟）的，每次扣款50元；\n"
        "（二）迟到或早退超过15分钟、不超过60分钟的，每次扣款100元；\n（三）迟到或早退超过60分钟的，按旷工半天处理；")
FLIGHTS = ("The class of travel depends on the flight time:\n- under 6 hours: economy class;\n"
           "- 6 hours up to 9 hours: premium economy;\n- 9 hours or more: business class with approval.\n"
           "Fully refundable fares are booked only when plans are uncertain.\n"
           "Rail travel. First class may be booked for train journeys of more than 3 hours.")
RATES = ("城市级别: 一类城市; 适用城市: 北京、上海; 职级: 普通员工; 住宿标准(元/晚): 600\n"
         "城市级别: 一类城市; 适用城市: 北京、上海; 职级: 经理及以上; 住宿标准(元/晚): 800\n"
         "城市级别: 二类城市; 适用城市: 省会城市; 职级: 普通员工; 住宿标准(元/晚): 450")


def test_question_quantities_need_a_unit():
    assert [(q.value, q.unit) for q in question_quantities("工作满12年的员工每年有几天年假？")] == [(12.0, "year")]
    assert [(q.value, q.unit) for q in question_quantities("Which class for a 7 hour flight?")] == [(7.0, "hour")]
    assert [(q.value, q.unit) for q in question_quantities("请假三天要谁批？")] == [(3.0, "day")]
    assert question_quantities("What is the rate in Tier 3 cities in 2025?") == []
    assert [q.unit for q in question_quantities("2023年入职的员工")] == ["calendar year"]  # a date


def test_a_date_is_not_a_length_of_service():
    # "2023年" must not be read as 2023 years of service (it would "hold" in 已满20年)
    assert matching_case("2023年员工有几天年假？", [(1, LEAVE, False)]) is None
    assert intervals("2018年起入职的员工") == [Interval("calendar year", 2018, True, None, True)]


def test_intervals_read_both_languages():
    assert intervals("已满10年不满20年的，年假10天") == [Interval("year", 10, True, 20, False)]
    assert intervals("迟到或早退超过15分钟、不超过60分钟的") == [Interval("minute", 15, False, 60, True)]
    assert intervals("Flights of 6 to 9 hours are booked in premium economy") == [Interval("hour", 6, True, 9, True)]
    assert intervals("- 9 hours or more: business class") == [Interval("hour", 9, True, None, True)]
    assert intervals("- under 6 hours: economy class") == [Interval("hour", None, True, 6, False)]
    assert intervals("每次扣款100元") == []  # an amount, not a condition
    assert intervals("after 5 days and 9 hours") == []  # two quantities, not a range


def test_the_case_holding_the_quantity_is_chosen():
    assert matching_case("工作满12年的员工每年有几天年假？", [(1, LEAVE, False)]).text == "已满10年不满20年的，年假10天"
    assert "100元" in matching_case("上班迟到30分钟扣多少钱？", [(1, LATE, False)]).text
    assert "50元" in matching_case("迟到15分钟扣多少？", [(1, LATE, False)]).text  # 含15分钟: the bound is inclusive
    assert "premium economy" in matching_case("Which class can I book for a 7 hour flight?", [(1, FLIGHTS, False)]).text
    hint = matching_case("Which class for a 10 hour flight?", [(2, "Parking costs 5 dollars.", False), (3, FLIGHTS, False)])
    assert hint.n == 3 and "business" in hint.text


def test_only_cases_of_one_list_compete():
    # the rail rule (more than 3 hours) also holds 7 hours and shares the question's words
    # "class" and "book", but it is a rule of its own, not a case of the flight list
    assert "premium economy" in matching_case("Which class can I book for a 7 hour flight?", [(1, FLIGHTS, False)]).text


def test_no_hint_without_a_list_of_cases():
    assert matching_case("年假有几天？", [(1, LEAVE, False)]) is None  # no quantity in the question
    assert matching_case("Which class for a 7 hour flight?", [(1, "Flights of 6 to 9 hours are premium economy.", False)]) is None
    # the quantity is of another kind than the cases'
    assert matching_case("迟到30天扣多少钱？", [(1, LATE, False)]) is None


def test_a_table_row_with_the_questions_telling_words():
    hint = matching_case("经理去上海出差，住宿标准是每晚多少钱？", [(1, RATES, True)])
    assert hint is not None and "800" in hint.text
    # the same text not marked as a table: its lines are not rows to pick from by words
    assert matching_case("经理去上海出差，住宿标准是每晚多少钱？", [(1, RATES, False)]) is None
    # words every row shares tell nothing
    assert matching_case("住宿标准是多少？", [(1, RATES, True)]) is None


REPORT = ("In millions of CHF: Powdered and Liquid Beverages; Sales: 12339; Underlying Trading operating profit (a): 2607; "
          "Trading operating profit: 2506; Net other trading income/(expenses) (b): -101; of which impairment of "
          "property, plant and equipment: -50; of which restructuring costs: -32\n"
          "In millions of CHF: Water; Sales: 1706; Underlying Trading operating profit (a): 187; Trading operating "
          "profit: 57; Net other trading income/(expenses) (b): -130; of which impairment of property, plant and "
          "equipment: -6; of which restructuring costs: -94")


def test_a_long_row_is_narrowed_to_the_column_the_question_names():
    hint = matching_case("What restructuring costs did the Water business have?", [(1, REPORT, True)])
    assert hint is not None
    assert hint.text == "In millions of CHF: Water; of which restructuring costs: -94"
    # no header named: the whole row (cut at the hint's length), as before
    whole = matching_case("What did the Water business report?", [(1, REPORT, True)])
    assert whole is not None and whole.text.startswith("In millions of CHF: Water; Sales: 1706")
    # two headers named as much as each other: the whole row
    tied = matching_case("Water trading operating profit?", [(1, REPORT, True)])
    assert tied is not None and "Sales: 1706" in tied.text
    # a year tells a report's columns apart, though numbers do not pick rows
    years = ("In millions of CHF: Operating profit; January–June 2023: 7262; January–June 2022: 6619\n"
             "In millions of CHF: Net financial income/(expense); January–June 2023: -697; January–June 2022: -434")
    hint = matching_case("What was the net financial expense in the first half of 2022?", [(1, years, True)])
    assert hint is not None and hint.text == "In millions of CHF: Net financial income/(expense); January–June 2022: -434"
    # a short row keeps the fields that show why it was picked
    rates = matching_case("经理去上海出差，住宿标准是每晚多少钱？", [(1, RATES, True)])
    assert rates is not None and "经理及以上" in rates.text and "上海" in rates.text and "800" in rates.text


def test_cases_split_lines_semicolons_and_sentences():
    assert cases("A first case; a second case.\nA third line. Another sentence here.") == [
        "A first case", "a second case.", "A third line.", "Another sentence here."]


@pytest.mark.parametrize("question, passage, expected", [
    ("Who approves an expense of $1,500?",
     "Expenses up to $500 are approved by the line manager.\nExpenses over $500 and up to $5,000 are approved by "
     "the department head.\nExpenses over $5,000 need the CFO's approval.", "department head"),
    ("What is the notice period for someone employed 3 years?",
     "Notice periods: less than 1 year: 1 month; 1-5 years: 2 months; over 5 years: 3 months.", "2 months"),
    ("我工作3年了，病假工资怎么算？",
     "连续工龄不满2年的，按本人工资的60%计发；连续工龄满2年不满4年的，按70%计发；满4年不满6年的，按80%计发。", "70%"),
    ("Can I take 3 days of sick leave without a doctor's note?",
     "Sick leave of up to 2 days does not need a doctor's note. Sick leave of more than 2 days requires a doctor's note.",
     "requires"),
])
def test_cases_of_other_policies(question, passage, expected):
    hint = matching_case(question, [(1, passage, False)])
    assert hint is not None and expected in hint.text


def test_a_row_is_not_picked_by_a_remark_that_runs_on_past_its_cell():
    history = ("Version: 3.0; Effective: 2023-07-01; Changes: City tiers introduced; hotel booking moved.\n"
               "Version: 3.1; Effective: 2024-01-01; Changes: Mileage rate revised; corporate card section added.\n"
               "Version: 3.2; Effective: 2025-01-01; Changes: Per diem rates updated.")
    assert matching_case("What is the monthly limit on the corporate card?", [(1, history, True)]) is None
    # the labelled part of the same cell still picks its row
    hint = matching_case("When was the mileage rate revised?", [(1, history, True)])
    assert hint is not None and hint.text.startswith("Version: 3.1")
