import pytest

from ingest.textutil import split_sentences
from rag.generation import load_llm
from rag.passages import Passage
from rag.prompting import MIN_TRIMMED_TOKENS, SYSTEM, build_prompt, strip_prompt_echoes, strip_preamble


def P(i, body, page=None, sheet=None):
    return Passage(i, str(i), f"/docs/file{i}.pdf", None, body, body, "paragraph", 0, page_start=page, page_end=page, sheet=sheet)


@pytest.fixture(scope="module")
def llm(rag_settings):
    return load_llm(rag_settings.llm, rag_settings)


LONG = " ".join(f"Rule {i}: staff must file form {i} within {i} days." for i in range(60))


def test_passages_numbered_and_labelled_in_the_model_template(llm):
    prompt = build_prompt("How long do I have?", [P(1, "Claims within 30 days.", page=7), P(2, "Car: 0.62", sheet="Rates")],
                          llm.prompt_tokens, 1000)
    user = prompt.messages[1]["content"]
    assert "[1] (file1.pdf · p. 7)\nClaims within 30 days." in user
    assert "[2] (file2.pdf · Rates)\nCar: 0.62" in user
    assert user.rstrip().endswith("Question: How long do I have?")
    assert prompt.messages[0]["content"].startswith(SYSTEM["en"])
    assert prompt.messages[0]["content"].endswith("reply only: The documents do not say.")
    assert prompt.tokens == llm.prompt_tokens(prompt.messages)
    rendered = llm.tokenizer.apply_chat_template(prompt.messages, tokenize=False, add_generation_prompt=True)
    assert "<|im_start|>system" in rendered and rendered.rstrip().endswith("<|im_start|>assistant")


def test_chinese_question_gets_chinese_instructions(llm):
    prompt = build_prompt("年假有几天？", [P(1, "年假5天。")], llm.prompt_tokens, 1000)
    assert prompt.lang == "zh" and prompt.messages[0]["content"].startswith(SYSTEM["zh"])
    assert "问题： 年假有几天？" in prompt.messages[1]["content"]


@pytest.mark.parametrize("question, refusal", [("How long?", "The documents do not say."), ("多久？", "文档中没有相关信息。")])
def test_refusal_instruction_only_when_the_model_may_refuse(llm, question, refusal):
    asked = build_prompt(question, [P(1, "Claims within 30 days.")], llm.prompt_tokens, 1000)
    unasked = build_prompt(question, [P(1, "Claims within 30 days.")], llm.prompt_tokens, 1000, may_refuse=False)
    assert refusal in asked.messages[0]["content"] and refusal not in unasked.messages[0]["content"]
    assert unasked.tokens < asked.tokens


@pytest.mark.parametrize("budget", [450, 700, 1000])
def test_budget_enforced_by_dropping_and_trimming_at_sentence_ends(llm, budget):
    passages = [P(i, LONG) for i in range(1, 6)]
    prompt = build_prompt("Which form?", passages, llm.prompt_tokens, budget)
    assert prompt.tokens <= budget
    assert prompt.dropped >= 1
    assert 1 <= len(prompt.passages) < 5
    sentences = set(split_sentences(LONG))
    for pp in prompt.passages:
        if pp.trimmed:
            assert all(s in sentences for s in split_sentences(pp.text))  # whole sentences only
            assert LONG.startswith(pp.text)


@pytest.mark.parametrize("budget", [450, 700])
def test_a_trimmed_table_is_cut_between_rows_and_keeps_one_row_a_line(llm, budget):
    rows = "\n".join(f"Tier: {i}; Grade: Manager; Lodging cap (USD): {200 + i}; Meals (USD): {50 + i}" for i in range(80))
    table = Passage(1, "1", "/docs/rates.xlsx", None, rows, rows, "row", 0, sheet="Caps", row_start=2, row_end=81)
    prompt = build_prompt("What is the lodging cap?", [table], llm.prompt_tokens, budget)
    shown = prompt.passages[0]
    assert shown.trimmed and rows.startswith(shown.text)
    assert set(shown.text.split("\n")) <= set(rows.split("\n"))  # whole rows, each on its line
    assert len(shown.text.split("\n")) > 1


def test_budget_too_small_for_any_passage_gives_none(llm):
    prompt = build_prompt("Which form?", [P(1, LONG)], llm.prompt_tokens, 320)
    assert prompt.passages == [] and prompt.dropped == 1


def test_the_case_that_fits_the_question_follows_it(llm):
    body = "Parking: up to 5 days costs 10 dollars a day; more than 5 days costs 8 dollars a day."
    prompt = build_prompt("What does parking cost for 7 days?", [P(1, "Claims within 30 days."), P(2, body)],
                          llm.prompt_tokens, 1000)
    user = prompt.messages[1]["content"]
    assert prompt.case is not None and prompt.case.n == 2
    assert user.endswith("Question: What does parking cost for 7 days?\n"
                         "The case that fits the question: [2] more than 5 days costs 8 dollars a day.")
    plain = build_prompt("What does parking cost?", [P(2, body)], llm.prompt_tokens, 1000)
    assert plain.case is None and plain.messages[1]["content"].endswith("Question: What does parking cost?")


def test_an_echoed_case_header_is_removed():
    assert strip_prompt_echoes("The case that fits the question is[1] Hours: 08:00-20:00.[1]") == "[1] Hours: 08:00-20:00.[1]"
    assert strip_prompt_echoes("符合问题条件的条款：[1] 年假10天。") == "[1] 年假10天。"
    assert strip_prompt_echoes("Parking costs 8 dollars a day.[2]") == "Parking costs 8 dollars a day.[2]"
    # the question copied after the answer, with the prompt's header, is the prompt's text
    assert strip_prompt_echoes("婚假10天。[1]\n\n问题： 婚假有几天？") == "婚假10天。[1]"
    assert strip_prompt_echoes("Question: How long is parental leave?\nIt is 15 days.[1]") == "It is 15 days.[1]"
    assert strip_prompt_echoes("The form has a question: who approves?") == "The form has a question: who approves?"


def test_a_preamble_naming_the_passages_is_removed_and_its_markers_kept():
    assert strip_preamble("根据资料，2018年港澳台侨联招计划招收10人。") == "2018年港澳台侨联招计划招收10人。"
    assert strip_preamble("根据资料[1]，2022学年的学费标准为6000元。") == "[1] 2022学年的学费标准为6000元。"
    assert strip_preamble("根据提供的资料中的内容，学费为6000元。") == "学费为6000元。"
    assert strip_preamble("According to the passages, the deductible is $1,500.") == "The deductible is $1,500."
    assert strip_preamble("Based on the provided documents [2], parking costs $8.") == "[2] Parking costs $8."
    # the case line's header, echoed as a source (samples-en-003)
    assert strip_preamble("Based on the case that fits the question, Flights of 6 to 9 hours are booked in premium "
                          "economy.") == "Flights of 6 to 9 hours are booked in premium economy."
    assert strip_preamble("根据符合问题条件的条款，年假为10天。") == "年假为10天。"
    # a claim that merely starts with such words is left alone
    for text in ["根据第十三条，年假为10天。", "According to Contoso policy, laptops are replaced every 3 years.",
                 "Based on your years of service, you get 15 days."]:
        assert strip_preamble(text) == text


def test_best_last_order_keeps_the_budget_choice_and_puts_the_best_next_to_the_question(llm):
    passages = [P(1, "Claims within 30 days."), P(2, "Car: 0.62"), P(3, LONG)]
    first = build_prompt("Which form?", passages, llm.prompt_tokens, 450)
    last = build_prompt("Which form?", passages, llm.prompt_tokens, 450, order="best-last")
    # the same passages (the least relevant one trimmed), shown in reverse and numbered as shown
    assert [pp.passage.doc_name for pp in last.passages] == [pp.passage.doc_name for pp in reversed(first.passages)]
    assert [pp.n for pp in last.passages] == [1, 2, 3] and last.passages[0].trimmed
    user = last.messages[1]["content"]
    assert user.index("[3] (file1.pdf)\nClaims within 30 days.") > user.index("[1] (file3.pdf)")
    assert last.tokens <= 450
    with pytest.raises(ValueError):
        build_prompt("Which form?", passages, llm.prompt_tokens, 450, order="random")


def test_a_trimmed_passage_keeps_at_least_its_minimum_of_own_text(llm):
    # Room for the last passage's label and its first sentence only ("Scope."): the label's own
    # tokens used to carry such a stub over the minimum.
    first = P(1, LONG[:1500])
    last = Passage(2, "2", "/docs/a_rather_long_file_name_for_a_benefits_plan_document.pdf", None,
                   "Scope. " + LONG, "Scope. " + LONG, "paragraph", 0, page_start=106, page_end=107,
                   section="OTHER INFORMATION ABOUT THIS PLAN > Workers Compensation")
    base = build_prompt("Which form?", [first], llm.prompt_tokens, 2000).tokens
    label = llm.count_tokens("[2] (" + last.label() + ")\n")
    assert llm.count_tokens("Scope.") + 10 < MIN_TRIMMED_TOKENS
    tight = build_prompt("Which form?", [first, last], llm.prompt_tokens, base + label + 16)
    assert [pp.passage.rowid for pp in tight.passages] == [1]
    roomy = build_prompt("Which form?", [first, last], llm.prompt_tokens, base + label + 80)
    assert [pp.passage.rowid for pp in roomy.passages] == [1, 2] and roomy.passages[1].trimmed
    assert llm.count_tokens(roomy.passages[1].text) >= MIN_TRIMMED_TOKENS


def test_the_text_shown_for_a_passage_can_be_cut_while_the_passage_stays_whole(llm):
    body = "Form A is for travel. Form B is for meals. Form C is for training."
    prompt = build_prompt("Which form is for meals?", [P(1, body)], llm.prompt_tokens, 1000,
                          text_of=lambda p: "Form B is for meals.")
    (shown,) = prompt.passages
    assert shown.text == "Form B is for meals." and shown.trimmed and shown.passage.body == body
    assert "Form B is for meals." in prompt.messages[-1]["content"] and "Form C" not in prompt.messages[-1]["content"]
