import pytest

from ingest.settings import Settings, SettingsError
from rag.focus import focused_text
from rag.passages import Passage

LEAVE = ("第十四条员工因病可以申请病假。每个日历年度内累计病假5天以内的，全额发放基本工资。"
         "第十五条事假为无薪假，按日扣除工资。事假全年累计不超过15天。"
         "第十六条员工依法享受以下假期。婚假：员工享受婚假10天。产假：目前为158天。丧假：给予丧假3天。")


def P(body, kind="paragraph"):
    return Passage(1, "1", "/d/leave.md", None, body, body, kind, 0)


def chars(text):
    return len(text)


def test_a_long_passage_is_cut_around_its_best_sentence_in_whole_sentences():
    text = focused_text(P(LEAVE), "婚假有几天？", chars, 40)
    assert "婚假：员工享受婚假10天。" in text and len(text) <= 40
    assert text in LEAVE  # a run of the passage's own sentences, in order
    assert "病假" not in text  # the opening article the model used to copy is out


def test_the_run_grows_after_the_best_sentence_first():
    assert focused_text(P(LEAVE), "婚假有几天？", chars, 200) == LEAVE  # fits: nothing cut
    best, after, before = "婚假：员工享受婚假10天。", "产假：目前为158天。", "第十六条员工依法享受以下假期。"
    assert focused_text(P(LEAVE), "婚假有几天？", chars, len(best + after)) == best + after
    assert focused_text(P(LEAVE), "婚假有几天？", chars, len(before + best + after)) == before + best + after


def test_short_passages_tables_and_unmatched_questions_are_kept_whole():
    assert focused_text(P("Annual leave is 25 days. Sick leave is 10 days."), "sick leave?", chars, 10) \
        == "Annual leave is 25 days. Sick leave is 10 days."  # fewer than three sentences
    table = "城市: 北京; 住宿: 600\n城市: 上海; 住宿: 600\n城市: 广州; 住宿: 500\n城市: 深圳; 住宿: 550"
    assert focused_text(P(table, "table"), "广州住宿标准", chars, 20) == table
    assert focused_text(P(LEAVE), "水银的沸点", chars, 40) == LEAVE


def test_the_setting_is_off_by_default_and_checked():
    assert Settings.load({}).passage_focus_tokens == 0
    assert Settings.load({"DOCQA_PASSAGE_FOCUS_TOKENS": "160"}).passage_focus_tokens == 160
    with pytest.raises(SettingsError, match="DOCQA_PASSAGE_FOCUS_TOKENS=-5"):
        Settings.load({"DOCQA_PASSAGE_FOCUS_TOKENS": "-5"})


def test_an_answer_with_focus_on_shows_cut_passages_and_cites_the_whole_ones(rag_settings):
    from rag.answer import Answerer

    answerer = Answerer(rag_settings.replace(passage_focus_tokens=12))
    llm = answerer.llm()
    question = "How many days of sick leave are paid in full?"
    found = answerer.retriever.search(question, 5)
    prompt = answerer.prompt_for(llm, question, question, found.query or question, found.passages)
    cut = [pp for pp in prompt.passages if pp.text != pp.passage.body]
    assert [pp.text for pp in cut] == ["Sick leave is paid in full for the first 10 days."]
    assert "Annual leave" in cut[0].passage.body  # the passage itself is whole
    answer = answerer.answer(question)
    assert all(c.quote in c.passage.body for c in answer.citations)
