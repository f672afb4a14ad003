"""Language-aware text helpers shared by the parsers, the chunker and citation matching.

Written by hand because no kept library joins PDF lines the way CJK text needs (no space
between two CJK characters) while also undoing English hyphenation, and sentence
splitters such as nltk/pysbd are English-first and heavy for a two-language rule set.
"""
from __future__ import annotations

import re
import unicodedata

# CJK Unified Ideographs (+ext A, compatibility), kana, Hangul, CJK punctuation, fullwidth forms.
_CJK_RANGES = (
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK ext A
    (0x4E00, 0x9FFF),  # CJK unified
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF00, 0xFFEF),  # half/fullwidth forms
    (0x20000, 0x2FA1F),  # ext B..F, compatibility supplement
)


def is_cjk(ch: str) -> bool:
    """True for a CJK ideograph, kana, Hangul or CJK/fullwidth punctuation character."""
    if not ch:
        return False
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


def cjk_ratio(text: str) -> float:
    """Share of non-space characters that are CJK (0.0 for empty text)."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    return sum(1 for c in chars if is_cjk(c)) / len(chars)


def detect_lang(text: str) -> str:
    """'zh' when CJK characters make up a fair share of the text, else 'en'."""
    return "zh" if cjk_ratio(text) >= 0.15 else "en"


# Letters, possibly hyphenated ("network", "out-of").
_LETTER_WORD = r"[^\W\d_]+(?:-[^\W\d_]+)*"
_HYPHENATED_WORD = re.compile(_LETTER_WORD)
# A line that ends inside a word with a hyphen ("employ-", "out-of-"): the part before it, and
# the part that opens the next line.
_BREAK_LEFT = re.compile(f"({_LETTER_WORD})-$")
_BREAK_RIGHT = re.compile(f"^({_LETTER_WORD})")
# a word broken at a line end, or inside one extracted line ("mova- ble": OCR text layers and
# merged columns put the break mid-line)
_BROKEN = re.compile(f"({_LETTER_WORD})-[ \n]({_LETTER_WORD})")


class LineHyphens:
    """Which hyphens at line ends, in one document, belong to the word ("in-" / "network" ->
    "in-network") and which only split a word across two lines ("employ-" / "ment").

    Decided from the document's own words, because the answer depends on how it was made:
    Word and Google Docs exports do not hyphenate, so their line-end hyphens are real (the two
    contoso plans write the compound elsewhere for 32 of their 77, the joined word for 7, yet
    all were being joined into "innetwork"), while LaTeX hyphenates ("adip-" / "iscing"). A hyphen before a
    capital is kept; the compound seen elsewhere in the text keeps its hyphen; the joined word
    seen elsewhere is joined; neither seen: kept when both halves are words of this document
    ("cutting-edge"), joined when neither is ("employ-" / "ment", "rhon-" / "cus"), and with one
    of them as the document's settled breaks mostly go ("bone-" / "anchored" in a Word export
    is kept, "Wider-" / "spruchsbeweisen" in a LaTeX paper joined). Written by hand: pypdf and
    pdfminer only offer always-join.
    """

    def __init__(self, lines: list[str]):
        text = "\n".join(line.strip() for line in lines)
        broken = _BROKEN.findall(text)
        inline = _BROKEN.sub(" ", text)  # the broken words themselves are not evidence
        self.compounds: set[str] = set()
        self.words: set[str] = set()
        for token in _HYPHENATED_WORD.findall(inline):
            token = token.casefold()
            if "-" in token:
                self.compounds.add(token)
            self.words.update(part for part in token.split("-") if part)
            self.words.add(token.replace("-", ""))
        # How this document breaks lines, from the breaks the text settles: mostly at real
        # hyphens (an office export) or mostly inside words (a hyphenating typesetter). It
        # decides the breaks where only one half is a word; with no evidence, hyphens are kept.
        settled = [self._evidence(left, right) for left, right in broken]
        self.default_keep = settled.count(True) >= settled.count(False)

    def _evidence(self, left: str, right: str) -> bool | None:
        left, right = left.casefold(), right.casefold()
        if f"{left}-{right}" in self.compounds:
            return True
        if left + right in self.words or left + right in self.compounds:
            return False  # ("out-of-net-" / "work" joins to a compound written inline)
        return None

    def rejoin(self, text: str) -> str:
        """``text`` with the words broken inside a line ("mova- ble") joined where ``keep`` says
        the hyphen is no part of the word; a kept one stays as written ("pre- and post-natal")."""
        def one(m: re.Match) -> str:
            left, right = m.group(1), m.group(2)
            return m.group(0) if self.keep(left, right) else left + right
        return _BROKEN.sub(one, text)

    def keep(self, left: str, right: str) -> bool:
        """Whether "left-" at a line end and "right" opening the next line are one hyphenated word."""
        if right[:1].isupper():
            return True  # hyphenation never splits a word before a capital ("Non-" / "Participating")
        evidence = self._evidence(left, right)
        if evidence is not None:
            return evidence
        first, last = left.casefold().rsplit("-", 1)[-1], right.casefold().split("-", 1)[0]
        halves = sum(len(half) >= 2 and half in self.words for half in (first, last))
        return halves == 2 or halves == 1 and self.default_keep


def join_lines(lines: list[str], hyphens: LineHyphens | None = None) -> str:
    """Re-join wrapped lines of one paragraph.

    No space between two CJK characters ("应纳" + "税所得额" -> "应纳税所得额"), a hyphen at a
    line end inside a word either kept ("in-" + "network" -> "in-network") or undone ("employ-"
    + "ment" -> "employment"), otherwise one space. ``hyphens`` decides from the document's
    words (see LineHyphens); without it, a hyphen before a lowercase word is undone and one
    before a capital kept ("self-" + "Service").
    """
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
            continue
        prev, nxt = out[-1], line[0]
        left = _BREAK_LEFT.search(out) if prev == "-" else None
        right = _BREAK_RIGHT.match(line) if left else None
        if left and right:
            if hyphens is not None:
                join = not hyphens.keep(left.group(1), right.group(1))
            else:
                join = out[-2].islower() and nxt.islower()
            out = (out[:-1] if join else out) + line
        elif prev == "-" and len(out) >= 2 and out[-2].isalnum() and nxt.isalnum() and (out[-2].isdigit() or nxt.isdigit()):
            out += line  # a wrap never splits a number: "1-" / "800-555-1234", "90-" / "day"
        elif is_cjk(prev) or is_cjk(nxt):
            out += line
        else:
            out += " " + line
    return out


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace to one space (or none between CJK characters) and trim.
    Hyphens are left alone: "pre- and post-natal" is not a word broken across lines."""
    out = ""
    for part in unicodedata.normalize("NFC", text).split():
        if out and not (is_cjk(out[-1]) or is_cjk(part[0])):
            out += " "
        out += part
    return out


# A sentence ends at 。！？；(and fullwidth !?;) or at . ! ? followed by space/end, with any
# closing quotes/brackets kept on the sentence they close.
_SENT_END = re.compile(
    r"""(
        [。！？；!?;]+[”’」』）)\]"']*        # CJK enders (and ! ? ;) plus closers
      | (?<![A-Z0-9])(?<!\b[a-z])\.[”’"')\]]*(?=\s|$)   # a period, not after an initial/number/abbr
    )""",
    re.VERBOSE,
)
# Abbreviations whose period never ends a sentence here: titles, company and legal forms, and the
# citations of statutes and rules that regulations are full of ("11 U.S.C. § 343, Fed. R. Bankr. P.
# 2003(b)" was cut into three "sentences", and a reply citing it was marked after "Fed." and "Bankr.").
# A list, not a sentence-boundary library: pySBD and the like split Chinese by other rules (；ends a
# clause here) and cost milliseconds a call, and this runs on every block at ingest and every passage
# at question time.
_ABBREV = {
    "e.g", "i.e", "etc", "vs", "cf", "al", "viz", "approx", "fig", "no",  # "No. Of: 64" (a column heading)
    "mr", "mrs", "ms", "messrs", "dr", "prof", "hon", "gen", "gov", "sen", "rep", "st", "jr", "sr",
    "inc", "ltd", "co", "corp", "bros", "dept", "govt", "assn", "intl", "univ",
    "fed", "bankr", "civ", "crim", "stat", "supp", "ann", "cir", "ct", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}
# ... and those that stand before a number ("Art. 5", "sec. 4", "pp. 12-14"); before
# anything else their period may end a sentence ("as shown in the art.").
_ABBREV_BEFORE_NUMBER = {"nos", "art", "arts", "sec", "secs", "para", "paras", "ch", "chap", "cl", "pt",
                         "pts", "vol", "vols", "figs", "eq", "pp", "tel", "ext", "reg", "regs"}


def join_sentences(sentences: list[str]) -> str:
    """Sentences as one run of text: a space between two, none where either side is CJK."""
    out = ""
    for s in sentences:
        if out and not (is_cjk(out[-1]) or is_cjk(s[0])):
            out += " "
        out += s
    return out


def split_sentences(text: str) -> list[str]:
    """Split text into sentences in both languages; keeps each sentence's end punctuation.

    Periods after common abbreviations, single letters and digits ("3.5", "e.g.") do not
    split. Newlines inside ``text`` also end a sentence (list items, table rows).
    """
    sentences: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        start = 0
        for m in _SENT_END.finditer(line):
            end = m.end()
            piece = line[start:end]
            if m.group(0).startswith(".") and _not_an_end(piece, line[end:]):
                continue
            piece = piece.strip()
            if piece:
                sentences.append(piece)
            start = end
        tail = line[start:].strip()
        if tail:
            sentences.append(tail)
    return sentences


def _not_an_end(piece: str, rest: str) -> bool:
    """The period closing ``piece`` is an abbreviation's, or the text goes on in lower case
    ("paid by Acme Corp. and its affiliates"): not a sentence end."""
    following = rest.lstrip()
    if following[:1].islower() and following[:1].isascii():
        return True
    word = re.findall(r"[A-Za-z.]+$", piece.rstrip(".”’\"')]"))
    if not word:
        return False
    word_lower = word[0].lower().rstrip(".")
    return word_lower in _ABBREV or (word_lower in _ABBREV_BEFORE_NUMBER and following[:1].isdigit())


_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")


def _cjk_run_pattern() -> re.Pattern[str]:
    """Runs of CJK characters that are not punctuation, as one regex (a per-character loop cost
    ~2 ms per passage, and retrieval compares up to 100 candidates per question)."""
    punctuation = [
        c for lo, hi in _CJK_RANGES if hi < 0x10000 for c in range(lo, hi + 1)
        if unicodedata.category(chr(c)).startswith("P")
    ]
    spans = "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in _CJK_RANGES)
    excluded = "".join(re.escape(chr(c)) for c in punctuation)
    return re.compile(f"(?:(?![{excluded}])[{spans}])+")


_CJK_RUN = _cjk_run_pattern()


def overlap_units(text: str) -> list[str]:
    """Units for overlap scoring: character bigrams for CJK runs, lowercase words otherwise."""
    text = unicodedata.normalize("NFKC", text)
    units: list[str] = [w.lower() for w in _WORD.findall(text)]
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:
            units.append(run)
        units.extend(run[i : i + 2] for i in range(len(run) - 1))
    return units


# "COVERED SERVICES: Ambulance", "Part A – Scope", "Leave › Annual": a heading of two parts.
_HEADING_PARTS = re.compile(r"\s*(?:[:：›>]|\s[–—-]\s)\s*")


def heading_words(text: str) -> str:
    """A heading as compared: markdown "#" marks, spacing and case ignored."""
    return " ".join(text.lstrip("#").split()).casefold()


def repeats_heading(heading: str, following: str) -> bool:
    """Whether ``following`` repeats ``heading``, so that showing both says it twice: the same
    words; ``heading`` as one side of "PART: Name" ("Ambulance" / "COVERED SERVICES:
    Ambulance"); or ``following`` opening with ``heading`` as whole words ("CARE MANAGEMENT" /
    "CARE MANAGEMENT Prior-Authorization"; in CJK text, as characters: "招生" / "招生计划").
    "Care" over "Career Planning" and "Leave" over "Annual Leave" are a parent and its child.
    The PDF section path and the chunker share this rule so that a chunk's headings and its
    citation's section agree."""
    own, nxt = heading_words(heading), heading_words(following)
    if not own:
        return False
    if own == nxt or own in (part.strip() for part in _HEADING_PARTS.split(nxt, 1)):
        return True
    rest = nxt[len(own):] if nxt.startswith(own) else ""
    # ("Care-givers" and "Care's" go on the word: not a repeat)
    return bool(rest) and (not (rest[0].isalnum() or rest[0] in "-'’") or is_cjk(rest[0]) and is_cjk(own[-1]))
