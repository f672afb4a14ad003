"""The page's flows in Streamlit's AppTest (a real script run, no browser), with the tiny models.

AppTest in Streamlit >= 1.5x drives st.file_uploader, so uploads go through the real widget;
``process_uploads`` (the same code) is also tested directly for the edge cases.
"""
from __future__ import annotations

import html
import os
import re
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ingest.settings import Settings
from rag.prompting import REFUSAL_TEXT
from tests.ui.conftest import APP, BROKEN_PDF, SAMPLE_PDF

QUESTION = "What is the daily meal allowance?"
OFF_TOPIC = "What is the boiling point of mercury?"


# ------------------------------------------------------------------ helpers


def start() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=300)
    at.run()
    assert not at.exception, at.exception
    return at


def plain(markdown: str) -> str:
    """What the reader sees of a Markdown source: backslash escapes and entities resolved."""
    return html.unescape(re.sub(r"\\(.)", r"\1", markdown))


def texts(elements) -> list[str]:
    return [plain(e.value) for e in elements]


def joined(at: AppTest) -> str:
    """Every text the page shows, for 'is this said somewhere' checks."""
    parts = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "subheader", "title"):
        parts.extend(texts(getattr(at, kind)))
    return "\n".join(parts)


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader(key="uploader").set_value([(name, data, "application/octet-stream") for name, data in files])
    at.run()
    assert not at.exception, at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input(key="question").set_value(question)
    at.run()
    assert not at.exception, at.exception
    return at


def library_names(at: AppTest) -> list[str]:
    if not at.dataframe:
        return []
    return list(at.dataframe[0].value["Name"])


# ------------------------------------------------------------------ flows


def test_empty_state_tells_a_new_user_what_to_do(ui_env):
    at = start()
    assert any("Your library is empty" in t and "Add documents" in t for t in texts(at.info))
    assert at.chat_input(key="question").proto.disabled  # nothing to ask about yet
    assert at.file_uploader(key="uploader").accept_multiple_files
    assert set(at.file_uploader(key="uploader").allowed_type) >= {".pdf", ".docx", ".xlsx", ".xls", ".csv", ".pptx", ".html", ".txt", ".md"}
    assert "up to 100 MB per file" in joined(at).replace("Up to", "up to")
    # No model in this environment: the page says answers are extracted and how to enable the model.
    banner = " ".join(texts(at.warning))
    assert "Extracted answers only" in banner and "DOCQA_LLM" in banner
    assert not at.error


def test_a_csv_rate_table_is_uploaded_listed_and_cited_by_its_rows(ui_env):
    at = start()
    rates = "Meal allowance by city\n\nCity,Daily meals (USD)\nLondon,85\nOslo,90\n".encode("utf-8")
    upload(at, ("meal_rates.csv", rates))
    assert library_names(at) == ["meal_rates.csv"]
    assert list(at.dataframe[0].value["Type"]) == ["CSV"]
    ask(at, "What is the daily meals allowance in Oslo?")
    assistant = [m for m in at.chat_message if m.name == "assistant"][-1]
    assert "90" in "\n".join(texts(assistant.markdown))
    captions = texts(assistant.caption)
    assert any("[1] meal_rates.csv · rows 4–5" in c for c in captions), captions  # rows, no sheet name


def test_upload_index_ask_answer_with_source(ui_env):
    at = start()
    upload(at, (SAMPLE_PDF.name, SAMPLE_PDF.read_bytes()), ("broken.pdf", BROKEN_PDF))
    page = joined(at)
    # The good file is indexed (pages, chunks); the broken one reported with its reason.
    assert any(SAMPLE_PDF.name in t and "indexed" in t and "5 pages" in t and "chunks" in t for t in texts(at.markdown))
    errors = texts(at.error)
    assert any("broken.pdf" in e and "could not be indexed" in e and "PDF" in e for e in errors), errors
    assert library_names(at) == ["broken.pdf", SAMPLE_PDF.name]
    assert "Your library is empty" not in page

    ask(at, QUESTION)
    assistant = [m for m in at.chat_message if m.name == "assistant"]
    assert len(assistant) == 1
    body = "\n".join(texts(assistant[0].markdown))
    assert '<sup class="docqa-cite"' in body  # citation markers as superscripts
    captions = texts(assistant[0].caption)
    assert any(f"[1] {SAMPLE_PDF.name} · p." in c for c in captions), captions  # "[1] file · p. N"
    assert any(c.startswith("total ") for c in captions)  # timing, small, under the answer
    assert any("Extracted from your documents" in t for t in texts(assistant[0].markdown))  # mode labelled
    quoted = [t for t in texts(assistant[0].markdown) if "<mark>" in t]
    assert quoted, "the quoted sentence is highlighted inside its passage"
    # The same upload on the next rerun is not indexed again.
    at.run()
    assert sum(SAMPLE_PDF.name in t and "indexed" in t for t in texts(at.markdown)) == 1


def test_follow_up_uses_history_and_new_conversation_clears_it(ui_env):
    at = start()
    upload(at, (SAMPLE_PDF.name, SAMPLE_PDF.read_bytes()))
    ask(at, QUESTION)
    ask(at, "And for hotels?")
    assert [m.name for m in at.chat_message] == ["user", "assistant", "user", "assistant"]
    history = at.session_state["messages"]
    assert [m["role"] for m in history] == ["user", "assistant", "user", "assistant"]
    # The follow-up was retrieved together with the question before it: history reached rag.
    assert history[3]["answer"].search_query == f"{QUESTION} And for hotels?"
    at.button(key="new_conversation").click()
    at.run()
    assert not at.chat_message
    assert at.session_state["messages"] == []


def test_refusal_is_shown_distinctly_with_closest_passages(ui_env, monkeypatch):
    # The tiny random embedder scores every pair ~0.97, so calibrate the threshold to it and
    # let the strictness control push it over: this also checks the control reaches the rag call.
    monkeypatch.setenv("DOCQA_REFUSAL_THRESHOLD", "0.985")
    at = start()
    upload(at, (SAMPLE_PDF.name, SAMPLE_PDF.read_bytes()))
    at.select_slider(key="opt_strictness").set_value("strict")
    ask(at, OFF_TOPIC)
    assistant = [m for m in at.chat_message if m.name == "assistant"][-1]
    warnings = texts(assistant.warning)
    assert warnings == [REFUSAL_TEXT["en"]], warnings  # rag's own refusal, in a warning box
    assert any(e.label.startswith("Closest passages") for e in assistant.expander)
    assert any(SAMPLE_PDF.name in t for t in texts(assistant.markdown))  # the closest passages' labels
    assert not any('<sup class="docqa-cite"' in t for t in texts(assistant.markdown))
    assert any("best match" in c for c in texts(assistant.caption))


def test_remove_and_reindex_a_document(ui_env):
    at = start()
    upload(at, (SAMPLE_PDF.name, SAMPLE_PDF.read_bytes()), ("notes.txt", b"Parking is free for visitors on weekends."))
    assert library_names(at) == ["notes.txt", SAMPLE_PDF.name]
    uploads = Path(ui_env["DOCQA_UPLOADS_DIR"])
    notes = str(uploads / "notes.txt")

    at.multiselect(key="library_selection").set_value([notes])
    at.run()
    at.button(key="library_reindex").click()
    at.run()
    assert not at.exception, at.exception
    assert any("Re-indexed" in s and "notes.txt" in s for s in texts(at.success)), texts(at.success)

    at.multiselect(key="library_selection").set_value([notes])
    at.run()
    at.button(key="library_remove").click()
    at.run()
    assert any("Remove notes.txt from the library?" in w for w in texts(at.warning))
    at.button(key="library_confirm_yes").click()
    at.run()
    assert not at.exception, at.exception
    assert any("Removed **notes.txt** from the library" in s for s in texts(at.success)), texts(at.success)
    assert library_names(at) == [SAMPLE_PDF.name]
    assert not os.path.exists(notes)  # the page's own uploaded copy goes too
    # Questions now only see the remaining document.
    ask(at, "Is parking free for visitors?")
    assistant = [m for m in at.chat_message if m.name == "assistant"][-1]
    assert "notes.txt" not in "\n".join(texts(assistant.caption) + texts(assistant.markdown))


def test_a_damaged_index_is_a_plain_message_not_a_traceback(ui_env):
    index = Path(ui_env["DOCQA_INDEX"])
    index.mkdir(parents=True)
    (index / "docqa.sqlite3").write_bytes(b"this is not a database" * 100)
    at = start()
    errors = texts(at.error)
    assert any("cannot read the index" in e and "--rebuild" in e for e in errors), errors
    assert at.chat_input(key="question").proto.disabled


def test_tiny_qwen_answer_is_streamed_and_timed(ui_env, tiny_qwen_dir, monkeypatch):
    """The model path: loaded once (spinner), tokens streamed through st.write_stream, then the
    checked answer (the tiny model writes random text, so it may come back refused)."""
    monkeypatch.setenv("DOCQA_LLM", str(tiny_qwen_dir))
    at = start()
    assert not any("Extracted answers only" in w for w in texts(at.warning))
    upload(at, ("notes.txt", b"Visitors park for free on weekends. Staff parking costs 2 euros per day."))
    ask(at, "Is parking free for visitors?")
    assistant = [m for m in at.chat_message if m.name == "assistant"][-1]
    captions = texts(assistant.caption)
    assert any("first token" in c and "total" in c for c in captions), captions
    assert not at.error
    assert at.session_state["model_ready"] is True


def test_models_load_in_the_background_once_there_is_something_to_ask(ui_env, tiny_qwen_dir, monkeypatch):
    """With documents in the library the page starts loading the chat model without waiting for
    a question; with an empty library only the embedder, for the first upload."""
    import threading

    from ingest import embedding
    from rag import generation
    from ui.page_engine import PRELOAD_THREAD

    monkeypatch.setenv("DOCQA_LLM", str(tiny_qwen_dir))
    monkeypatch.setattr(embedding, "_CACHE", {})  # as in a fresh server process
    generation.clear_llm_cache()
    at = start()
    for thread in [t for t in threading.enumerate() if t.name == PRELOAD_THREAD]:
        thread.join(120)
    assert not generation._CACHE  # nothing to ask about yet, so no chat model
    # ...but the embedder, which indexing the first upload needs, is loaded
    assert [e.info.name for e in embedding._CACHE.values()] == [ui_env["DOCQA_EMBED_MODEL"]]
    upload(at, ("notes.txt", b"Visitors park for free on weekends. Staff parking costs 2 euros per day."))
    for thread in [t for t in threading.enumerate() if t.name == PRELOAD_THREAD]:
        thread.join(120)
    assert [llm.name for llm in generation._CACHE.values()] == [str(tiny_qwen_dir)]  # loaded, no question asked
    assert "model_ready" not in at.session_state
    ask(at, "Is parking free for visitors?")
    assert at.session_state["model_ready"] is True and not at.error
    assert len(generation._CACHE) == 1  # the question used the preloaded model


def test_general_chat_is_marked_and_kept_apart_from_document_answers(ui_env, tiny_qwen_dir, monkeypatch):
    """The sidebar toggle: the model alone, works with no documents at all, every reply carries the
    not-from-your-documents notice, and the document conversation is left as it was."""
    monkeypatch.setenv("DOCQA_LLM", str(tiny_qwen_dir))
    at = start()
    at.toggle(key="opt_plain_chat").set_value(True)
    at.run()
    assert not at.exception, at.exception
    assert any("not from your documents" in i for i in texts(at.info))
    at.chat_input(key="plain_chat_input").set_value("Hello, who are you?")
    at.run()
    assert not at.exception, at.exception
    assistant = [m for m in at.chat_message if m.name == "assistant"][-1]
    assert any("total" in c for c in texts(assistant.caption))
    notice = "General chat: this reply is not based on your documents and may be wrong."
    assert any(notice in m for m in texts(assistant.markdown)), texts(assistant.markdown)  # st.badge is Markdown
    assert len(at.session_state["plain_chat_messages"]) == 2
    assert "messages" not in at.session_state or at.session_state["messages"] == []
    # back to documents: the general-chat turns are not shown there
    at.toggle(key="opt_plain_chat").set_value(False)
    at.run()
    assert not [m for m in at.chat_message if m.name == "assistant"]


def test_general_chat_without_a_model_says_why(ui_env):
    at = start()
    at.toggle(key="opt_plain_chat").set_value(True)
    at.run()
    assert not at.exception, at.exception
    assert any("General chat needs the language model" in w for w in texts(at.warning))
    assert at.chat_input(key="plain_chat_input").disabled


# ------------------------------------------------------------------ uploads, directly


def _settings(ui_env, **changes) -> Settings:
    return Settings.load().replace(**changes)


def test_process_uploads_reports_each_file(ui_env):
    from ui.page_uploads import process_uploads

    settings = _settings(ui_env, max_file_mb=0.5)
    text = b"Annual leave is 25 days per year."
    batch = process_uploads(
        [
            ("../../etc/leave.txt", text),  # path traversal: saved inside the uploads folder
            ("copy of leave.txt", text),  # same content: deduplicated
            ("broken.pdf", BROKEN_PDF),
            ("tool.exe", b"MZ\x90\x00"),
            ("empty.md", b""),
            ("huge.txt", b"x" * (600 * 1024)),
        ],
        settings,
    )
    by_name = {r.name: r for r in batch.results}
    assert [r.name for r in batch.results][0] == "../../etc/leave.txt"
    leave = by_name["../../etc/leave.txt"]
    assert leave.status == "indexed" and leave.chunks >= 1
    assert Path(leave.path).parent == Path(ui_env["DOCQA_UPLOADS_DIR"])
    assert by_name["copy of leave.txt"].status in ("unchanged", "indexed")
    assert "same content as leave.txt" in by_name["copy of leave.txt"].reason
    assert by_name["broken.pdf"].status == "failed" and by_name["broken.pdf"].reason
    assert by_name["tool.exe"].status == "rejected" and "unsupported format" in by_name["tool.exe"].reason
    assert by_name["empty.md"].status == "rejected" and "empty" in by_name["empty.md"].reason
    assert by_name["huge.txt"].status == "rejected" and "too large" in by_name["huge.txt"].reason
    assert batch.fatal is None

    again = process_uploads([("leave.txt", text)], settings)
    assert again.results[0].status == "unchanged"


def test_process_uploads_reports_a_busy_index_instead_of_hanging(ui_env):
    from ingest.index import writer_lock
    from ui.page_uploads import process_uploads

    settings = _settings(ui_env)
    with writer_lock(settings.index_dir):
        batch = process_uploads([("a.txt", b"Some policy text.")], settings, lock_timeout_s=0.2)
    assert batch.results[0].status == "failed"
    assert "another indexing job" in batch.results[0].reason


# ------------------------------------------------------------------ rendering helpers


def test_answer_html_escapes_text_and_renders_markers():
    from ui.page_render import answer_html

    out = answer_html("Costs <b>$100</b> and $200 per *night*.[1][2] 每天300元。[3]")
    assert "<b>" not in out and "&lt;b&gt;" in out
    assert "\\$100" in out and "\\*night\\*" in out  # no LaTeX, no emphasis
    assert out.count('<sup class="docqa-cite"') == 3
    assert '<sup class="docqa-cite" title="source 2">[2]</sup>' in out
    # A list flattened into one paragraph gets one item per line again.
    listed = answer_html("Covered:[1] • Gym memberships[1] • Yoga classes[1]")
    assert listed.count("  \n• ") == 2


def test_passage_markdown_highlights_the_quote_in_its_passage():
    from ui.page_render import find_quote, passage_markdown

    body = "Meals are paid.\nThe daily   meal allowance is 45 EUR.  Hotels are booked centrally."
    assert find_quote(body, "The daily meal allowance is 45 EUR.") is not None
    md = passage_markdown(body, "The daily meal allowance is 45 EUR.")
    assert md.startswith("> ")
    assert "<mark>The daily meal allowance is 45 EUR.</mark>" in md
    long = ("word " * 400) + "The quote sits here." + (" tail" * 400)
    clipped = passage_markdown(long, "The quote sits here.", context_chars=50)
    assert "<mark>The quote sits here.</mark>" in clipped and len(clipped) < 250 and "…" in clipped
    missing = passage_markdown("Other text.", "Not in the passage.")
    assert "<mark>Not in the passage.</mark>" in missing and "Other text." in missing


def test_passage_markdown_highlights_every_quoted_sentence():
    from ui.page_render import passage_markdown

    body = "Meals are paid. The daily meal allowance is 45 EUR. Hotels are booked centrally. Taxis are refunded."
    md = passage_markdown(body, ["Taxis are refunded.", "The daily meal allowance is 45 EUR."])
    assert md == ("> Meals are paid. <mark>The daily meal allowance is 45 EUR.</mark> Hotels are booked centrally. "
                  "<mark>Taxis are refunded.</mark>")
    # Long text between two quotes keeps its ends; the quotes themselves are never cut.
    long = ("word " * 300) + "First quote." + (" mid" * 300) + " Second quote." + (" tail" * 300)
    md = passage_markdown(long, ["First quote.", "Second quote."], context_chars=40)
    assert "<mark>First quote.</mark> mid" in md and "mid <mark>Second quote.</mark>" in md
    assert md.count("…") == 3 and len(md) < 300


def test_pages_or_rows_names_a_deck_by_its_slides():
    from ui.page_render import pages_or_rows

    assert pages_or_rows(5, None, "policy.pdf") == "5 pages"
    assert pages_or_rows(3, None, "Briefing.PPTX") == "3 slides" and pages_or_rows(1, None, "a.pptx") == "1 slide"
    assert pages_or_rows(None, 12, "rates.csv") == "12 rows"


def test_one_chunk_is_not_counted_as_chunks():
    from ui.page_render import counted
    from ui.page_uploads import short_outcome

    assert counted(1, "chunk") == "1 chunk" and counted(0, "chunk") == "0 chunks" and counted(7, "chunk") == "7 chunks"
    assert short_outcome("indexed", 1) == "indexed (1 chunk)"


def test_table_markdown_shows_one_row_a_line_the_quoted_ones_marked():
    from ui.page_render import escape_markdown, table_markdown

    body = "\n".join(f"Tier: {i}; Cap: {100 + i}" for i in range(1, 11))
    row = {i: escape_markdown(f"Tier: {i}; Cap: {100 + i}") for i in range(1, 11)}
    md = table_markdown(body, ["Tier: 5; Cap: 105"], around=1)
    assert md == f"> …  \n> {row[4]}  \n> <mark>{row[5]}</mark>  \n> {row[6]}  \n> …"
    assert table_markdown(body, around=1) == f"> {row[1]}  \n> {row[2]}  \n> {row[3]}  \n> …"
    two = table_markdown(body, ["Tier: 1; Cap: 101", "Tier: 10; Cap: 110"], around=1)
    assert two == f"> <mark>{row[1]}</mark>  \n> {row[2]}  \n> …  \n> {row[9]}  \n> <mark>{row[10]}</mark>"


# ------------------------------------------------------------------ `docqa ui`


def test_docqa_ui_indexes_docs_then_execs_streamlit(ui_env, tmp_path, monkeypatch, capsys):
    from ui import cli

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "leave.md").write_text("# Leave\n\nAnnual leave is 25 days.\n", encoding="utf-8")
    (docs / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    calls = []

    def fake_exec(path, argv):
        calls.append(argv)
        raise SystemExit(0)

    monkeypatch.setattr(os, "execv", fake_exec)
    with pytest.raises(SystemExit):
        cli.main(["ui", "--index", str(tmp_path / "idx"), "--docs", str(docs), "--port", "8765"])
    out = capsys.readouterr().out
    assert "indexed 1, unchanged 0, failed 0, skipped 1 of 2 files" in out
    argv = calls[0]
    assert argv[:5] == [sys.executable, "-m", "streamlit", "run", str(APP)]
    assert argv[argv.index("--server.address") + 1] == "127.0.0.1"
    assert argv[argv.index("--server.port") + 1] == "8765"
    assert argv[argv.index("--server.maxUploadSize") + 1] == "100"
    assert argv[argv.index("--") + 1 :] == ["--index", str(tmp_path / "idx")]
