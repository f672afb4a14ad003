import pytest

from ingest.textutil import detect_lang, join_lines, overlap_units, repeats_heading, split_sentences


def test_join_lines_cjk_without_space_and_english_hyphenation():
    assert join_lines(["应纳", "税所得额按月计算。"]) == "应纳税所得额按月计算。"
    assert join_lines(["the employ-", "ment contract"]) == "the employment contract"
    assert join_lines(["self-", "Service"]) == "self- Service"  # capitalised: a real hyphen, not a wrap
    assert join_lines(["Annual leave", "is 15 days."]) == "Annual leave is 15 days."


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
