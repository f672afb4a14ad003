"""Tokens for the BM25 index: jieba words for Chinese, lowercase words for everything else.

The same function tokenises chunks at ingest and questions at query time, so both sides
always agree. SQLite FTS5 (see store.py) then indexes these space-separated tokens and
scores them with its built-in Okapi BM25.
"""
from __future__ import annotations

import logging
import re
import threading
import unicodedata

from ingest.textutil import is_cjk

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_jieba_lock = threading.Lock()
_jieba = None

# Words that carry no retrieval signal; dropped from queries only (documents keep them so
# phrase statistics stay honest). Short on purpose: BM25's IDF handles the rest.
QUERY_STOPWORDS = frozenset(
    """a an and are as at be by can do does for from how i in is it me my of on or the this to
    was what when where which who why will with you your we our us if any about
    的 了 是 在 和 与 及 或 吗 呢 吧 啊 么 什么 怎么 如何 哪些 哪个 多少 请问 是否 有 有没有 我 我们 你 他""".split()
)


def _get_jieba():
    global _jieba
    with _jieba_lock:
        if _jieba is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba = jieba
    return _jieba


def tokenize(text: str) -> list[str]:
    """Lowercase NFKC tokens; CJK runs segmented with jieba's search mode (words and their
    sub-words, so "应纳税所得额" also matches a question that says "所得额")."""
    text = unicodedata.normalize("NFKC", text).lower()
    tokens: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        if not any(is_cjk(c) for c in word):
            tokens.append(word)
            continue
        # split mixed runs such as "2024年" or "e5模型" into CJK and non-CJK parts
        for part in _split_script(word):
            if is_cjk(part[0]):
                tokens.extend(t for t in _get_jieba().cut_for_search(part) if t.strip())
            else:
                tokens.append(part)
    return tokens


def _split_script(word: str) -> list[str]:
    parts: list[str] = []
    for ch in word:
        if parts and is_cjk(parts[-1][-1]) == is_cjk(ch):
            parts[-1] += ch
        else:
            parts.append(ch)
    return parts


def query_terms(text: str) -> list[str]:
    """Distinct query tokens without stopwords (all tokens if only stopwords remain)."""
    tokens = tokenize(text)
    kept = [t for t in tokens if t not in QUERY_STOPWORDS]
    seen: dict[str, None] = {}
    for t in kept or tokens:
        seen.setdefault(t, None)
    return list(seen)
