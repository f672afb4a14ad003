from rag.copies import copied_passage
from rag.passages import Passage


def P(i, body, kind="paragraph"):
    return Passage(i, str(i), f"/docs/f{i}.pdf", None, body, body, kind, 0, page_start=i, page_end=i)


AIR = P(1, "4.1 Air travel. Flights are booked through TravelDesk at least 14 days before departure. "
           "The class of travel depends on the scheduled flight time of each leg:\n- under 6 hours: economy class;\n"
           "- 6 hours or more: premium economy.")
RAIL = P(2, "4.2 Rail travel. Standard class is the rule. First class may be booked for journeys of more than 3 hours.")
ROWS = P(3, "City tier: Tier 1; Lodging cap: 250; Meals: 75\nCity tier: Tier 2; Lodging cap: 220; Meals: 65\n"
            "City tier: Tier 3; Lodging cap: 160; Meals: 55", kind="table")
SHOWN = [AIR, RAIL, ROWS]
TEXTS = [p.body for p in SHOWN]
TRAIN = "When can I book first class on a train?"  # answered by RAIL's last sentence
FLIGHTS = "How early are flights booked?"  # answered by AIR's second sentence


def test_a_passage_written_out_from_its_top_is_a_copy():
    reply = ("4.1 Air travel.[1] Flights are booked through TravelDesk at least 14 days before departure.[1] "
             "The class of travel depends on the scheduled flight time of each leg:[1]\n- under 6 hours: economy class;")
    assert copied_passage(reply, SHOWN, TEXTS, TRAIN) == 1
    # ...from its first sentence after the heading too, respaced, markers anywhere
    assert copied_passage("[1] Flights are booked through TravelDesk at least 14 days before  departure. The class of "
                          "travel depends on the scheduled flight time of each leg:\n• under 6 hours: economy class;",
                          SHOWN, TEXTS, TRAIN) == 1
    assert copied_passage("4.2 Rail travel. Standard class is the rule. First class may be booked for journeys of "
                          "more than 3 hours.[2]", SHOWN, TEXTS, FLIGHTS) == 2


def test_an_answer_is_not_a_copy():
    # short: one or two of the passage's sentences are how most answers quote
    assert copied_passage("First class may be booked for journeys of more than 3 hours.[2]", SHOWN, TEXTS, TRAIN) is None
    assert copied_passage("4.2 Rail travel. Standard class is the rule.[2]", SHOWN, TEXTS, TRAIN) is None
    # a run of sentences from further down (a list, the rule's details) answers
    assert copied_passage("The class of travel depends on the scheduled flight time of each leg:\n- under 6 hours: economy "
                          "class;\n- 6 hours or more: premium economy.[1]", SHOWN, TEXTS, TRAIN) is None
    # the model's own words among the copied ones
    assert copied_passage("4.1 Air travel. Flights are booked two weeks ahead. The class of travel depends on the "
                          "scheduled flight time of each leg:", SHOWN, TEXTS, TRAIN) is None
    # sentences from two passages
    assert copied_passage("4.2 Rail travel. Standard class is the rule. Flights are booked through TravelDesk at "
                          "least 14 days before departure.", SHOWN, TEXTS, TRAIN) is None


def test_table_rows_copied_whole_are_an_answer():
    reply = "City tier: Tier 1; Lodging cap: 250; Meals: 75\nCity tier: Tier 2; Lodging cap: 220; Meals: 65\nCity tier: Tier 3"
    assert copied_passage(reply, SHOWN, TEXTS, TRAIN) is None


def test_a_copy_holding_the_sentence_that_answers_is_an_answer():
    reply = ("4.2 Rail travel. Standard class is the rule. First class may be booked for journeys of "
             "more than 3 hours.[2]")
    assert copied_passage(reply, SHOWN, TEXTS, TRAIN) is None
    # ...but not when the sentence that answers is elsewhere
    assert copied_passage(reply, SHOWN, TEXTS, FLIGHTS) == 2
