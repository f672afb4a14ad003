from rag.retrieval import Retriever
from rag.spelling import Speller

VOCAB = {"health": 40, "hearing": 5, "services": 30, "service": 12, "types": 8, "tips": 20, "standard": 25,
         "plan": 50, "regarding": 3, "clinical": 6, "know": 2, "virus": 1, "staff": 4, "bones": 1}


def test_typos_become_the_documents_words():
    s = Speller(VOCAB)
    fixed = s.correct("What typs of hearin care servises are in the Northwind Standrd plan?")
    assert fixed.text == "What types of hearing care services are in the Northwind Standard plan?"
    assert [(c.original, c.corrected) for c in fixed.corrections] == [
        ("typs", "types"), ("hearin", "hearing"), ("servises", "services"), ("Standrd", "Standard")]


def test_capitalisation_is_kept_and_transpositions_count_as_one_edit():
    s = Speller(VOCAB)
    assert s.correct("Helth regaridng clnical").text == "Health regarding clinical"


def test_real_words_and_known_words_are_left_alone():
    # Every word here is within two edits of a vocabulary word, and each is a real English word
    # (or a word the documents use): correcting them would change the question.
    s = Speller(VOCAB)
    for text in ["versus", "stuff", "bonus", "plans", "service", "Health", "HELTH", "MBA"]:
        assert s.correct(text).corrections == (), text


def test_no_correction_without_a_close_word_with_the_same_first_letter():
    s = Speller(VOCAB)
    assert s.suggest("xyzzyq") is None
    assert s.suggest("ealth") is None  # the first letter differs from "health"
    assert s.suggest("knw") == "know"  # one edit in a short word
    assert s.suggest("hxxlth") == "health"  # two edits: allowed from six letters on
    assert s.suggest("hxxxth") is None  # three are not
    assert s.suggest("hxxr") is None  # two edits in a four-letter word are not a typo


def test_chinese_and_numbers_are_never_touched():
    s = Speller(VOCAB)
    text = "年假有几天？ 2024 年 E5"
    assert s.correct(text).text == text


def test_zero_edits_turns_it_off():
    assert Speller(VOCAB, max_edits=0).correct("Helth").text == "Helth"


def test_retriever_searches_the_corrected_question_and_says_so(rag_settings):
    retriever = Retriever(rag_settings)
    typo = retriever.search("How many days of anual leeve do emplyees get?", k=3, mode="lexical")
    clean = retriever.search("How many days of annual leave do employees get?", k=3, mode="lexical")
    assert typo.query == "How many days of annual leave do employees get?"
    assert [p.chunk_id for p in typo.passages] == [p.chunk_id for p in clean.passages]
    assert any("anual → annual" in n for n in typo.notes)
    assert not any("spelling" in n for n in clean.notes)
    off = Retriever(rag_settings.replace(spell_max_edits=0)).search("anual leeve", k=3, mode="lexical")
    assert off.query == "anual leeve"
