"""Which indexed documents a question names ("... according to the Employee Handbook?").

Why: a user who names a document means that document, but the name is a handful of words in a
long question, and neither the embedding nor BM25 ties it to the file (the dev set: 25 of 100
English questions name their document, e.g. "under the Northwind Standard Benefits Details";
a compound one lost the name in its second part and retrieved the other plan's pages).
Retrieval gives the chunks of a named document a bonus (rag.retrieval); it does not filter,
so a question that names one file but is answered in another still finds its passage.

Why by hand: no library matches free text against file names. The rule is narrow on purpose:
the file name's words (separators `_ - .` and case ignored) must stand in the question in
order, all of them, or a run of at least two that covers most of them ("Northwind Standard
Benefits" names Northwind_Standard_Benefits_Details.pdf); a name that is only digits or one short
word ("380.txt", "faq.md") never matches, since such words occur in questions for other reasons,
and a longer single word only when it is written as a name (capitalised, or with its extension).
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import PurePath
from typing import Hashable, TypeVar

from ingest.textutil import is_cjk

Key = TypeVar("Key", bound=Hashable)

_WORD = re.compile(r"[a-z0-9]+|[\u3400-\u9fff]+")
MIN_SHARE = 0.6  # a partial name must cover this share of the file name's words
MIN_SINGLE_WORD_CHARS = 5  # "faq", "2024", "plan" alone do not name a file


@lru_cache(maxsize=65536)  # file names repeat across every question; a tuple, so callers cannot change it
def _name_words(file_name: str) -> tuple[str, ...]:
    stem = PurePath(file_name).stem if "." in file_name else file_name
    return tuple(_WORD.findall(stem.lower()))


def name_words(file_name: str) -> list[str]:
    """Lower-case words of a file name without its extension (``Northwind_Health_Plus.pdf`` ->
    ``['northwind', 'health', 'plus']``); a run of CJK characters is one word."""
    return list(_name_words(file_name))


def _longest_run(name: list[str], question: list[str]) -> list[str]:
    """The longest run of consecutive name words found consecutively in the question."""
    best: list[str] = []
    for i in range(len(question)):
        for j in range(len(name)):
            n = 0
            while i + n < len(question) and j + n < len(name) and question[i + n] == name[j + n]:
                n += 1
            if n > len(best):
                best = name[j:j + n]
    return best


def names_document(question: str, file_name: str) -> bool:
    words = name_words(file_name)
    if not words or all(w.isdigit() for w in words):
        return False
    if len(words) == 1:
        word = words[0]
        if is_cjk(word[0]):
            return len(word) >= 2 and word in question
        if len(word) < MIN_SINGLE_WORD_CHARS:
            return False
        # One word is a name only when written as one: capitalised ("PerksPlus", "the Handbook")
        # or with its extension; "car parking" does not name parking.txt.
        if file_name.lower() in question.lower():
            return True
        return any(w.lower() == word and not w.islower() for w in re.findall(r"[A-Za-z0-9]+", question))
    q = _WORD.findall(question.lower())
    if any(is_cjk(w[0]) for w in words):
        # CJK text has no spaces: the whole name must appear as written, latin words included
        return "".join(words) in "".join(q)
    run = len(_longest_run(words, q))
    return run == len(words) or (run >= 2 and run / len(words) >= MIN_SHARE)


def _capitalised_runs(question: str) -> list[list[str]]:
    """Runs of two or more consecutive capitalised latin words or numbers, at least one of them a
    word, lower-cased: how a partial document name is written in prose ("under the Northwind
    Standard plan", "the 2024 Annual Report")."""
    runs: list[list[str]] = []
    current: list[str] = []

    def close() -> None:
        if len(current) >= 2 and any(not w.isdigit() for w in current):
            runs.append(list(current))
        current.clear()

    for word in re.findall(r"[A-Za-z0-9]+|[^\sA-Za-z0-9]", question):
        if word[0].isupper() or word.isdigit():
            current.append(word.lower())
        else:
            close()
    close()
    return runs


def _contains_run(words: list[str], run: list[str]) -> bool:
    return any(words[i:i + len(run)] == run for i in range(len(words) - len(run) + 1))


def _distinctive_names(question: str, names: list[list[str]]) -> list[bool]:
    """Which names the question picks out by a capitalised run of two or more of their words
    that holds every word of the name no other indexed name has: "Northwind Standard" is half
    of Northwind_Standard_Benefits_Details.pdf (below MIN_SHARE), yet it holds the one word that
    tells that file from the others (23 more of the 100 English dev questions name their
    document so, each time the gold one). "Northwind Health", the insurer in questions about
    either plan, lacks "plus" and so does not name Northwind_Health_Plus_...; with one file
    indexed, every word of its name is needed."""
    runs = _capitalised_runs(question)
    if not runs:
        return [False] * len(names)
    asked = {w for run in runs for w in run}
    holders = Counter(w for words in names for w in set(words))  # names holding each word
    out = []
    for words in names:
        own = {w for w in words if holders[w] == 1}
        out.append(bool(own) and own <= asked and any(
            own <= set(run[a:b]) and _contains_run(words, run[a:b])
            for run in runs for a in range(len(run)) for b in range(a + 2, len(run) + 1)))
    return out


def named_documents(question: str, documents: list[tuple[Key, str]]) -> list[Key]:
    """Keys (ids, paths) of the ``(key, file name)`` documents that ``question`` names: in full
    or most of it (``names_document``), or by a capitalised part no other file name shares."""
    names = [_unless_numbers(name_words(n)) for _, n in documents]
    distinctive = _distinctive_names(question, names)
    q = _WORD.findall(question.lower())
    asked = set(q)
    out = []
    for (key, name), words, alone in zip(documents, names, distinctive):
        if alone:
            out.append(key)
        elif not words or not (asked & set(words) or any(is_cjk(w[0]) for w in words)):
            continue  # no word of the name in the question (cheap, and most names of a large index)
        elif names_document(question, name) and not _ambiguous_part(words, names, q):
            out.append(key)
    return out


def _unless_numbers(words: list[str]) -> list[str]:
    """A name of numbers only ("380.txt") names nothing (see names_document): no words."""
    return [] if all(w.isdigit() for w in words) else words


def _ambiguous_part(words: list[str], names: list[list[str]], question: list[str]) -> bool:
    """A part of a name ("Annual Report") that another indexed name holds too, while the question
    has none of the words that tell this name from that one ("2024" for 2024_Annual_Report.pdf
    against 2023_Annual_Report.pdf): it does not say which of them is meant."""
    run = _longest_run(words, question)
    if not run or len(run) == len(words):
        return False
    asked = set(question)
    return any(other is not words and _contains_run(other, run) and not (set(words) - set(other)) & asked
               for other in names)
