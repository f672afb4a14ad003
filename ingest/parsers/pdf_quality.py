"""Is a page's extracted text real text, or garbage from a broken font encoding?

A PDF font without a usable ToUnicode map makes pypdf return *something* for every glyph:
U+FFFD, private-use code points, control characters, "(cid:123)" tokens, or - the worst
case - plausible-looking characters from the wrong code point (the pdfminer issue-791 file
extracts "Přihlaste..." as "3HQČåQt\\x03SURVWĜHGN"; a Japanese gazette as a salad of Greek,
N'Ko, Sinhala and Oriya letters). Indexing that poisons retrieval, so each page is judged
and garbage pages are reported instead. No kept library does this for PDF text (ftfy fixes
mojibake from wrong *decoding* of bytes, not glyph-id salad), hence this module.

The heuristic combines independent signals. A page is garbage when one signal passes its
STRONG limit, or two pass their WEAK limits (one weak signal alone happens in real text: a
formula-heavy page, a table of codes, one broken symbol font). Measured ranges, real text vs
garbage, over every PDF in ../shared/eval/parse-corpus/pdf (168 readable pages) and the test
fixtures:

1. ``bad_share``: share of non-space characters that are U+FFFD, private-use, unassigned,
   control or odd format characters, or inside "(cid:N)" tokens. Real: <= 0.05 (sf009's
   maths pages lose a few symbols as NULs). Garbage: 0.11 (issue-791) to 1.0 (sf017's orphan
   pages, all U+FFFD). Weak 0.08, strong 0.25.
2. ``script_run``: mean length of runs of letters in the same script (Han, kana and Hangul
   count as one "CJK" script). Words rarely switch script mid-word, so real text has long
   runs even when it mixes languages (multilang.pdf 10, sf015's Arabic+Latin 5.3); glyph
   salad switches at nearly every letter (kampo-ja-vertical 1.3). Weak 3.0, strong 2.0.
3. Latin text (>= 20 Latin letters): ``vowel_share`` of letters (real >= 0.24, prose
   0.33-0.45; issue-791 0.09, glyph-id-shifted English 0.18; weak 0.2, strong 0.12 with >= 40
   letters); ``odd_word_share``, words with lower->UPPER switches around accented letters
   ("HQČåQt"; real <= 0.01; issue-791 0.67; weak 0.3); ``consonant_run_share``, words of 4+
   letters with 5+ consonants in a row (real <= 0.08, German "hausdorffsch"; shifted English
   0.25; weak 0.15).
4. CJK text (>= 10 Han characters): ``common_han_share``, the share of Han characters in a
   legacy "level 1" everyday set (GB2312 level 1, Big5 frequent characters or JIS level 1:
   7,174 code points together). Chinese and Japanese prose, even the poor OCR of pr-136,
   stays at 1.0; a CMap that maps glyphs to arbitrary ideographs lands near 0.34 (7,174 /
   20,992 of the unified block) or lower (extension A). Weak 0.7, strong 0.5.

Recalibrate with ``python -m ingest.parsers.pdf_quality FILE.pdf...``, which prints the
signals per page.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Thresholds (see the module docstring for the measured ranges they separate). A page is
# garbage when one STRONG signal fires, or two WEAK ones do: a single weak signal happens in
# real text (a formula-heavy page, a table of codes, one broken symbol font), two rarely do.
MIN_CHARS = 8  # below this a page is too short to judge by shares (unless mostly bad chars)
MIN_SCRIPT_LETTERS = 30
MIN_LATIN_LETTERS = 20
MIN_STRONG_VOWEL_LETTERS = 40
MIN_LATIN_TOKENS = 3
MIN_HAN = 10
MIN_CLUSTER_WORDS = 5
STRONG = {"bad_share": 0.25, "script_run": 2.0, "vowel_share": 0.12, "common_han_share": 0.5}
WEAK = {
    "bad_share": 0.08,
    "script_run": 3.0,
    "vowel_share": 0.2,
    "odd_word_share": 0.3,
    "consonant_run_share": 0.15,
    "common_han_share": 0.7,
}
_ABOVE = ("bad_share", "odd_word_share", "consonant_run_share")  # these fire when above their limit

_CID_TOKEN = re.compile(r"\(cid:\d+\)")
_VOWELS = frozenset("aeiouyAEIOUY")
_CJK_SCRIPTS = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC"})
_HARMLESS_FORMAT = frozenset("\u00ad\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\ufeff\u061c")


@dataclass(frozen=True)
class TextQuality:
    """Measured signals for one page's text; ``reason`` is None when it looks like real text."""

    chars: int
    bad_share: float
    script_run: float
    vowel_share: float | None
    odd_word_share: float | None
    consonant_run_share: float | None
    common_han_share: float | None
    reason: str | None


@lru_cache(maxsize=65536)
def _script(ch: str) -> str:
    """Coarse script name of a letter from its Unicode name ('LATIN', 'CYRILLIC', 'CJK'...)."""
    name = unicodedata.name(ch, "")
    first = name.split(" ", 1)[0]
    if first in _CJK_SCRIPTS or first in ("HALFWIDTH", "FULLWIDTH"):
        return "CJK"
    return first or "UNKNOWN"


def _is_bad(ch: str) -> bool:
    if ch == "\ufffd":
        return True
    cat = unicodedata.category(ch)
    # Co: private use; Cn: unassigned; Cs: lone surrogates; Cc: controls; Cf: format
    # characters, except the ones real text carries (soft hyphen, zero-width (non-)joiners,
    # bidi marks in Arabic/Hebrew, BOM).
    if cat == "Cf":
        return ch not in _HARMLESS_FORMAT
    return cat in ("Co", "Cn", "Cs", "Cc")


@lru_cache(maxsize=65536)
def _common_han(ch: str) -> bool:
    """True for an everyday Han character: GB2312 level 1, Big5 frequent or JIS level 1.

    The legacy encodings' level-1 ranges are frequency-ordered character lists shipped with
    Python's codecs, so no frequency table needs to be bundled.
    """
    for codec, lo, hi in (("gb2312", 0xB0A1, 0xD7FE), ("big5", 0xA440, 0xC67E), ("shift_jis", 0x889F, 0x9872)):
        try:
            raw = ch.encode(codec)
        except UnicodeEncodeError:
            continue
        if len(raw) == 2 and lo <= (raw[0] << 8 | raw[1]) <= hi:
            return True
    return False


def _is_han(ch: str) -> bool:
    code = ord(ch)
    return 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2FA1F


# Runs of Latin letters (with their combining marks): formulas such as "Nor(s,x)" split into
# short runs that the length floor below ignores.
_LATIN_RUN = re.compile(r"[^\W\d_]{3,}")


def _odd_latin_word(word: str) -> bool:
    """A Latin word no language writes: two lower->UPPER switches, or one plus a non-ASCII letter.

    "iPhone", "McDonald", "PowerPoint" switch once and are ASCII; broken-CMap salad such as
    "HQČåQt" or "þWHFK" switches case around accented letters.
    """
    switches = sum(1 for x, y in zip(word, word[1:]) if x.islower() and y.isupper())
    return switches >= 2 or (switches == 1 and not word.isascii())


def _consonant_run(word: str) -> int:
    """Longest run of consonants (accents stripped; y counts as a vowel)."""
    longest = run = 0
    for c in word:
        run = 0 if unicodedata.normalize("NFD", c)[0] in _VOWELS else run + 1
        longest = max(longest, run)
    return longest


def _count_signals(signals: dict[str, float | None], limits: dict[str, float]) -> list[str]:
    """Names of the signals beyond their limit (script_run/vowel/han fire when *below*)."""
    fired = []
    for name, limit in limits.items():
        value = signals.get(name)
        if value is None:
            continue
        if (value > limit) if name in _ABOVE else (value < limit):
            fired.append(name)
    return fired


_REASONS = {
    "bad_share": "{:.0%} replacement/private-use/control characters",
    "script_run": "letters switch script every {:.1f} characters",
    "vowel_share": "{:.0%} vowels in Latin text",
    "odd_word_share": "{:.0%} implausible Latin words",
    "consonant_run_share": "{:.0%} Latin words with 5+ consonants in a row",
    "common_han_share": "{:.0%} everyday Han characters",
}


def assess(text: str) -> TextQuality:
    """Measure ``text`` and decide whether it is readable; see the module docstring."""
    text = _CID_TOKEN.sub("\ufffd", text)
    chars = [c for c in text if not c.isspace()]
    n = len(chars)
    if n == 0:
        return TextQuality(0, 0.0, 0.0, None, None, None, None, None)
    bad_share = sum(1 for c in chars if _is_bad(c)) / n

    # Script runs over letters in reading order (marks belong to their base letter).
    runs = 0
    letters = 0
    prev_script = ""
    for c in chars:
        if not c.isalpha():
            continue
        letters += 1
        script = _script(c)
        if script != prev_script:
            runs += 1
            prev_script = script
    script_run = letters / runs if runs else 0.0

    latin_letters = [c for c in chars if c.isalpha() and _script(c) == "LATIN"]
    vowel_share: float | None = None
    odd_share: float | None = None
    cluster_share: float | None = None
    if len(latin_letters) >= MIN_LATIN_LETTERS:
        bases = (unicodedata.normalize("NFD", c)[0] for c in latin_letters)
        vowel_share = sum(1 for b in bases if b in _VOWELS) / len(latin_letters)
        # Control characters act as word separators here: broken CMaps often map spaces to them.
        spaced = "".join(" " if _is_bad(c) else c for c in text)
        words = [w for w in _LATIN_RUN.findall(spaced) if all(_script(c) == "LATIN" for c in w)]
        if len(words) >= MIN_LATIN_TOKENS:
            odd_share = sum(1 for w in words if _odd_latin_word(w)) / len(words)
        long_words = [w for w in words if len(w) >= 4]
        if len(long_words) >= MIN_CLUSTER_WORDS:
            cluster_share = sum(1 for w in long_words if _consonant_run(w) >= 5) / len(long_words)

    han = [c for c in chars if _is_han(c)]
    common_share = sum(1 for c in han if _common_han(c)) / len(han) if len(han) >= MIN_HAN else None

    signals: dict[str, float | None] = {
        "bad_share": bad_share,
        "script_run": script_run if letters >= MIN_SCRIPT_LETTERS else None,
        "vowel_share": vowel_share,
        "odd_word_share": odd_share,
        "consonant_run_share": cluster_share,
        "common_han_share": common_share,
    }
    strong_signals = dict(signals)
    if len(latin_letters) < MIN_STRONG_VOWEL_LETTERS:
        strong_signals["vowel_share"] = None  # too few letters for the vowel share alone
    reason = None
    if n >= MIN_CHARS or bad_share >= 0.5:
        strong = _count_signals(strong_signals, STRONG)
        weak = _count_signals(signals, WEAK)
        fired = strong or (weak if len(weak) >= 2 else [])
        if fired:
            reason = "; ".join(_REASONS[name].format(signals[name]) for name in fired)
    return TextQuality(n, bad_share, script_run, vowel_share, odd_share, cluster_share, common_share, reason)


def is_bad_char(ch: str) -> bool:
    """True for characters that never belong in indexed text (U+FFFD, private use, controls)."""
    return _is_bad(ch)


def uncommon_han(text: str) -> str:
    """The Han characters of ``text`` outside the everyday sets (for a 'may be garbled' note)."""
    return "".join(c for c in text if _is_han(c) and not _common_han(c))


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _main(argv: list[str]) -> None:
    """Print the signals per page of the given PDFs (for calibrating the thresholds)."""
    from pypdf import PdfReader

    for name in argv:
        try:
            reader = PdfReader(name)
            if reader.is_encrypted:
                reader.decrypt("")
            pages = [p.extract_text() or "" for p in reader.pages]
        except Exception as exc:  # a calibration tool: report and go on
            print(f"{name}: {type(exc).__name__}: {exc}")
            continue
        for number, page_text in enumerate(pages, 1):
            q = assess(page_text)
            print(
                f"{name} p{number}: chars={q.chars} bad={q.bad_share:.2f} run={q.script_run:.1f} "
                f"vowel={_fmt(q.vowel_share)} odd={_fmt(q.odd_word_share)} "
                f"cons={_fmt(q.consonant_run_share)} han={_fmt(q.common_han_share)} -> {q.reason or 'ok'}"
            )


if __name__ == "__main__":
    import sys

    _main(sys.argv[1:])
