"""Pure text -> HTML/Markdown helpers for the page (no Streamlit import, unit-tested).

Everything the page shows with ``unsafe_allow_html=True`` goes through these functions, so
document text and model output are always escaped: a policy that mentions "<script>" or
"$100 and $200" (which Streamlit's Markdown would turn into LaTeX) is shown as written.
"""
from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime

# Citation markers as the checked answer carries them: "[1]", "[1][2]", "[1, 2]".
_MARKER = re.compile(r"\[(\d{1,2}(?:\s*,\s*\d{1,2})*)\]")
# Characters Streamlit's Markdown would interpret: emphasis, code, links, headings, tables,
# LaTeX ($), strikethrough (~) and its ":color[...]" / ":emoji:" directives (:).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#+!|$~:])")


def escape_markdown(text: str, code: bool = False) -> str:
    """Text shown literally by st.markdown, HTML allowed or not; line breaks are kept.

    ``code=True`` keeps `backtick` spans as inline code (messages from the layers below write
    commands that way, e.g. "run `docqa download`"); Markdown shows code spans literally."""
    if code:
        parts = re.split(r"(`[^`\n]+`)", text)
        return "".join(p if i % 2 else escape_markdown(p) for i, p in enumerate(parts))
    escaped = _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))
    # A leading "1." or "-" would start a list, "=" / "-" lines make headings: neutralise.
    escaped = re.sub(r"(?m)^(\s*)(\d+)\.(\s)", r"\1\2\\.\3", escaped)
    escaped = re.sub(r"(?m)^(\s*)([-=>])", r"\1\\\2", escaped)
    return escaped.replace("\n", "  \n")


def answer_html(text: str) -> str:
    """The checked answer for st.markdown(unsafe_allow_html=True): text escaped, each [n]
    marker turned into a compact superscript that names its source number."""
    # The checked answer comes back as one paragraph; a list the model wrote ("… include: •
    # Gym memberships[1] • Yoga classes[1]") reads better with one item per line.
    text = re.sub(r"(?<=\S)\s+•\s*", "\n• ", text)
    out: list[str] = []
    pos = 0
    for m in _MARKER.finditer(text):
        out.append(escape_markdown(text[pos : m.start()]))
        numbers = [n.strip() for n in m.group(1).split(",")]
        out.append("".join(f'<sup class="docqa-cite" title="source {n}">[{n}]</sup>' for n in numbers))
        pos = m.end()
    out.append(escape_markdown(text[pos:]))
    return "".join(out)


def _normalise_ws(text: str) -> tuple[str, list[int]]:
    """Collapse whitespace runs to one space; return the text and a map back to positions."""
    chars: list[str] = []
    where: list[int] = []
    previous_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if previous_space:
                continue
            chars.append(" ")
            previous_space = True
        else:
            chars.append(ch)
            previous_space = False
        where.append(i)
    return "".join(chars), where


def find_quote(body: str, quote: str) -> tuple[int, int] | None:
    """Where ``quote`` sits in ``body`` (exactly, or ignoring whitespace differences)."""
    quote = quote.strip()
    if not quote:
        return None
    start = body.find(quote)
    if start >= 0:
        return start, start + len(quote)
    flat_body, where = _normalise_ws(body)
    flat_quote, _ = _normalise_ws(quote)
    start = flat_body.find(flat_quote.strip())
    if start < 0:
        return None
    end = start + len(flat_quote.strip()) - 1
    return where[start], where[end] + 1


def passage_markdown(body: str, quote: str | Sequence[str] | None = None, context_chars: int = 360) -> str:
    """The passage as a Markdown blockquote (for st.markdown(unsafe_allow_html=True)): text
    escaped and on one line, each quoted sentence highlighted with <mark>, and the text before,
    between and after them clipped to ``context_chars`` a side so long passages stay readable."""
    body = " ".join(body.split())
    quotes = [q for q in ([quote] if isinstance(quote, str) else quote or []) if q.strip()]
    spans: list[tuple[int, int]] = []
    for start, end in sorted(s for s in (find_quote(body, q) for q in quotes) if s is not None):
        if spans and start < spans[-1][1]:  # overlapping quotes: one mark
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    if not spans:
        shown = escape_markdown(clip(body, context_chars * 2))
        if quotes:
            return f"> <mark>{escape_markdown(' … '.join(' '.join(q.split()) for q in quotes))}</mark>  \n> {shown}"
        return f"> {shown}"
    out: list[str] = []
    pos = 0
    for i, (start, end) in enumerate(spans):
        gap = body[pos:start]
        gap = _clip_start(gap, context_chars) if i == 0 else _clip_between(gap, context_chars)
        out.append(f"{escape_markdown(gap)}<mark>{escape_markdown(body[start:end])}</mark>")
        pos = end
    out.append(escape_markdown(_clip_end(body[pos:], context_chars)))
    return "> " + "".join(out)


TABLE_ROWS_AROUND = 2  # rows shown before and after a quoted row of a table passage


def table_markdown(body: str, quotes: Sequence[str] = (), around: int = TABLE_ROWS_AROUND) -> str:
    """A table passage as a Markdown blockquote, one row a line (rows run together on one line
    read as one record), the quoted rows highlighted and a few rows around them shown; "…" where
    rows are left out. Without quotes, the first rows."""
    rows = [" ".join(line.split()) for line in body.split("\n") if line.strip()]
    wanted = {" ".join(q.split()) for q in quotes if q.strip()}
    quoted = [i for i, row in enumerate(rows) if row in wanted]
    if quoted:
        shown = sorted({j for i in quoted for j in range(max(0, i - around), min(len(rows), i + around + 1))})
    else:
        shown = list(range(min(len(rows), 2 * around + 1)))
    lines: list[str] = []
    for previous, i in zip([-1, *shown], shown):
        if i > previous + 1:
            lines.append("…")
        # a quoted row whole, as a quote is never cut; the rows around it on one short line each
        lines.append(f"<mark>{escape_markdown(rows[i])}</mark>" if i in quoted else escape_markdown(clip(rows[i])))
    if shown and shown[-1] < len(rows) - 1:
        lines.append("…")
    return "> " + "  \n> ".join(lines)


def _clip_start(text: str, keep: int) -> str:
    """The last ``keep`` characters of the text before a quote, from a word boundary."""
    if len(text) <= keep:
        return text
    tail = text[-keep:]
    return "… " + (tail.split(" ", 1)[-1] if " " in tail else tail)


def _clip_end(text: str, keep: int) -> str:
    """The first ``keep`` characters of the text after a quote, to a word boundary."""
    if len(text) <= keep:
        return text
    head = text[:keep]
    return (head.rsplit(" ", 1)[0] if " " in head else head) + " …"


def _clip_between(text: str, keep: int) -> str:
    """The text between two quotes: whole when short, else its ends with " … " between."""
    if len(text) <= 2 * keep:
        return text
    return f"{_clip_end(text, keep).removesuffix(' …')} … {_clip_start(text, keep).removeprefix('… ')}"


def clip(text: str, width: int = 300) -> str:
    """One line of at most ``width`` characters, cut at a word when there is one."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    if " " in cut[width // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut + "…"


def human_size(n_bytes: int) -> str:
    size = float(n_bytes)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"  # pragma: no cover - loop always returns


def seconds(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"


def when(iso: str | None) -> str:
    """'2025-03-01 14:05' from the index's ISO timestamp (shown in local time)."""
    if not iso:
        return ""
    try:
        stamp = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone()
    return stamp.strftime("%Y-%m-%d %H:%M")


def counted(n: int, unit: str) -> str:
    """"1 chunk", "3 chunks"."""
    return f"{n} {unit}{'s' if n != 1 else ''}"


def pages_or_rows(pages: int | None, rows: int | None, name: str = "") -> str:
    """"5 pages", "12 rows" (a deck's pages are its slides: "3 slides")."""
    parts = []
    if pages:
        parts.append(counted(pages, "slide" if name.lower().endswith(".pptx") else "page"))
    if rows:
        parts.append(counted(rows, "row"))
    return ", ".join(parts)
