"""Answer normalisation (rag.eval.normalize): width, case, numerals."""
from __future__ import annotations

import pytest

from rag.eval.normalize import normalize_answer


@pytest.mark.parametrize("text, expected", [
    ("ＡＢＣ１２３", "abc123"),  # full width
    ("三个月", "3个月"),
    ("十五天", "15天"),
    ("二〇二三年", "2023年"),
    ("一九九九年", "1999年"),
    ("百分之五十", "50%"),
    ("一百零五人", "105人"),
    ("一万五千元", "15000元"),
    ("两万", "20000"),
    ("第七届", "第7届"),
    ("共1,000人", "共1000人"),
    ("汉语、法语 和 英语。", "汉语法语和英语"),
    ("一般统一两者万一五四运动", "一般统一两者万一五四运动"),  # words, not numbers
    ("20~25%", "20-25%"),
])
def test_normalize_chinese(text, expected):
    assert normalize_answer(text, "zh") == expected


def test_normalize_english():
    assert normalize_answer("The plan pays Fifty percent of $1,500!", "en") == "plan pays 50% of $1500"
    assert normalize_answer("In-network  providers", "en") == normalize_answer("in network providers", "en")
    assert normalize_answer("thirty-five days, one year, no one", "en") == "35 days 1 year no one"
