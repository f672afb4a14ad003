"""The cited prompt: numbered, labelled passages within a token budget, in the question's language.

Budget rule: passages are added best-first; the first one that does not fit is trimmed at a
sentence boundary if a useful part fits (>= ``MIN_TRIMMED_TOKENS``), then the rest are
dropped. Trimming never cuts inside a sentence, so never inside a character.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from ingest.textutil import detect_lang, join_sentences
from rag.case_match import CaseHint, matching_case
from rag.passages import Passage, text_units

MIN_TRIMMED_TOKENS = 40  # of the passage's own text: less is not worth a numbered slot

SYSTEM = {
    "en": (
        "You answer questions about an organisation's documents using ONLY the numbered passages the user gives. "
        "Answer in one to three short sentences, in English. After each sentence put the number of the passage it "
        "comes from in square brackets, like [1]. Copy figures, names and conditions exactly as the passage states "
        "them."
    ),
    "zh": (
        "你根据用户给出的编号资料回答关于单位文件的问题，只能使用这些资料中的内容。"
        "用中文回答，一到三句话，简洁准确。每句话后用方括号标出所依据资料的编号，例如[1]。"
        "数字、名称和条件要与资料原文一致。"
    ),
}
REFUSAL_TEXT = {"en": "The documents do not say.", "zh": "文档中没有相关信息。"}
# Appended when the model is allowed to refuse (on_model_refusal="refuse"). Otherwise refusal is
# decided in code only: a 0.5B model told it may refuse does so about passages that answer.
_MAY_REFUSE = {
    "en": " If the passages do not contain the answer, reply only: The documents do not say.",
    "zh": "如果资料中没有答案，只回答：文档中没有相关信息。",
}
_PASSAGES_HEADER = {"en": "Passages:", "zh": "资料："}
_QUESTION_HEADER = {"en": "Question:", "zh": "问题："}
# Shown after the question when one case of a listed rule fits it (rag.case_match).
_CASE_HEADER = {"en": "The case that fits the question:", "zh": "符合问题条件的条款："}


@dataclass(frozen=True)
class PromptPassage:
    n: int  # 1-based number shown to the model
    passage: Passage
    text: str  # the passage body as given (possibly trimmed)
    trimmed: bool


@dataclass(frozen=True)
class Prompt:
    messages: list[dict[str, str]]
    passages: list[PromptPassage]  # what was actually included, numbered 1..n
    lang: str
    tokens: int  # prompt tokens after templating
    dropped: int  # passages left out for the budget
    case: CaseHint | None = None  # the listed case shown next to the question


_ECHOED_CASE_HEADER = re.compile(
    r"(?m)^[ \t]*(?:" + "|".join(re.escape(h.rstrip(":：")) for h in _CASE_HEADER.values()) + r")[ \t]*(?:is|是)?[ \t]*[:：]?[ \t]*"
)


def strip_prompt_echoes(answer: str) -> str:
    """Remove the prompt's own words where the model copied them into its answer: the case
    line's header ("The case that fits the question is[1] ...") and a line holding the question
    with its header ("问题： 婚假有几天？" after the answer). Neither is a claim."""
    return _ECHOED_QUESTION.sub("", _ECHOED_CASE_HEADER.sub("", answer)).strip()


# a whole line opening with the prompt's question header ("Question:", "问题：")
_ECHOED_QUESTION = re.compile(r"(?m)^[ \t]*(?:" + "|".join(re.escape(h.rstrip(":：")) for h in _QUESTION_HEADER.values())
                              + r")[ \t]*[:：].*$\n?")


_MARKS = r"(?P<marks>(?:\s*[\[【]\s*\d{1,2}\s*[\]】])*)"
# "根据资料[1]，", "根据提供的资料，", "According to the passages, ", "Based on the provided documents,",
# "Based on the case that fits the question," (the case line's header, rag.case_match):
# the model naming its source in words before the claim (6 of 55 Chinese dev answers). The
# citation already says where the claim is from; the markers in the phrase are kept.
_PREAMBLE = re.compile(
    r"^\s*(?:(?:根据|依据|按照|据)(?:所|上述|以上)?(?:提供的|给出的|给定的)?(?:编号)?(?:资料|材料|文档|文件|信息|段落|内容|符合问题条件的条款)"
    + _MARKS + r"(?:中|所述)?的?(?:内容|信息|记载)?(?:可知|显示)?\s*[，,：:]"
    r"|(?:according to|based on)\s+(?:the\s+)?(?:provided\s+|given\s+|numbered\s+)?(?:passages?|documents?|information|context"
    r"|case that fits the question)"
    + _MARKS.replace("marks", "marks_en") + r"\s*,)\s*",
    re.IGNORECASE,
)


def strip_preamble(answer: str) -> str:
    """Remove an opening "根据资料，" / "According to the passages," (keeping its markers), and
    capitalise what then opens the answer."""
    m = _PREAMBLE.match(answer)
    if not m:
        return answer
    marks = (m.group("marks") or m.group("marks_en") or "").strip()
    rest = answer[m.end():]
    if rest[:1].islower():
        rest = rest[0].upper() + rest[1:]
    return (marks + " " + rest).strip() if marks else rest


def question_lang(question: str) -> str:
    return detect_lang(question)


STYLES = ("label-first", "label-last")
ORDERS = ("best-first", "best-last")


def _block(n: int, passage: Passage, text: str, style: str = "label-first") -> str:
    if style == "label-last":
        # The label after the text: a 0.5B model tends to copy whatever opens a passage.
        return f"[{n}] {text}\n({passage.label()})"
    return f"[{n}] ({passage.label()})\n{text}"


def _user(lang: str, blocks: list[str], question: str, style: str = "label-first", case: CaseHint | None = None) -> str:
    body = f"{_PASSAGES_HEADER[lang]}\n\n" + "\n\n".join(blocks) + f"\n\n{_QUESTION_HEADER[lang]} {question}"
    if style == "label-last":
        body = f"{_QUESTION_HEADER[lang]} {question}\n\n" + body
    if case is not None:
        body += f"\n{_CASE_HEADER[lang]} [{case.n}] {case.text}"
    return body


def build_prompt(
    question: str,
    passages: list[Passage],
    count_prompt_tokens: Callable[[list[dict[str, str]]], int],
    budget: int,
    history: list[dict[str, str]] | None = None,
    style: str = "label-first",
    may_refuse: bool = True,
    order: str = "best-first",
    text_of: Callable[[Passage], str] | None = None,
) -> Prompt:
    """Messages for the chat template with as many passages as fit in ``budget`` tokens.

    ``count_prompt_tokens`` renders messages with the model's own chat template and counts
    them, so the budget holds for the real prompt, template tokens included. ``text_of`` gives
    the text shown for a passage (default its body; rag.focus cuts long ones). ``history`` is
    not sent to the model (a 0.5B model is distracted by it); follow-ups are resolved for
    retrieval instead (see conversation.py). It is accepted to keep the API stable.
    """
    if style not in STYLES:
        raise ValueError(f"prompt style must be one of {STYLES}, not {style!r}")
    if order not in ORDERS:
        raise ValueError(f"passage order must be one of {ORDERS}, not {order!r}")
    lang = question_lang(question)
    system = {"role": "system", "content": SYSTEM[lang] + (_MAY_REFUSE[lang] if may_refuse else "")}
    block_of = lambda n, passage, text: _block(n, passage, text, style)  # noqa: E731

    def messages_for(blocks: list[str]) -> list[dict[str, str]]:
        return [system, {"role": "user", "content": _user(lang, blocks, question, style)}]

    included: list[PromptPassage] = []
    blocks: list[str] = []
    used = count_prompt_tokens(messages_for([]))
    for i, passage in enumerate(passages):
        n = len(included) + 1
        text = text_of(passage) if text_of else passage.body
        block = block_of(n, passage, text)
        cost = count_prompt_tokens(messages_for(blocks + [block])) - used
        if used + cost <= budget:
            blocks.append(block)
            included.append(PromptPassage(n, passage, text, text != passage.body))
            used += cost
            continue
        trimmed = _trim_to_fit(passage, text, n, blocks, budget, messages_for, count_prompt_tokens, block_of)
        if trimmed is not None:
            blocks.append(block_of(n, passage, trimmed))
            included.append(PromptPassage(n, passage, trimmed, True))
        break
    if order == "best-last" and len(included) > 1:
        # The budget is filled best-first (what is left out or trimmed is the least relevant);
        # then the passages are shown in reverse, numbered as they stand, so that the best one
        # sits next to the question.
        included = [PromptPassage(n, pp.passage, pp.text, pp.trimmed) for n, pp in enumerate(reversed(included), 1)]
        blocks = [block_of(pp.n, pp.passage, pp.text) for pp in included]
    # The case line is added after the budget is filled: it quotes at most MAX_HINT_CHARS of a
    # passage already in the prompt, so it can exceed the budget by that much at most.
    case = matching_case(question, [(p.n, p.text, p.passage.is_table) for p in included])
    messages = [system, {"role": "user", "content": _user(lang, blocks, question, style, case)}]
    return Prompt(messages, included, lang, count_prompt_tokens(messages), len(passages) - len(included), case)


def _trim_to_fit(passage, text, n, blocks, budget, messages_for, count, block_of) -> str | None:
    """Longest sentence-prefix of the passage's ``text`` that fits (binary search on sentence count).
    A table is cut between rows and keeps one row a line: cut at a sentence end, a row lost the
    fields after a ";" and the rows ran on into one line (the model and the quotes then read it
    as one record)."""
    sentences = text_units(text, passage.is_table)
    join = "\n".join if passage.is_table else join_sentences
    lo, hi, best = 1, len(sentences), None
    while lo <= hi:
        mid = (lo + hi) // 2
        candidate = join(sentences[:mid])
        if count(messages_for(blocks + [block_of(n, passage, candidate)])) <= budget:
            best, lo = candidate, mid + 1
        else:
            hi = mid - 1
    if best is None:
        return None
    # The text's own tokens, the label not counted: a label of ~35 tokens used to carry a trimmed
    # text of one heading ("Workers' Compensation Insurance") over the minimum, a slot and a
    # citation target holding nothing (7 of 155 dev prompts).
    label_only = count(messages_for(blocks + [block_of(n, passage, "")]))
    if count(messages_for(blocks + [block_of(n, passage, best)])) - label_only < MIN_TRIMMED_TOKENS:
        return None
    return best
