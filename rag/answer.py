"""question -> retrieve -> decide -> (refuse | prompt -> stream -> cite) -> Answer.

The one function the CLI, the page and the HTTP API all call. The model only writes prose;
retrieval, refusal, the prompt budget and citations are decided here, in code.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Iterator

from ingest.settings import Settings
from rag.answerability import DEFAULT_DENSE_THRESHOLD, Decision, decide, stand_in_allowed
from rag.citations import MARKER_RUN, Citation, cite, strip_echoed_headings, strip_echoed_labels, strip_markers
from rag.copies import copied_passage
from rag.conversation import resolve
from rag.extractive import extract
from rag.figures import unstated_figures
from rag.focus import focused_text
from rag.passages import Passage, close_to_best
from rag.prompting import REFUSAL_TEXT, Prompt, build_prompt, question_lang, strip_prompt_echoes, strip_preamble
from rag.rerank import reranker_for
from rag.retrieval import Retriever

if TYPE_CHECKING:  # the model's module loads torch; imported only when a model is used
    from rag.generation import LLM

log = logging.getLogger(__name__)

# The score gap never leaves fewer passages than this in the prompt: with one, the 0.5B model
# read a rate table's neighbouring row (EVAL.md "Score gap").
MIN_PROMPT_PASSAGES = 2

# Phrases with which the model says the passages do not answer (it is told to use the first).
_MODEL_REFUSAL = re.compile(
    r"(documents? do(es)? not (say|mention|contain|specify|provide)|passages? do(es)? not (say|mention|contain)|"
    r"not (mentioned|specified|stated) in the (passages|documents)|文档中没有|资料中没有|没有相关信息|未提及|没有提到)",
    re.I,
)


@dataclass(frozen=True)
class Timings:
    retrieve_s: float
    first_token_s: float | None
    total_s: float


@dataclass(frozen=True)
class TokenCounts:
    prompt: int = 0
    completion: int = 0


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    refused: bool
    mode: str  # "llm" | "extractive" | "refusal"
    citations: list[Citation]
    passages: list[Passage]  # what retrieval returned (the closest passages on a refusal)
    timings: Timings
    tokens: TokenCounts = TokenCounts()
    model: str | None = None
    search_query: str = ""
    decision: Decision | None = None
    notes: list[str] = field(default_factory=list)
    raw: str = ""  # what the model wrote, before citations were checked ("" without a model)

    @property
    def extracted_because(self) -> str | None:
        """Why an extracted answer stands where a written one would ("no language model", "the
        model found no answer; the closest sentences"); None for a written answer or a refusal."""
        if self.mode != "extractive":
            return None
        if not self.model:
            return "no language model"
        if any(n.startswith(INVENTED_FIGURE) for n in self.notes):
            return "the model's answer states a figure no passage states; the closest sentences"
        if COPIED_PASSAGE in self.notes:
            return "the model wrote out a passage instead of answering; the closest sentences"
        return ("the model's answer is not in the passages" if UNSUPPORTED_REPLY in self.notes
                else "the model found no answer") + "; the closest sentences"

    def to_json(self) -> dict:
        """The shape of `docqa ask --json` and POST /v1/ask."""
        return {
            "answer": self.text,
            "refused": self.refused,
            "mode": self.mode,
            "citations": [
                {"n": c.n, **{k: v for k, v in c.passage.to_json().items() if k not in ("text", "scores")},
                 "quote": c.quote, "quotes": list(c.quotes)}
                for c in self.citations
            ],
            "passages": [p.to_json(rank) for rank, p in enumerate(self.passages, 1)],
            "timings": {
                "retrieve_s": round(self.timings.retrieve_s, 3),
                "first_token_s": None if self.timings.first_token_s is None else round(self.timings.first_token_s, 3),
                "total_s": round(self.timings.total_s, 3),
            },
            "tokens": {"prompt": self.tokens.prompt, "completion": self.tokens.completion},
            "model": self.model,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class AnswerEvent:
    """Streamed to callers: ``token`` pieces as the model writes, then one ``answer``."""

    kind: str  # "status" | "token" | "answer"
    text: str = ""
    answer: Answer | None = None


# Where a sentence of the reply ended: end punctuation (markers may follow) before a space or the
# end, a Chinese full stop anywhere, or a line break (list items).
_SENTENCE_END = re.compile(rf"(?:[.!?]{MARKER_RUN}(?=\s)|[。！？；]{MARKER_RUN}|\n)")
_FINISHED = re.compile(r"[.!?。！？；;:：)）\"”']\s*$")
# A last line that opens what the cut-off reply never wrote: a heading without its items
# ("4. **Job prospects**:") or a bare item number ("3.").
_DANGLING = re.compile(r"[:：]\W*$|^\s*(?:\d{1,2}[.)、]|[•*\-–]|\(?[a-z0-9]\))\s*$")
# A sentence the model left unfilled: a linking verb and then only a marker where the answer
# belongs ("The dress code for staff at the meeting of creditors is [3]."; "答案是[1]。"). It
# repeats the question and says nothing, yet shares enough words with a passage to pass as cited.
_UNFILLED = re.compile(rf"(^|[.!?。！？\n]{MARKER_RUN})[^.!?。！？\n]*?(?:\b(?:is|are|was|were)|是|为){MARKER_RUN}\s*(?:\.(?=\s|$)|。)",
                       re.I)  # group 1: the end of the sentence before, kept
UNFINISHED_LEFT_OUT = "its unfinished last sentence is left out"
INVENTED_FIGURE = "the model's answer states "  # + "30, which no passage states; showing ..."
FEW_TERMS_REFUSED = "the model gave no answer the passages hold, and they hold few of the question's words"
COPIED_PASSAGE = "the model wrote out a passage instead of answering; showing the closest sentences instead"
UNSUPPORTED_REPLY = "the model's answer is not in the passages; showing the closest sentences instead"


def _prompt_text(prompt: Prompt) -> str:
    return "\n".join(m["content"] for m in prompt.messages)


def drop_unfinished(raw: str) -> str:
    """A reply cut off by the token limit, less its unfinished last sentence ("• Send the") and
    any line left dangling after it: 6 of 100 English dev answers ended mid-sentence, and the
    fragment was shown and cited as a claim. A reply that is one unfinished sentence is kept,
    with an ellipsis."""
    text = raw.rstrip()
    if text and not _FINISHED.search(strip_markers(text)):
        ends = [m.end() for m in _SENTENCE_END.finditer(text)]
        kept = text[: ends[-1]].rstrip() if ends else ""
        if not kept.strip():
            return text + "…"
        text = kept
    while "\n" in text and _DANGLING.search(text.rsplit("\n", 1)[1]):
        text = text.rsplit("\n", 1)[0].rstrip()
    return text


def reply_claims(raw: str, shown: list[Passage]) -> str:
    """What the model wrote, less what is not a claim: an echoed case header, an opening
    "According to the passages," echoed passage labels and headings, and unfilled sentences."""
    claims = strip_echoed_headings(strip_echoed_labels(strip_preamble(strip_prompt_echoes(raw)), shown), shown)
    return _UNFILLED.sub(r"\1", claims).strip()


class Answerer:
    """Holds the retriever and (lazily) the chat model; one per process, thread-safe."""

    def __init__(self, settings: Settings, retriever: Retriever | None = None, use_llm: bool = True):
        self.settings = settings
        self.retriever = retriever or Retriever(settings)
        self.use_llm = use_llm
        self._llm = None
        self._llm_error: str | None = None
        self._lock = threading.Lock()

    # -- model ----------------------------------------------------------------------------
    @property
    def model_name(self) -> str | None:
        return self._llm.name if self._llm is not None else (None if not self.use_llm else self.settings.llm)

    def llm(self):
        """The chat model, or None (and a note) when it cannot be loaded."""
        if not self.use_llm:
            return None
        with self._lock:
            if self._llm is None and self._llm_error is None:
                from rag.generation import ModelUnavailable, load_llm

                try:
                    self._llm = load_llm(self.settings.llm, self.settings)
                except ModelUnavailable as exc:
                    self._llm_error = str(exc)
            return self._llm

    @property
    def llm_error(self) -> str | None:
        return self._llm_error

    # -- answering ------------------------------------------------------------------------
    def answer(self, question: str, history: list[dict[str, str]] | None = None, k: int | None = None,
               docs: list[str] | None = None) -> Answer:
        final = None
        for event in self.stream(question, history, k, docs):
            if event.kind == "answer":
                final = event.answer
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        k: int | None = None,
        docs: list[str] | None = None,
        cancel: threading.Event | None = None,
        max_new_tokens: int | None = None,
        dense_threshold: float | None = None,
    ) -> Iterator[AnswerEvent]:
        started = time.perf_counter()
        question = question.strip()
        k = k or self.settings.k
        self.retriever.refresh_if_stale()
        query = resolve(question, history)
        result = self.retriever.search(query, k, docs=docs)
        retrieve_s = time.perf_counter() - started
        passages = result.passages
        notes = list(result.notes)
        threshold = dense_threshold if dense_threshold is not None else self._threshold()
        # The question as searched: a follow-up resolved, typos corrected (the model and the
        # refusal rule read it too; the user's own words stay on the Answer).
        searched = result.query or query
        # Term coverage weighs each word by how rare it is in the index (rag.answerability).
        vocabulary = self.retriever.vocabulary() if passages else None
        decision = decide(searched, passages, threshold, vocabulary=vocabulary)
        lang = question_lang(question)

        def finish(text, refused, mode, citations, first=None, tokens=TokenCounts(), model=None, raw="") -> AnswerEvent:
            timings = Timings(retrieve_s, first, time.perf_counter() - started)
            return AnswerEvent("answer", answer=Answer(question, text, refused, mode, citations, passages, timings,
                                                       tokens, model, searched, decision, notes, raw))

        if not decision.answerable:
            yield finish(REFUSAL_TEXT[lang], True, "refusal", [])
            return

        llm = self.llm()
        prompt = None
        if llm is not None:
            # After the refusal decision, which stays as calibrated on the retrieval order and
            # costs a refused question no model call.
            reranker = reranker_for(self.settings, llm)
            if reranker is not None:
                yield AnswerEvent("status", "ranking passages")
                passages = reranker.rerank(searched, passages, cancel)
            prompt = self.prompt_for(llm, question, query, searched, passages, history)
            if not prompt.passages:
                notes.append("the prompt budget is too small for any passage; answering with extracted sentences")
        if llm is None or prompt is None or not prompt.passages:
            if self.use_llm and self._llm_error:
                notes.append(f"extracted answer (no model): {self._llm_error}")
            text = self._extract(question, passages, by_meaning=True)
            cited = cite(text, passages)
            if not cited.citations:
                yield finish(REFUSAL_TEXT[lang], True, "refusal", [])
                return
            yield AnswerEvent("token", cited.text)
            yield finish(cited.text, False, "extractive", cited.citations)
            return

        yield AnswerEvent("status", "generating")
        generation = llm.stream(
            prompt.messages,
            max_new_tokens=max_new_tokens or self.settings.max_new_tokens,
            cancel=cancel,
            timeout_s=self.settings.generation_timeout_s,
            decoding=replace(
                llm.decoding, prompt_lookup_tokens=self.settings.prompt_lookup_tokens,
                repetition_penalty=self.settings.repetition_penalty,
            ),
        )
        first_token_s = None
        try:
            for piece in generation:
                if first_token_s is None and piece:
                    first_token_s = time.perf_counter() - started
                yield AnswerEvent("token", piece)
        finally:
            generation.close()
        raw = generation.text.strip()
        stats = generation.stats
        tokens = TokenCounts(stats.prompt_tokens, stats.completion_tokens) if stats else TokenCounts(prompt.tokens, 0)
        if stats and stats.stopped_reason in ("timeout", "cancelled"):
            notes.append(f"generation stopped early ({stats.stopped_reason})")
        reply = raw  # what is cited and shown; ``raw`` stays what the model wrote
        if stats and stats.stopped_reason in ("timeout", "max_tokens"):
            reply = drop_unfinished(raw)
            if reply != raw:
                limit = "length" if stats.stopped_reason == "max_tokens" else "time"
                notes.append(f"the answer reached its {limit} limit; {UNFINISHED_LEFT_OUT}")
        shown = [pp.passage for pp in prompt.passages]
        refused_by_model = bool(_MODEL_REFUSAL.search(reply)) and len(reply) < 120
        claims = reply_claims(reply, shown)
        texts = [pp.text for pp in prompt.passages]  # as the model saw them
        cited = cite(claims, shown, texts) if claims and not refused_by_model else None
        cancelled = bool(stats and stats.stopped_reason == "cancelled")
        # A reply no passage supports in any sentence (an echo of the question, "24" for a count
        # the passages give as 14, "午餐的平均价格是200元" from a page about something else) is not
        # shown as the answer, even where the model marked a passage: none holds half its words.
        unsupported = cited is not None and bool(cited.text.strip()) and not cited.supported
        # A figure nothing in the prompt states ("children under 5 years of age" where no passage
        # says 5) is invented, however well the words around it match (rag/figures.py).
        invented = unstated_figures(cited.text, _prompt_text(prompt)) if cited is not None and not unsupported else []
        unsupported = unsupported or bool(invented)
        # A passage written out from its top instead of an answer (rag/copies.py).
        copied = (cited is not None and not unsupported and not cancelled
                  and copied_passage(claims, shown, texts, question,
                                     self.retriever.vocabulary()) is not None)
        unsupported = unsupported or copied
        if cited is not None and cited.text.strip() and not unsupported or cancelled:
            # (stopped by the user: what was written so far, never a substitute)
            yield finish(cited.text if cited else "", False, "llm", cited.citations if cited else [],
                         first_token_s, tokens, llm.name, raw)
            return
        # The model wrote nothing usable (only markers or whitespace, text no passage holds) or
        # said the documents do not answer. A 0.5B model does that about passages that do answer
        # (see EVAL.md "model refusals"); retrieval already judged them relevant, so by default
        # the best-matching sentences are shown instead, labelled as extracted. (Refusing such
        # replies when the passages only just clear the threshold was tried and dropped: it
        # refused 7 of 30 short everyday questions; EVAL.md "The model's empty reply". Few of
        # the question's terms in the passages, though, is where such stand-ins were never right.)
        may_extract = self.settings.on_model_refusal != "refuse"
        if may_extract and not stand_in_allowed(decision):
            notes.append(FEW_TERMS_REFUSED)
        elif may_extract:
            extracted = cite(self._extract(question, shown, by_meaning=False), shown)
            if extracted.citations:
                if invented:  # its words may well be the passages' own: only the figure is named
                    notes.append(f"{INVENTED_FIGURE}{', '.join(invented)}, which no passage states; "
                                 "showing the closest sentences instead")
                elif copied:
                    notes.append(COPIED_PASSAGE)
                else:
                    notes.append(UNSUPPORTED_REPLY if unsupported else
                                 "the model found no answer in the passages; showing the closest sentences instead")
                yield finish(extracted.text, False, "extractive", extracted.citations, first_token_s, tokens,
                             llm.name, raw)
                return
        yield finish(REFUSAL_TEXT[lang], True, "refusal", [], first_token_s, tokens, llm.name, raw)

    def prompt_for(self, llm: LLM, question: str, query: str, searched: str, passages: list[Passage],
                   history: list[dict[str, str]] | None = None) -> Prompt:
        """The prompt ``stream`` sends: the question as the user typed it, unless the search changed
        its words (typos corrected), then as searched; ``query`` is the question with any follow-up
        resolved. Public so that bench/recite.py rebuilds exactly these prompts."""
        asked = question if searched == query else searched
        if self.settings.prompt_score_gap > 0:
            passages = close_to_best(passages, self.settings.prompt_score_gap, keep=MIN_PROMPT_PASSAGES)
        focus = self.settings.passage_focus_tokens
        text_of = (lambda p: focused_text(p, asked, llm.count_tokens, focus, self.retriever.vocabulary())) if focus else None
        return build_prompt(asked, passages, llm.prompt_tokens, self.settings.prompt_budget, history,
                            self.settings.prompt_style, may_refuse=self.settings.on_model_refusal != "unasked",
                            order=self.settings.passage_order, text_of=text_of)

    def _threshold(self) -> float:
        return self.settings.refusal_threshold or DEFAULT_DENSE_THRESHOLD

    def _extract(self, question: str, passages: list[Passage], by_meaning: bool) -> str:
        """The extracted answer (rag.extractive): sentences ranked by the question's terms and,
        ``by_meaning``, by their meaning match too. Only without a model: standing in for a
        model's unusable reply, meaning changed 8 of 238 dev answers and lost 2 (one of them
        "父亲去世可以请几天丧假？", given the in-laws' 1 day), while without a model it gained 8
        (EVAL.md "Extracted sentences weigh meaning")."""
        weight = self.settings.extract_meaning_weight if by_meaning else 0.0
        embedder = self.retriever.embedder if weight > 0 else None
        similarity = None
        if embedder is not None:
            query = embedder.embed_query(question)
            similarity = lambda sentences: embedder.embed_passages(list(sentences), batch_size=32) @ query  # noqa: E731
        return extract(question, passages, vocabulary=self.retriever.vocabulary(), similarity=similarity,
                       meaning_weight=weight)
