"""Answer-text normalisation and tokenisation shared by every answer metric.

Both the system's answer and the gold strings go through the same function, so any
rewrite here (numerals, width, punctuation) only has to be *consistent*, not perfect.
"""
from __future__ import annotations

import re
import unicodedata

from ingest.textutil import is_cjk

_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_CN_NUM_CHARS = "".join(_CN_DIGITS) + "".join(_CN_SMALL_UNITS) + "".join(_CN_BIG_UNITS)
_CN_NUM_RUN = re.compile(f"[{_CN_NUM_CHARS}]+")

# A lone numeral character is only a number before a measure word or after 第: "一般", "统一",
# "两者" stay words, "三个", "第七", "五天" become numbers. Without this rule the key-fact
# extractor would find a "1" in almost every Chinese sentence.
_CN_MEASURE_WORDS = set("个位名人项次天日年月周岁元届所家门种条款章节页倍分秒号期批类级篇本份套台辆间层座组轮场科部册米时")

_EN_SMALL = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
# "one" is a pronoun far more often than a number ("no one", "one of"), so it only counts
# before a unit-like noun.
_EN_ONE_BEFORE = r"(?:day|week|month|year|hour|minute|time|visit|dollar|percent|person|employee)s?\b"
_EN_NUMBER = re.compile(
    r"\b(?:(?P<tens>" + "|".join(_EN_TENS) + r")(?:[- ](?P<unit>one|two|three|four|five|six|seven|eight|nine)\b)?"
    r"|(?P<small>" + "|".join(_EN_SMALL) + r")|(?P<one>one)(?=\s+" + _EN_ONE_BEFORE + r"))\b"
)
_EN_ARTICLES = re.compile(r"\b(?:a|an|the)\b")

_THOUSANDS = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?![\d,])")
_PERCENT_WORD = re.compile(r"(\d)\s*(?:percent|per cent|pct)\b")
_CN_PERCENT = re.compile(r"百分之([\d.]+)")
# Kept through punctuation stripping: they change what a number means ("50%" vs "50",
# "A+" vs "A"). _KEEP_IN_NUMBER only survives between two digits ("1.5", "20-25",
# "2023-11-04", "9:30"), so numbers are neither glued together nor split apart.
_KEEP = set("%+$€£¥")
_KEEP_IN_NUMBER = set(".-/:")
_NUM_DASH = re.compile(r"(?<=\d)\s*[‐‑‒–—−~～]\s*(?=\d)")


def normalize_answer(text: str, lang: str) -> str:
    """Canonical form for containment checks.

    NFKC (full-width -> ASCII), case fold, "百分之五十"/"50 percent" -> "50%", simple Chinese
    and English number words -> digits, thousands separators dropped, punctuation removed
    (except % + $ € £ ¥, and . - / : between two digits; dash variants and "~" between
    digits become "-"). Chinese: all whitespace removed;
    English: articles removed and whitespace collapsed to single spaces.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = convert_cn_numerals(text)
    text = _convert_en_numbers(text)
    text = _CN_PERCENT.sub(lambda m: m.group(1) + "%", text)
    text = _PERCENT_WORD.sub(r"\1%", text)
    text = _THOUSANDS.sub(lambda m: m.group(0).replace(",", ""), text)
    text = _NUM_DASH.sub("-", text)
    text = _strip_punct(text)
    if lang == "zh":
        return "".join(text.split())
    text = _EN_ARTICLES.sub(" ", text)
    return " ".join(text.split())


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def numbers_in(text: str, lang: str) -> list[str]:
    """Every number of ``text`` by value, after normalisation: "十五天", "1,500" and "fifteen days"
    give "15", "1500" and "15"."""
    return [canonical_number(m) for m in _NUMBER.findall(normalize_answer(text, lang))]


def canonical_number(number: str) -> str:
    """A digit string by value: "007" -> "7", "2.50" -> "2.5", "0.0" -> "0"."""
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return number.lstrip("0") or "0"


def _strip_punct(text: str) -> str:
    out: list[str] = []
    for i, ch in enumerate(text):
        cat = unicodedata.category(ch)
        if ch in _KEEP or not (cat.startswith("P") or cat.startswith("S")):
            out.append(ch)
        elif ch in _KEEP_IN_NUMBER and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
            out.append(ch)
        else:
            # A space, not nothing: "in-network" and "in network" must end up equal in English;
            # Chinese drops all whitespace afterwards anyway.
            out.append(" ")
    return "".join(out)


def _convert_en_numbers(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        if m.group("tens"):
            value = _EN_TENS[m.group("tens")]
            if m.group("unit"):
                value += _EN_SMALL.get(m.group("unit"), 1)
            return str(value)
        if m.group("small"):
            return str(_EN_SMALL[m.group("small")])
        return "1"

    return _EN_NUMBER.sub(repl, text)


def convert_cn_numerals(text: str) -> str:
    """Rewrite simple Chinese numerals as Arabic digits; leave anything unclear untouched.

    "十五天" -> "15天", "一百二十三" -> "123", "两万" -> "20000", "二〇二三年" -> "2023年",
    "第七届" -> "第7届". Runs that are not a well-formed number ("五四运动", "千万", "万一")
    and lone numerals not followed by a measure word ("一般", "两者") are kept as they are.
    """

    # A numeral that is the whole text is a number: the short gold answer "七" must meet the
    # answer "第七届" (-> "第7届") on the same side.
    alone = len(text.strip()) == 1

    def repl(m: re.Match[str]) -> str:
        run = m.group(0)
        after = text[m.end() : m.end() + 1]
        before = text[m.start() - 1 : m.start()] if m.start() else ""
        if len(run) == 1 and not alone and after not in _CN_MEASURE_WORDS and before != "第":
            return run
        value = _parse_positional(run)
        if value is None:
            value = _parse_digit_string(run, after)
        return run if value is None else value

    return _CN_NUM_RUN.sub(repl, text)


def _parse_digit_string(run: str, after: str) -> str | None:
    """Digit-by-digit numbers such as years: "二〇二三" (with 〇) or "一九九九" before 年."""
    if not all(ch in _CN_DIGITS for ch in run) or len(run) < 2:
        return None
    if "〇" in run or (after == "年" and len(run) == 4):
        return "".join(str(_CN_DIGITS[ch]) for ch in run)
    return None


def _parse_positional(run: str) -> str | None:
    """Parse "一万五千", "十五", "三百零五"; None when the run is not one well-formed number."""
    total = 0
    section = 0  # value below the current 万/亿 group
    digit: int | None = None
    last_unit = 10**9  # small units must strictly decrease inside a section
    for i, ch in enumerate(run):
        if ch in "零〇" and digit is None and (section or total):
            continue  # placeholder zero: "一百零五", "一万零三百"
        if ch in _CN_DIGITS:
            if digit is not None:
                return None  # two digits in a row: "五四", "三四个"
            digit = _CN_DIGITS[ch]
        elif ch in _CN_SMALL_UNITS:
            unit = _CN_SMALL_UNITS[ch]
            if unit >= last_unit:
                return None
            if digit is None:
                # Only 十 may stand without a coefficient, and only at the start: "十五".
                if ch != "十" or i != 0:
                    return None
                digit = 1
            section += digit * unit
            digit, last_unit = None, unit
        else:  # 万 / 亿
            if digit is None and section == 0:
                return None  # "万一", "千万" as words
            section += digit or 0
            total += section * _CN_BIG_UNITS[ch]
            section, digit, last_unit = 0, None, 10**9
    if digit is not None:
        section += digit
    total += section
    if len(run) == 1 and run in _CN_DIGITS:
        return str(_CN_DIGITS[run])
    if all(ch in _CN_DIGITS for ch in run):
        return None  # "〇" or digit strings are handled digit by digit
    return str(total)


# A number keeps its internal separators and % as one token ("2023-11-04", "20-25%", "1.5").
_TOKEN = re.compile(r"\d+(?:[.\-/:]\d+)*%?|[a-z0-9]+|[%+$€£¥]")


def answer_tokens(text: str, lang: str) -> list[str]:
    """Tokens for token F1: one token per CJK character plus whole Latin words/numbers for
    Chinese (the CMRC convention), lowercase words without articles for English (SQuAD).
    Both are taken from the normalised text, so punctuation and spaces never count."""
    norm = normalize_answer(text, lang)
    if lang != "zh":
        return _TOKEN.findall(norm)
    tokens: list[str] = []
    pos = 0
    while pos < len(norm):
        ch = norm[pos]
        if is_cjk(ch):
            tokens.append(ch)
            pos += 1
            continue
        m = _TOKEN.match(norm, pos)
        if m:
            tokens.append(m.group(0))
            pos = m.end()
        else:
            pos += 1
    return tokens
