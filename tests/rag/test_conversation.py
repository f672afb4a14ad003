from rag.conversation import is_followup, resolve

HISTORY = [{"role": "user", "content": "How many days of annual leave do I get?"}, {"role": "assistant", "content": "25 days [1]"}]


def test_followups_are_detected_in_both_languages():
    assert is_followup("what about dental?")
    assert is_followup("And for part-time staff?")
    assert is_followup("那试用期呢？")
    assert is_followup("病假呢")
    assert not is_followup("How is overtime paid on public holidays?")
    assert not is_followup("加班工资如何计算？")


def test_resolve_joins_previous_question_only_for_followups():
    assert resolve("what about dental?", HISTORY) == "How many days of annual leave do I get? what about dental?"
    assert resolve("How is overtime paid on public holidays?", HISTORY) == "How is overtime paid on public holidays?"
    assert resolve("what about dental?", None) == "what about dental?"
