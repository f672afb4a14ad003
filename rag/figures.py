"""Figures a reply states that nothing the model was shown states.

A 0.5B model sometimes writes a number that is in none of its passages: "TRICARE is a state
children's health insurance program that provides coverage for children under 5 years of age"
(contoso-081; no passage says 5). Word overlap cannot catch this: the rest of the sentence is
the passages' own words. A figure is what a reader acts on, so a reply stating one that neither the
passages, the question nor anything else in the prompt holds is not shown as the answer
(rag/answer.py; bench/reply_signals.py and EVAL.md "A figure no passage states" for how often).

Numbers are compared after the answer metrics' normalisation (rag.eval.normalize), so "十天" and
"10 days", "1,500" and "1500", "fifteen" and "15" agree. A number the model worked out ("5 + 10 =
15 days") or converted ("two weeks" for "14 days") also counts as unstated: the closest sentences
are the safer answer than arithmetic by a 0.5B model.
"""
from __future__ import annotations

import re

from rag.citations import strip_markers
from rag.eval.normalize import numbers_in

# A list item's own number ("2. Submit the form") is numbering, not a figure.
_ITEM_NUMBER = re.compile(r"(?m)^\s*\d{1,2}[.)、]\s+")


def figures(text: str) -> frozenset[str]:
    """The numbers in ``text`` by value: "007" and "7", "2.50" and "2.5" are one figure."""
    # "en": whitespace is kept, so two numbers a space apart are not read as one.
    return frozenset(numbers_in(text, "en"))


def unstated_figures(reply: str, shown: str) -> list[str]:
    """The figures of ``reply`` (citation markers and list numbering aside) that ``shown`` (the
    whole prompt: question, passages and their labels) does not state, smallest first."""
    stated = figures(_ITEM_NUMBER.sub("", strip_markers(reply)))
    # "0" aside: a clock time's minutes ("9:00" for "9 am") are not a figure anyone acts on.
    return sorted(stated - figures(shown) - {"0"}, key=float)
