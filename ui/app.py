"""docqa's web page: add documents, manage the library, ask questions with cited answers.

Start it with `docqa ui [--index DIR] [--docs FOLDER]`, or directly with
`streamlit run ui/app.py [-- --index DIR]`. Settings come from the app's own flags (after
``--``), then DOCQA_* environment variables, then defaults, like every docqa command.

Why the top level of this file is only a function and a guard: the ingest pipeline parses
files in forkserver children, and multiprocessing re-runs the main script (this file, under
Streamlit) in each child as ``__mp_main__``; nothing may happen there but cheap imports.
"""
from __future__ import annotations

import logging
import os
import sys
from typing import Any, Callable

log = logging.getLogger("docqa.ui")

_CSS = """
<style>
mark { background: #fde68a; color: inherit; padding: 0 .1em; border-radius: .2em; }
sup.docqa-cite { color: #1d4ed8; font-size: .68em; font-weight: 600; margin-left: 1px; cursor: default; }
div[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; }
.st-key-conversation { min-height: 420px; }
</style>
"""


def _ensure_importable() -> None:
    # `streamlit run ui/app.py` puts ui/ (not the project root) on sys.path; a pip-installed
    # docqa does not need this, a plain checkout does.
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if root not in sys.path:
        sys.path.insert(0, root)


def guarded(section: str, render: Callable[..., Any], *args: Any) -> Any:
    """Run one section of the page; an unexpected error becomes a plain message in that
    section, the rest of the page keeps working (Streamlit's rerun/stop signals pass through:
    they are BaseExceptions)."""
    import streamlit as st

    try:
        return render(*args)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a message, not a traceback
        log.exception("%s failed", section)
        detail = str(exc) or type(exc).__name__
        st.error(f"Something went wrong in {section}: {detail}. The rest of the page still works; "
                 "the server log has the details.")
        return None


def main(argv: list[str]) -> None:
    _ensure_importable()
    import streamlit as st

    st.set_page_config(page_title="docqa · ask your documents", page_icon=":material/quick_reference_all:",
                       layout="wide", initial_sidebar_state="expanded")
    from ui.page_chat import render_chat
    from ui.page_engine import index_facts, load_settings, model_problem, open_answerer, preload_models
    from ui.page_library import render_library
    from ui.page_render import escape_markdown
    from ui.page_sidebar import render_controls, render_info
    from ui.page_uploads import render_uploads

    st.markdown(_CSS, unsafe_allow_html=True)
    try:
        settings = load_settings(argv)
    except ValueError as exc:
        st.error(f"docqa cannot start: {escape_markdown(str(exc), code=True)}")
        st.stop()

    st.title("Ask your documents", anchor=False)
    st.caption("Answers come only from the documents in your library, every claim with its source. "
               "Everything runs on this computer.")
    options = render_controls(settings)
    left, right = st.columns([2, 3], gap="large")
    with left:
        guarded("adding documents", render_uploads, settings)
    facts = index_facts(settings)  # after the uploads, so this run already shows them
    with right:
        guarded("the chat", render_chat, settings, options, facts)
    st.divider()
    guarded("the library", render_library, settings, facts)

    def sidebar() -> None:
        answerer = open_answerer(settings)[0] if facts.indexed else None
        preload_models(settings, answerer)
        render_info(settings, facts, model_problem(settings, answerer))

    guarded("the sidebar", sidebar)


if __name__ == "__main__":
    main(sys.argv[1:] if os.path.basename(sys.argv[0]) == "app.py" else [])
