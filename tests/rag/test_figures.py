from rag.figures import figures, unstated_figures


def test_figures_are_compared_by_value_across_scripts_and_spellings():
    assert figures("享受婚假十天") == figures("10 days") == {"10"}
    assert figures("USD 1,500 per trip") == {"1500"}
    assert figures("fifteen days") == {"15"}
    assert figures("2023-01-05") == {"2023", "1", "5"}
    assert figures("2.50%") == {"2.5"}
    assert figures("pages 11 12") == {"11", "12"}  # a space keeps two numbers apart


def test_a_figure_the_prompt_states_is_not_unstated():
    prompt = "Question: How long are case files kept?\n[1] Case files are kept for two years after closing."
    assert unstated_figures("Case files are kept for 2 years.[1]", prompt) == []
    assert unstated_figures("事假全年累计不超过15天。[1]", "事假全年累计不超过十五天。") == []
    assert unstated_figures("The office opens at 9:00.", "The office opens at 9 am.") == []


def test_a_figure_nothing_in_the_prompt_states_is_reported():
    prompt = "Question: How long are case files kept?\n[1] Case files are kept for two years after closing."
    assert unstated_figures("Case files are kept for 7 years.[1]", prompt) == ["7"]
    assert unstated_figures("获得4项立项。[1]", "中国人民大学2项研究申请均获立项") == ["4"]
    # several, smallest first; worked-out sums count as unstated too
    assert unstated_figures("That makes 35 days, or 5 weeks.", "25 days of leave and 10 days of sick leave") == ["5", "35"]


def test_markers_and_list_numbering_are_not_figures():
    prompt = "[1] Submit the claim form. Attach the receipts."
    assert unstated_figures("1. Submit the claim form.[1]\n2. Attach the receipts.[1][3]", prompt) == []
    assert unstated_figures("Submit the claim form [7].", prompt) == []
