import pytest

from ingest.textutil import LineHyphens, detect_lang, join_lines, normalize_space, overlap_units, repeats_heading, split_sentences


def test_join_lines_cjk_without_space_and_english_hyphenation():
    assert join_lines(["应纳", "税所得额按月计算。"]) == "应纳税所得额按月计算。"
    assert join_lines(["the employ-", "ment contract"]) == "the employment contract"
    assert join_lines(["self-", "Service"]) == "self-Service"  # capitalised: a real hyphen, not a wrap
    assert join_lines(["Annual leave", "is 15 days."]) == "Annual leave is 15 days."


# One document's lines: what it writes elsewhere decides its line-end hyphens. An office export
# (its one settled break, "in-" / "network", is a real hyphen) and a typeset paper (its settled
# break, "adip-" / "iscing", is a wrap).
_OFFICE = ["Choose an in-network provider to keep out-of-pocket costs low, not an out-of-network one.",
           "The employment contract", "uses cutting edge tools for a broken bone.", "see an in-", "network doctor"]
_TYPESET = ["Lorem ipsum dolor sit amet, adipiscing elit, sed adip-", "iscing est."]


@pytest.mark.parametrize("doc, left, right, joined", [
    (_OFFICE, "see an in-", "network doctor", "see an in-network doctor"),  # the compound is written inline
    (_OFFICE, "your out-of-", "pocket costs", "your out-of-pocket costs"),  # a longer compound, broken at its last hyphen
    (_OFFICE, "the employ-", "ment rules", "the employment rules"),  # the joined word is written inline
    (_OFFICE, "an out-of-net-", "work one", "an out-of-network one"),  # ...or the joined compound
    (_OFFICE, "a cutting-", "edge plan", "a cutting-edge plan"),  # neither: both halves are words of the document
    (_OFFICE, "bone-", "anchored aids", "bone-anchored aids"),  # one half a word: as its settled break, kept
    (_TYPESET, "elit-", "que est", "elitque est"),  # one half a word: as its settled break, joined
    (_OFFICE, "rhon-", "cus est", "rhoncus est"),  # neither half a word: a wrap, whatever the document
    (_TYPESET, "Non-", "Participating", "Non-Participating"),  # a wrap never splits a word before a capital
    (_TYPESET, "call 1-", "800-555-1234", "call 1-800-555-1234"),  # ...nor a number
    (_TYPESET, "a 90-", "day supply", "a 90-day supply"),
])
def test_line_end_hyphens_decided_by_the_documents_words(doc, left, right, joined):
    assert join_lines([left, right], LineHyphens(doc)) == joined


def test_broken_words_are_not_their_own_evidence():
    # "rhon-" / "cus" and "in-" / "network" on two lines are not words or compounds of the document
    hyphens = LineHyphens(["lorem rhon-", "cus est", "in-", "network"])
    assert {"lorem", "est"} <= hyphens.words and not {"rhon", "cus", "in", "network"} & hyphens.words
    assert not hyphens.compounds


def test_normalize_space_leaves_hyphens_alone():
    assert normalize_space("Pre-  and\tpost-natal care") == "Pre- and post-natal care"
    assert normalize_space("应纳  税所得额") == "应纳税所得额"


def test_split_sentences_both_languages():
    text = "第一条 本办法适用于全体员工。第二条 试用期为三个月；期满考核！Dr. Smith paid 3.5 dollars, e.g. cash. Then he left. Ok?"
    assert split_sentences(text) == [
        "第一条 本办法适用于全体员工。",
        "第二条 试用期为三个月；",
        "期满考核！",
        "Dr. Smith paid 3.5 dollars, e.g. cash.",
        "Then he left.",
        "Ok?",
    ]


def test_split_sentences_keep_abbreviations_and_citations_whole():
    # A statute citation is one sentence: it was cut at "Fed." and "Bankr.".
    assert split_sentences("Attend the meeting [11 U.S.C. § 343, Fed. R. Bankr. P. 2003(b)]. Then file.") == [
        "Attend the meeting [11 U.S.C. § 343, Fed. R. Bankr. P. 2003(b)].", "Then file."]
    # Before a number, "sec." is a reference; elsewhere it may end a sentence.
    assert split_sentences("See sec. 4 and No. 7 for the limits. Read the next sec. Then sign.") == [
        "See sec. 4 and No. 7 for the limits.", "Read the next sec.", "Then sign."]
    # Text going on in lower case does not start a new sentence.
    assert split_sentences("Paid by Acme Corp. and its affiliates at approx. 5 dollars. Done.") == [
        "Paid by Acme Corp. and its affiliates at approx. 5 dollars.", "Done."]
    assert split_sentences("Download the app. It is free.") == ["Download the app.", "It is free."]


def test_split_sentences_newlines_end_sentences():
    assert split_sentences("City: A\nRate: 3") == ["City: A", "Rate: 3"]


def test_detect_lang_and_overlap_units():
    assert detect_lang("年假有几天？") == "zh"
    assert detect_lang("How many days of leave?") == "en"
    assert overlap_units("年假5天 Annual") == ["5", "annual", "年假", "天"]


def test_overlap_units_cjk_runs_stop_at_punctuation_and_other_scripts():
    assert overlap_units("中文，标点。") == ["中文", "标点"]
    assert overlap_units("，单，") == ["单"]
    assert overlap_units("「引号」ａｂ１") == ["ab1", "引号"]  # fullwidth letters are words after NFKC
    assert overlap_units("カタカナ・テスト 𠀀𠀁") == ["カタ", "タカ", "カナ", "テス", "スト", "𠀀𠀁"]


@pytest.mark.parametrize(
    ("heading", "following", "repeated"),
    [
        ("SUMMARY OF YOUR COSTS", "Summary of your  costs", True),  # same words, case and spacing aside
        ("Ambulance", "COVERED SERVICES: Ambulance", True),  # one side of "PART: Name"
        ("CARE MANAGEMENT", "CARE MANAGEMENT: Prior-Authorization", True),
        ("CARE MANAGEMENT", "Care Management Prior-Authorization", True),  # opens with it, whole words
        ("招生", "招生计划", True),  # CJK: characters, no word gaps
        ("Care", "Career Planning", False),  # a prefix of a word is not a repeat
        ("Care", "Care-givers", False),
        ("Leave", "Annual Leave", False),  # a parent over its child
        ("", "Anything", False),
    ],
)
def test_repeats_heading(heading: str, following: str, repeated: bool) -> None:
    assert repeats_heading(heading, following) is repeated


def test_words_broken_inside_a_line_rejoined_by_the_same_rule():
    # an OCR text layer keeps "mova- ble" on one line; a suspended hyphen ("short- and
    # long-term") is no broken word: both halves are words of the document
    hyphens = LineHyphens(["The guns were movable, short and long.", "Some were mova- ble in short- and long-term use."])
    assert hyphens.rejoin("Some were mova- ble in short- and long-term use.") == "Some were movable in short- and long-term use."
