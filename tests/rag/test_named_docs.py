from rag.named_docs import name_words, named_documents, names_document


def test_name_words_ignore_separators_case_and_extension():
    assert name_words("Northwind_Health_Plus-Benefits.Details.pdf") == ["northwind", "health", "plus", "benefits", "details"]
    assert name_words("员工手册2025.docx") == ["员工手册", "2025"]


def test_the_whole_name_or_most_of_it_names_the_document():
    assert names_document("What is covered under the Northwind_Health_Plus_Benefits_Details.pdf?",
                          "Northwind_Health_Plus_Benefits_Details.pdf")
    assert names_document("What need for pre-authorization in Northwind Standard Benefits?",
                          "Northwind_Standard_Benefits_Details.pdf")  # 3 of 4 words, in order
    assert names_document("what does the employee handbook say about dress code", "employee_handbook.pdf")


def test_a_shared_prefix_does_not_name_the_document():
    # "Northwind Health" is the insurer, not the Plus plan's file (2 of 5 words)
    assert not names_document("What services does Northwind Health cover?", "Northwind_Health_Plus_Benefits_Details.pdf")
    # the words out of order are not the name
    assert not names_document("are the details of the handbook for each employee?", "employee_handbook.pdf")


def test_numbers_and_short_single_words_never_name_a_document():
    assert not names_document("How many of the 380 students were admitted?", "380.txt")
    assert not names_document("Where is the faq?", "faq.md")
    assert names_document("How do I claim PerksPlus?", "PerksPlus.pdf")
    assert not names_document("How do I claim perks?", "PerksPlus.pdf")
    assert not names_document("What is the limit for car parking?", "parking.txt")  # a topic, not a name
    assert names_document("What does parking.txt say?", "parking.txt")


def test_chinese_names_match_as_written():
    assert names_document("员工手册里关于加班怎么规定？", "员工手册.docx")
    assert not names_document("手册里关于加班怎么规定？", "员工手册.docx")


def test_named_documents_returns_the_ids_named():
    docs = [(1, "employee_handbook.pdf"), (2, "travel_policy.pdf"), (3, "faq.md")]
    assert named_documents("Does the travel policy or the employee handbook cover taxis?", docs) == [1, 2]
    assert named_documents("Are taxis covered?", docs) == []


PLANS = [(1, "Northwind_Standard_Benefits_Details.pdf"), (2, "Northwind_Health_Plus_Benefits_Details.pdf"),
         (3, "Benefit_Options.pdf")]


def test_a_capitalised_part_of_a_name_that_tells_it_from_the_others_names_it():
    assert named_documents("What is prior-authorization in Northwind Standard?", PLANS) == [1]
    assert named_documents("What does Health Plus cover for glasses?", PLANS) == [2]


def test_a_part_shared_with_other_names_or_lower_case_names_nothing():
    # "Northwind Health" is the insurer: in one file name, but without what tells that file apart
    assert named_documents("What services does Northwind Health cover?", PLANS) == []
    assert named_documents("What is prior-authorization in northwind standard?", PLANS) == []
    assert named_documents("Which Benefits Details apply?", PLANS) == []
    # with one file indexed, a part is not enough: every word of its name is its own
    assert named_documents("What is prior-authorization in Northwind Standard?", PLANS[:1]) == []


def test_a_year_in_the_name_tells_editions_apart():
    reports = [(1, "2024_Annual_Report.pdf"), (2, "2023_Annual_Report.pdf")]
    assert named_documents("What did the 2024 Annual Report say about travel?", reports) == [1]
    assert named_documents("What changed between 2023 and 2024?", reports) == []
