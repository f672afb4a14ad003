"""Chat: questions in, streamed answers out, then the checked answer with its sources.

The answer logic is ``Answerer.stream`` (the same call as `docqa ask` and the HTTP API); this
module only keeps the conversation in session state and draws it.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Iterator

import streamlit as st

from ingest.index import IndexError_
from ingest.models import short_name
from ingest.settings import Settings
from rag.answer import Answer, Answerer
from rag.citations import strip_markers
from ui.page_engine import IndexFacts, forget_answerer, model_problem, open_answerer
from ui.page_plainchat import clear_chat, render_plain_chat
from ui.page_render import answer_html, clip, escape_markdown, passage_markdown, seconds, table_markdown
from ui.page_sidebar import AskOptions

log = logging.getLogger(__name__)

_MESSAGES_KEY = "messages"  # [{"role": "user"|"assistant", "content": str, "answer": Answer|None}]
_MODEL_READY_KEY = "model_ready"


def messages() -> list[dict[str, Any]]:
    return st.session_state.setdefault(_MESSAGES_KEY, [])


def history_for_rag(items: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Prior turns as Answerer.stream takes them; markers dropped (they mean nothing to it)."""
    return [{"role": m["role"], "content": strip_markers(m["content"]).strip()} for m in items if m["content"]]


def render_chat(settings: Settings, options: AskOptions, facts: IndexFacts) -> None:
    head, button = st.columns([5, 3], vertical_alignment="bottom")
    head.subheader("General chat" if options.plain_chat else "Ask", anchor=False)
    if button.button("New conversation", icon=":material/add_comment:", width="stretch", key="new_conversation",
                     help="Forget the questions so far; follow-up questions start afresh"):
        if options.plain_chat:
            clear_chat()
        else:
            st.session_state[_MESSAGES_KEY] = []
        st.rerun()
    if options.plain_chat:
        render_plain_chat(settings, options.max_new_tokens)
        return

    answerer, problem = (open_answerer(settings) if facts.indexed else (None, None))
    if facts.indexed and problem:
        st.error(f"The index cannot be searched: {escape_markdown(problem, code=True)}")
    no_model = model_problem(settings, answerer)
    if no_model:
        st.warning(
            "**Extracted answers only.** The language model is not available, so answers are the "
            "best-matching sentences from your documents, with their sources. "
            f"To enable it: {escape_markdown(no_model, code=True)}",
            icon=":material/info:",
        )

    # Grows with the conversation (min-height in app.py's CSS) rather than scrolling inside a
    # fixed height: a 0.5B model's answer that copies a list runs to 25 lines, and a scrolling
    # box then hides the question and the sources above it.
    box = st.container(border=True, key="conversation")
    with box:
        welcome = st.empty()
        if not messages():
            with welcome.container():
                _welcome(facts)
        for m in messages():
            with st.chat_message(m["role"]):
                if m["role"] == "user":
                    st.markdown(escape_markdown(m["content"]))
                else:
                    _note, body = answer_slots()
                    with body.container():
                        render_answer(m["answer"], m.get("limit"))

    question = st.chat_input(
        "Ask a question about your documents…" if facts.indexed else "Add documents first, then ask here",
        disabled=answerer is None,
        key="question",
        max_chars=2000,
        # While an answer is written the send button becomes a stop button (generation is
        # cancelled through the cancel event), instead of a second question interrupting it.
        submit_mode="stop",
    )
    if question and question.strip() and answerer is not None:
        welcome.empty()
        with box:
            with st.chat_message("user"):
                st.markdown(escape_markdown(question))
            with st.chat_message("assistant"):
                answer = stream_answer(answerer, question, options, model_missing=bool(no_model))
        history = messages()
        history.append({"role": "user", "content": question, "answer": None})
        if answer is not None:
            history.append({"role": "assistant", "content": answer.text, "answer": answer,
                            "limit": options.max_new_tokens})


def _welcome(facts: IndexFacts) -> None:
    if facts.indexed:
        n = len(facts.indexed)
        st.caption(
            f"Ask anything about your {n} document{'s' if n != 1 else ''}, in English or Chinese — e.g. "
            # (examples the sample library answers with keyword search alone too, as on a fresh
            # machine without models: an English question about a Chinese-only policy is not one)
            "“What is the daily meal allowance?” or “差旅住宿标准是多少？”. "
            "Follow-up questions such as “and for managers?” use the conversation so far."
        )
    else:
        st.caption("Answers will appear here once you have added documents.")


def stream_answer(answerer: Answerer, question: str, options: AskOptions, model_missing: bool = False) -> Answer | None:
    """Stream the answer token by token, then replace it with the checked, cited answer."""
    if not st.session_state.get(_MODEL_READY_KEY) and answerer.use_llm and not model_missing:
        # Loading takes a while on a CPU; say so instead of looking stuck. Loaded once per server.
        with st.spinner("Loading the language model (first question only; this can take a minute)…"):
            answerer.llm()
        st.session_state[_MODEL_READY_KEY] = True
    note, body = answer_slots()
    note.caption(":material/search: Searching your documents…")
    final: dict[str, Answer] = {}
    cancel = threading.Event()
    history = history_for_rag(messages())

    def tokens() -> Iterator[str]:
        for event in answerer.stream(question, history=history, k=options.k, cancel=cancel,
                                     max_new_tokens=options.max_new_tokens, dense_threshold=options.dense_threshold):
            if event.kind == "status":
                note.caption(":material/edit: Writing the answer…")
            elif event.kind == "token":
                yield event.text
            elif event.kind == "answer" and event.answer is not None:
                final["answer"] = event.answer

    try:
        with body.container():
            st.write_stream(tokens())
    except IndexError_ as exc:
        # E.g. the index was rebuilt with another embedding model: drop the cached Answerer so
        # the next question opens the index afresh (the chat model stays loaded).
        forget_answerer()
        note.empty()
        body.error(f"The index cannot be searched: {escape_markdown(str(exc), code=True)}")
        return None
    except Exception as exc:  # noqa: BLE001 - a plain message, never a traceback page
        log.exception("answering %r failed", question)
        note.empty()
        body.error(f"Sorry, something went wrong while answering: {escape_markdown(str(exc) or type(exc).__name__)}")
        return None
    finally:
        cancel.set()  # also stops generation when the user interrupts the run
    note.empty()
    answer = final.get("answer")
    if answer is None:
        body.error("Sorry, no answer came back. Please try again.")
        return None
    with body.container():  # the checked answer replaces the raw stream in place
        render_answer(answer, options.max_new_tokens)
    return answer


def answer_slots() -> tuple[Any, Any]:
    """(status line, answer body): the same two slots for a live answer and for one redrawn
    from history, so reruns keep each element in its place (no faded leftovers)."""
    return st.empty(), st.empty()


def render_answer(answer: Answer, limit: int | None = None) -> None:
    """The checked answer: text with superscript markers, its sources, timings and notes.
    ``limit``: the max_new_tokens it was asked with, to say when the answer was cut short."""
    if answer.refused:
        _render_refusal(answer)
        return
    if answer.extracted_because:
        # with a model: it said the passages do not answer, so the closest sentences are shown
        # or its answer was in none of the passages
        st.badge(f"Extracted from your documents ({answer.extracted_because})", icon=":material/format_quote:",
                 color="gray")
    if answer.citations:
        # Sources first, always visible (a long answer must not hide where it comes from);
        # the quoted passages are one click away under the answer.
        label = "Source" if len(answer.citations) == 1 else "Sources"
        st.caption(f":material/description: {label}: " + "&nbsp;&nbsp;&nbsp;".join(
            f"\\[{c.n}\\] {escape_markdown(c.passage.label())}" for c in answer.citations))
    st.markdown(answer_html(answer.text), unsafe_allow_html=True)
    if answer.citations:
        with st.expander(f"Sources and quoted passages ({len(answer.citations)})", icon=":material/description:"):
            for c in answer.citations:
                st.markdown(f"**\\[{c.n}\\] {escape_markdown(c.passage.label())}**")
                if c.passage.copies:
                    st.caption("Same text also in: " + escape_markdown(c.passage.also_in()))
                shown = table_markdown(c.passage.body, c.quotes) if c.passage.is_table else passage_markdown(c.passage.body, c.quotes)
                st.markdown(shown, unsafe_allow_html=True)
    else:
        # rag found no passage supporting what the model wrote: say so rather than look sourced.
        st.caption(":orange[No passage could be matched to this answer: check it against your documents.]")
    if answer.mode == "llm" and limit and answer.tokens.completion >= limit:
        st.caption(f"The answer stopped at the maximum length ({limit} tokens); "
                   "raise *Maximum answer length* in the sidebar for a longer one.")
    _caption(answer)


def _render_refusal(answer: Answer) -> None:
    # The refusal text comes from rag in the question's language; the box makes it distinct.
    st.warning(escape_markdown(answer.text), icon=":material/search_off:")
    close = answer.passages[:3]
    if close:
        st.caption("Closest passages: " + "; ".join(escape_markdown(p.label()) for p in close))
        with st.expander(f"Closest passages ({len(close)})", icon=":material/description:"):
            for p in close:
                st.markdown(f"**{escape_markdown(p.label())}**")
                st.markdown(table_markdown(p.body) if p.is_table else passage_markdown(p.body), unsafe_allow_html=True)
    _caption(answer)


def _caption(answer: Answer) -> None:
    t = answer.timings
    parts = []
    if t.first_token_s is not None:
        parts.append(f"first token {seconds(t.first_token_s)}")
    parts.append(f"total {seconds(t.total_s)}")
    if answer.mode == "llm" and answer.model:
        parts.append(escape_markdown(short_name(answer.model)))
    decision = answer.decision
    if answer.refused and decision is not None and not decision.answerable and decision.dense is not None:
        # Refused by the threshold (not by the model): the score helps judge the strictness setting.
        parts.append(f"best match {decision.dense:.2f}")
    st.caption(" · ".join(parts))
    for note in answer.notes:
        if not note.startswith("extracted answer (no model)"):  # the banner above says it already
            st.caption(escape_markdown(clip(note, 240), code=True))
