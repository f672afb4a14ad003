"""Plain text and Markdown parser: encodings, paragraphs, lists, headings, titles."""
from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from ingest.blocks import BlockKind, ParseError
from ingest.parsers import parse_file
from ingest.parsers.text import parse

PASSAGES = Path(__file__).resolve().parents[3].parent / "shared" / "eval" / "domainrag_zh" / "docs" / "passages"

LEAVE_ZH = "标题：年假管理办法\n\n第一条 员工每年享有带薪年假。\n\n第二条 年假须提前申请。\n"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_utf8_bom(tmp_path: Path) -> None:
    result = parse(_write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + LEAVE_ZH.encode("utf-8")))
    assert result.title == "年假管理办法"  # the BOM does not hide the "标题：" label
    assert [b.text for b in result.blocks] == ["标题：年假管理办法", "第一条 员工每年享有带薪年假。", "第二条 年假须提前申请。"]


def test_gbk_encoded_chinese(tmp_path: Path) -> None:
    result = parse(_write(tmp_path, "gbk.txt", LEAVE_ZH.encode("gbk")))
    assert result.blocks[1].text == "第一条 员工每年享有带薪年假。"


def test_utf16_with_bom(tmp_path: Path) -> None:
    result = parse(_write(tmp_path, "u16.txt", "\ufeffTitle: Leave\n\nAnnual leave is 10 days.\n".encode("utf-16-le")))
    assert result.title == "Leave"
    assert result.blocks[-1].text == "Annual leave is 10 days."


def test_binary_rejected(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match=r"^binary data, not text$"):
        parse(_write(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))))


def test_unknown_encoding(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match=r"^unknown text encoding$"):
        parse(_write(tmp_path, "latin1.txt", "Café résumé, naïve façade.\n".encode("latin-1")))


def test_paragraphs_split_on_blank_lines_lines_kept(tmp_path: Path) -> None:
    text = "Policy overview\nApplies to all staff.\n\n   \nSecond paragraph.\n"
    result = parse(_write(tmp_path, "notes.txt", text.encode()))
    assert [b.text for b in result.blocks] == ["Policy overview\nApplies to all staff.", "Second paragraph."]
    assert all(b.kind is BlockKind.PARAGRAPH for b in result.blocks)
    assert result.title == "notes"  # no label line: the file stem


def test_hard_wrapped_text_rejoined(tmp_path: Path) -> None:
    english = (
        "Employees must request leave through the HR portal at least two weeks in advance, "
        "except in emergencies, and managers approve or decline requests within three working "
        "days so that teams can plan their work. "
    ) * 3
    chinese = "员工每年享有带薪年假，年假天数根据累计工作年限确定：已满一年不满十年的，年休假五天；已满十年的，年休假十天。" * 3
    wrapped_zh = "\n".join(chinese[i : i + 30] for i in range(0, len(chinese), 30))
    body = textwrap.fill(english, 72) + "\n\n" + wrapped_zh + "\n\n- first item\n- second item\n"
    result = parse(_write(tmp_path, "wrapped.txt", body.encode()))
    assert [b.text for b in result.blocks] == [english.strip(), chinese, "- first item", "- second item"]
    assert [b.kind for b in result.blocks][-2:] == [BlockKind.LIST, BlockKind.LIST]


def test_list_markers_start_their_own_blocks(tmp_path: Path) -> None:
    text = "报名条件如下：\n一、年满十八周岁\n（1）身体健康\n2. 无违纪记录\n第三条 其他要求\n3.5 万元以下不需审批\n"
    result = parse(_write(tmp_path, "rules.txt", text.encode()))
    assert [(b.kind, b.text) for b in result.blocks] == [
        (BlockKind.PARAGRAPH, "报名条件如下："),
        (BlockKind.LIST, "一、年满十八周岁"),
        (BlockKind.LIST, "（1）身体健康"),
        (BlockKind.LIST, "2. 无违纪记录"),
        (BlockKind.LIST, "第三条 其他要求"),
        (BlockKind.PARAGRAPH, "3.5 万元以下不需审批"),  # a decimal number is not a list marker
    ]


def test_blocks_of_one_blank_line_paragraph_share_a_group(tmp_path: Path) -> None:
    text = "标题：招生简章\n\n报名条件如下：\n一、年满十八周岁\n二、身体健康\n\n第二段。\n"
    result = parse(_write(tmp_path, "rules.txt", text.encode()))
    assert [(b.text, b.group) for b in result.blocks] == [
        ("标题：招生简章", 0), ("报名条件如下：", 1), ("一、年满十八周岁", 1), ("二、身体健康", 1), ("第二段。", 2),
    ]


MARKDOWN = """---
title: "Leave Policy: 2024"
owner: HR
---
Intro with **bold** and a [link](https://example.org).

# 第一章 总则

第一条 为了规范管理，
制定本制度。

## 第二节 年假

1. 员工每年享有
   带薪年假。
2. Second item
   - nested bullet

Setext Heading
--------------

```
code line 1

code line 2
```

| 级别 | 天数 |
|------|------|
| P5   | 10   |
"""


def test_markdown_sections_lists_code_tables(tmp_path: Path) -> None:
    result = parse(_write(tmp_path, "policy.md", MARKDOWN.encode()))
    assert result.title == "Leave Policy: 2024"
    got = [(b.kind, b.section_path, b.text) for b in result.blocks]
    chapter = ("第一章 总则",)
    assert got == [
        (BlockKind.PARAGRAPH, (), "Intro with bold and a link."),
        (BlockKind.HEADING, chapter, "第一章 总则"),
        (BlockKind.PARAGRAPH, chapter, "第一条 为了规范管理，制定本制度。"),
        (BlockKind.HEADING, chapter + ("第二节 年假",), "第二节 年假"),
        (BlockKind.LIST, chapter + ("第二节 年假",), "1. 员工每年享有带薪年假。"),
        (BlockKind.LIST, chapter + ("第二节 年假",), "2. Second item"),
        (BlockKind.LIST, chapter + ("第二节 年假",), "- nested bullet"),
        (BlockKind.HEADING, chapter + ("Setext Heading",), "Setext Heading"),
        (BlockKind.PARAGRAPH, chapter + ("Setext Heading",), "code line 1\n\ncode line 2"),
        (BlockKind.TABLE, chapter + ("Setext Heading",), "级别: P5; 天数: 10"),
    ]
    assert not any("owner" in b.text or "title:" in b.text for b in result.blocks)  # front matter not indexed


def test_markdown_title_from_first_h1_then_stem(tmp_path: Path) -> None:
    assert parse(_write(tmp_path, "a.md", b"Some intro.\n\n# Travel Rules\n\n## Hotels\n")).title == "Travel Rules"
    assert parse(_write(tmp_path, "b.md", b"## Only level two\n\ntext\n")).title == "b"
    assert parse(_write(tmp_path, "c.markdown", "Title: 差旅制度\n\n正文。\n".encode())).title == "差旅制度"


def test_registry_dispatches_text(tmp_path: Path) -> None:
    assert parse_file(_write(tmp_path, "x.md", b"# Hi\n\nbody\n")).title == "Hi"


@pytest.mark.skipif(not PASSAGES.is_dir(), reason="domainrag_zh passages not present")
def test_every_domainrag_passage_file_parses_fast() -> None:
    files = sorted(PASSAGES.glob("*.txt"))
    assert len(files) >= 400
    start = time.perf_counter()
    results = [parse(path) for path in files]
    assert time.perf_counter() - start < 10
    for path, result in zip(files, results):
        assert result.title.strip(), path.name
        assert result.blocks and all(b.text.strip() for b in result.blocks), path.name
    # these exports name themselves on their first line ("标题：...")
    assert sum(1 for path, r in zip(files, results) if r.title != path.stem) >= 0.9 * len(files)
