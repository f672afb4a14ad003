"""General chat on the page: the same loaded model, no documents, every reply marked as such.

Switched on by the sidebar toggle. The conversation is kept apart from the document Q&A one (a
reply that is not from the documents must never feed a follow-up document question), and each
reply carries rag.chat's notice in the user's language.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Iterator

import streamlit as st

from ingest.settings import Settings
from rag.chat import ChatReply, stream_chat
from ui.page_render import escape_markdown, seconds

log = logging.getLogger(__name__)

_CHAT_KEY = "plain_chat_messages"  # [{"role": "user"|"assistant", "content": str, "reply": ChatReply|None}]


def chat_messages() -> list[dict[str, Any]]:
    return st.session_state.setdefault(_CHAT_KEY, [])


def clear_chat() -> None:
    st.session_state[_CHAT_KEY] = []


def render_plain_chat(settings: Settings, max_new_tokens: int) -> None:
    st.info("**General chat.** Replies come from the language model alone, **not from your documents**, "
            "and may be wrong. Switch *General chat* off in the sidebar to ask your documents.",
            icon=":material/forum:")
    llm, problem = _model(settings)
    if problem:
        st.warning(f"General chat needs the language model, which is not available: "
                   f"{escape_markdown(problem, code=True)}", icon=":material/info:")
    box = st.container(border=True, key="plain_chat")
    with box:
        for m in chat_messages():
            with st.chat_message(m["role"]):
                if m["role"] == "user":
                    st.markdown(escape_markdown(m["content"]))
                else:
                    render_reply(m["reply"])
    disabled = llm is None
    text = st.chat_input("Chat with the model (not from your documents)…", disabled=disabled,
                         key="plain_chat_input", max_chars=2000, submit_mode="stop")
    if not text or not text.strip() or disabled:
        return
    history = chat_messages()
    turns = [{"role": m["role"], "content": m["content"]} for m in history] + [{"role": "user", "content": text}]
    with box:
        with st.chat_message("user"):
            st.markdown(escape_markdown(text))
        with st.chat_message("assistant"):
            reply = _stream(llm, turns, max_new_tokens, settings.generation_timeout_s)
    history.append({"role": "user", "content": text, "reply": None})
    if reply is not None:
        history.append({"role": "assistant", "content": reply.text, "reply": reply})


def _model(settings: Settings) -> tuple[Any, str | None]:
    """(the chat model, None) or (None, why not). Loaded once per process, shared with answers."""
    from rag.generation import ModelUnavailable, load_llm

    try:
        with st.spinner("Loading the language model (first message only; this can take a minute)…"):
            return load_llm(settings.llm, settings), None
    except ModelUnavailable as exc:
        return None, str(exc)


def _stream(llm: Any, turns: list[dict[str, str]], max_new_tokens: int, timeout_s: float) -> ChatReply | None:
    final: dict[str, ChatReply] = {}
    cancel = threading.Event()
    body = st.empty()

    def tokens() -> Iterator[str]:
        for event in stream_chat(llm, turns, max_new_tokens=max_new_tokens, cancel=cancel, timeout_s=timeout_s):
            if event.kind == "token":
                yield event.text
            elif event.reply is not None:
                final["reply"] = event.reply

    try:
        with body.container():
            st.write_stream(tokens())
    except Exception as exc:  # noqa: BLE001 - a plain message, never a traceback page
        log.exception("plain chat failed")
        body.error(f"Sorry, something went wrong: {escape_markdown(str(exc) or type(exc).__name__)}")
        return None
    finally:
        cancel.set()  # also stops generation when the user presses stop
    reply = final.get("reply")
    if reply is None:
        body.error("Sorry, no reply came back. Please try again.")
        return None
    with body.container():
        render_reply(reply)
    return reply


def render_reply(reply: ChatReply) -> None:
    st.badge(reply.notice, icon=":material/warning:", color="orange")
    st.markdown(escape_markdown(reply.text) if reply.text else "_(no reply)_")
    parts = [f"first token {seconds(reply.first_token_s)}"] if reply.first_token_s is not None else []
    parts.append(f"total {seconds(reply.total_s)}")
    st.caption(" · ".join(parts))
