"""Plain text (.txt) and Markdown (.md, .markdown) parser.

Text is decoded as UTF-8 (with or without BOM), UTF-16/32 with a BOM, else GB18030 (a
superset of GBK/GB2312, what Chinese Windows writes as "ANSI"). Plain text: paragraphs are
separated by blank lines; a file that is hard-wrapped at a fixed width has its lines re-joined
(CJK-aware, via :func:`ingest.textutil.join_lines`), otherwise each line keeps its own line
inside the paragraph; lines starting with a list marker become LIST blocks. Markdown is parsed
with markdown-it-py (CommonMark + tables): headings build the section path, list items keep
their marker, code blocks stay as they are, front matter only gives the title.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import lxml.html
from markdown_it import MarkdownIt

from ingest.blocks import Block, BlockKind, ParseError, ParseResult
from ingest.textutil import LineHyphens, is_cjk, join_lines

MAX_BYTES = 20 * 1024 * 1024  # a larger .txt is a log or a dump; index its beginning only

_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

# "标题：X", "Title: X": the first line of many exported documents names them.
_TITLE_LINE = re.compile(r"^\s*(?:标题|題目|题目|名称|文件名称|title|subject)\s*[:：]\s*(\S.*?)\s*$", re.I)

# A line that starts a list item or a numbered clause ("- x", "1. x", "(1)", "一、", "第三条").
_LIST_MARKER = re.compile(
    r"""^\s*(?:
        [-*+•·●○■□◆◇▪–]\s+
      | \d{1,3}(?:[.．](?!\d)|[)）、])
      | [（(](?:\d{1,3}|[一二三四五六七八九十]{1,3})[)）]
      | [一二三四五六七八九十]{1,3}、
      | [①-⑳]
      | [a-zA-Z][.)]\s+
      | 第[一二三四五六七八九十百零〇\d]+[条章节款]
    )""",
    re.X,
)
_SENTENCE_END = tuple("。！？!?.:：;；")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def read_text_file(path: Path) -> tuple[str, list[str]]:
    """The file's text (at most MAX_BYTES of it, cut at a line end) and what to warn about."""
    warnings: list[str] = []
    with Path(path).open("rb") as fh:
        data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        data = data[: data.rfind(b"\n", 0, MAX_BYTES) + 1 or MAX_BYTES]  # cut at a line end
        warnings.append(f"file larger than {MAX_BYTES // (1024 * 1024)} MB: only its beginning was read")
    return decode_text(data), warnings


def parse(path: Path) -> ParseResult:
    path = Path(path)
    text, warnings = read_text_file(path)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    if path.suffix.lower() in (".md", ".markdown"):
        blocks, title = _parse_markdown(text)
    else:
        blocks, title = _parse_plain(text), _label_title(text)
    return ParseResult(blocks=blocks, title=title or path.stem, warnings=warnings)


# -- decoding -------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """Decode by BOM, else UTF-8, else GB18030; reject binary data and unknown encodings."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _check_not_binary(data[len(bom) :].decode(encoding))
            except UnicodeDecodeError as exc:
                raise ParseError("unknown text encoding") from exc
    if b"\x00" in data:
        raise ParseError("binary data, not text")
    try:
        return _check_not_binary(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ParseError("unknown text encoding") from exc
    # GB18030 accepts most byte pairs, so a cp1252 or Shift-JIS file also "decodes": believe
    # it only when what comes out is Chinese.
    non_ascii = [c for c in text if ord(c) > 127]
    if non_ascii and sum(1 for c in non_ascii if is_cjk(c)) < 0.8 * len(non_ascii):
        raise ParseError("unknown text encoding")
    return _check_not_binary(text)


def _check_not_binary(text: str) -> str:
    controls = sum(1 for c in text if c < " " and c not in "\t\n\r\f\v\x1b")
    if "\x00" in text or controls > max(8, len(text) // 100):
        raise ParseError("binary data, not text")
    return text


# -- plain text -----------------------------------------------------------------------------


def _label_title(text: str) -> str | None:
    for line in text.split("\n"):
        if line.strip():
            match = _TITLE_LINE.match(line)
            return match.group(1) if match else None
    return None


def _paragraphs(text: str) -> list[list[str]]:
    paragraphs: list[list[str]] = [[]]
    for line in text.split("\n"):
        line = " ".join(line.split())  # tabs and runs of spaces -> one space
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [p for p in paragraphs if p]


def _display_width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def is_hard_wrapped(paragraphs: list[list[str]]) -> bool:
    """True when lines were broken at a fixed width (an e-mail, a terminal export).

    Lines that continue onto another line of the same paragraph are then mostly of nearly the
    same display width, and mostly do not end a sentence; files with one paragraph or sentence
    per line (most exports) have widely varying widths or end every line with punctuation.
    """
    inner = near = open_ended = 0
    for para in paragraphs:
        if len(para) < 2:
            continue
        wrap_width = max(_display_width(line) for line in para)  # each paragraph its own width
        for line in para[:-1]:
            if _LIST_MARKER.match(line):
                continue
            inner += 1
            near += wrap_width <= 160 and _display_width(line) >= 0.85 * wrap_width
            open_ended += not line.endswith(_SENTENCE_END)
    if inner < 6:
        return False  # too little evidence: a few short header lines are not a wrapped text
    return near >= 0.7 * inner and open_ended >= 0.5 * inner


def _parse_plain(text: str) -> list[Block]:
    paragraphs = _paragraphs(text)
    wrapped = is_hard_wrapped(paragraphs)
    hyphens = LineHyphens([line for lines in paragraphs for line in lines]) if wrapped else None
    blocks: list[Block] = []

    def flush(lines: list[str], kind: BlockKind, group: int) -> None:
        body = join_lines(lines, hyphens) if wrapped else "\n".join(lines)
        if body.strip():
            blocks.append(Block(text=body, kind=kind, group=group))
        lines.clear()

    for group, para in enumerate(paragraphs):
        current: list[str] = []
        kind = BlockKind.PARAGRAPH
        for line in para:
            if _LIST_MARKER.match(line):
                flush(current, kind, group)
                current, kind = [line], BlockKind.LIST
            elif kind is BlockKind.LIST and not wrapped:
                flush(current, kind, group)  # unwrapped text: the next line is not the item's continuation
                current, kind = [line], BlockKind.PARAGRAPH
            else:
                current.append(line)
        flush(current, kind, group)
    return blocks


# -- Markdown -------------------------------------------------------------------------------


def _front_matter_title(front: str) -> str | None:
    try:
        import yaml  # PyYAML: optional; a plain "title:" line is read without it

        meta = yaml.safe_load(front)
        if isinstance(meta, dict) and meta.get("title") is not None:
            return str(meta["title"]).strip() or None
        return None
    except ImportError:
        match = re.search(r"^title\s*:\s*['\"]?(.*?)['\"]?\s*$", front, re.M)
        return (match.group(1) or None) if match else None
    except Exception:  # noqa: BLE001 - malformed YAML: no title from it, the text is still read
        return None


def _inline_text(token) -> str:
    """Plain text of an inline token: markup dropped, soft breaks re-joined, hard breaks kept."""
    segments: list[list[str]] = [[""]]
    for child in token.children or []:
        if child.type in ("text", "code_inline", "image"):  # an image contributes its alt text
            segments[-1][-1] += child.content
        elif child.type == "softbreak":
            segments[-1].append("")
        elif child.type == "hardbreak":
            segments.append([""])
    return "\n".join(join_lines(lines) for lines in segments).strip()


def _html_text(html: str) -> str:
    if not html.strip() or html.lstrip().startswith("<!--"):
        return ""
    try:
        return " ".join(lxml.html.fragment_fromstring(html, create_parent="div").text_content().split())
    except Exception:  # noqa: BLE001 - unparsable HTML fragment: keep nothing rather than tags
        return ""


def _parse_markdown(text: str) -> tuple[list[Block], str | None]:
    title = None
    match = _FRONT_MATTER.match(text)
    if match:
        title = _front_matter_title(match.group(1))
        text = text[match.end() :]
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    blocks: list[Block] = []
    headings: list[tuple[int, str]] = []
    lists: list[str] = []  # marker of the open item at each list depth ("" once used)
    first_h1: str | None = None
    table_header: list[str] = []
    row: list[str] = []

    def path() -> tuple[str, ...]:
        return tuple(h for _, h in headings)

    for i, tok in enumerate(tokens):
        kind = tok.type
        if kind == "heading_open":
            level, heading = int(tok.tag[1:]), _inline_text(tokens[i + 1])
            if not heading:
                continue
            while headings and headings[-1][0] >= level:
                headings.pop()
            headings.append((level, heading))
            first_h1 = first_h1 or (heading if level == 1 else None)
            blocks.append(Block(text=heading, kind=BlockKind.HEADING, section_path=path()))
        elif kind in ("bullet_list_open", "ordered_list_open"):
            lists.append("")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open" and lists:
            lists[-1] = f"{tok.info}{tok.markup}" if tok.info else "-"
        elif kind == "paragraph_open":
            body = _inline_text(tokens[i + 1])
            if body and lists:
                marker, lists[-1] = lists[-1], ""
                blocks.append(Block(text=f"{marker} {body}" if marker else body, kind=BlockKind.LIST, section_path=path()))
            elif body:
                blocks.append(Block(text=body, kind=BlockKind.PARAGRAPH, section_path=path()))
        elif kind in ("fence", "code_block") and tok.content.strip():
            blocks.append(Block(text=tok.content.rstrip("\n"), kind=BlockKind.PARAGRAPH, section_path=path()))
        elif kind == "html_block" and (html := _html_text(tok.content)):
            blocks.append(Block(text=html, kind=BlockKind.PARAGRAPH, section_path=path()))
        elif kind == "table_open":
            table_header = []
        elif kind == "tr_open":
            row = []
        elif kind in ("th_open", "td_open"):
            row.append(_inline_text(tokens[i + 1]))
        elif kind == "tr_close" and tokens[i - 1].type == "th_close":
            table_header = row
        elif kind == "tr_close" and any(row):
            pairs = [
                f"{table_header[j]}: {cell}" if j < len(table_header) and table_header[j] else cell
                for j, cell in enumerate(row)
                if cell
            ]
            blocks.append(
                Block(text="; ".join(pairs), kind=BlockKind.TABLE, section_path=path(), header=tuple(table_header))
            )
    return blocks, title or first_h1 or _label_title(text)
