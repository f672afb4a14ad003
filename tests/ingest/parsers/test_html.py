"""HTML pages: headings as the section path, paragraphs, lists and tables in reading order,
menus and scripts left out, encodings."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.blocks import BlockKind, ParseError
from ingest.parsers import parse_file

REGULATION = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>员工考勤管理办法</title>
<script>var tracking = "not content";</script><style>p { color: red }</style></head>
<body><nav><a href="/">首页</a> | <a href="/about">关于我们</a></nav>
<main>
<h1>员工考勤管理办法</h1>
<h2>第一章 总则</h2>
<p>第一条 为规范公司考勤管理，
   根据国家有关规定，制定本办法。</p>
<h2>第二章 休假</h2>
<p>第十二条 员工连续工作满12个月以上的，享受带薪年休假：</p>
<ol start="3"><li>已满1年不满10年的，年假5天；</li><li>已满10年不满20年的，年假<b>10天</b>；</li></ol>
<table><thead><tr><th>假别</th><th>天数</th><th>工资</th></tr></thead>
<tbody><tr><td>婚假</td><td>10天</td><td rowspan="2">照发</td></tr><tr><td>丧假</td><td>3天</td></tr></tbody></table>
<p>Contact HR at <a href="mailto:hr@example.com">hr@example.com</a>.<br>Phone: 8110</p>
</main><footer>© 2025 Example Ltd.</footer></body></html>"""


def _page(tmp_path: Path, html: str, name: str = "page.html", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(html.encode(encoding))
    return path


def test_a_page_reads_in_order_with_its_heading_path(tmp_path: Path) -> None:
    result = parse_file(_page(tmp_path, REGULATION))
    assert result.title == "员工考勤管理办法"
    got = [(b.kind, b.section_path[1:], b.text) for b in result.blocks]
    assert got == [
        (BlockKind.HEADING, (), "员工考勤管理办法"),
        (BlockKind.HEADING, ("第一章 总则",), "第一章 总则"),
        # a source line break between CJK characters joins them; a space on one line stays
        (BlockKind.PARAGRAPH, ("第一章 总则",), "第一条 为规范公司考勤管理，根据国家有关规定，制定本办法。"),
        (BlockKind.HEADING, ("第二章 休假",), "第二章 休假"),
        (BlockKind.PARAGRAPH, ("第二章 休假",), "第十二条 员工连续工作满12个月以上的，享受带薪年休假："),
        (BlockKind.LIST, ("第二章 休假",), "3. 已满1年不满10年的，年假5天；"),  # <ol start="3">
        (BlockKind.LIST, ("第二章 休假",), "4. 已满10年不满20年的，年假10天；"),
        (BlockKind.TABLE, ("第二章 休假",), "假别: 婚假; 天数: 10天; 工资: 照发"),
        (BlockKind.TABLE, ("第二章 休假",), "假别: 丧假; 天数: 3天; 工资: 照发"),  # rowspan repeated
        (BlockKind.PARAGRAPH, ("第二章 休假",), "Contact HR at hr@example.com.\nPhone: 8110"),  # <br> kept
    ]
    everything = " ".join(b.text for b in result.blocks)
    assert "首页" not in everything and "tracking" not in everything and "color" not in everything
    assert "2025 Example" not in everything  # outside <main>


def test_without_main_the_body_is_read_and_nested_lists_are_items(tmp_path: Path) -> None:
    html = ("<html><body><h2>Leave</h2><ul><li>Annual leave<ul><li>25 days</li></ul></li><li>Sick leave</li></ul>"
            "<div>Plain <span>div</span> text<div>inner block</div>tail text</div>"
            "<pre>$ docqa ingest policies/\n$ docqa ask \"How many days?\"</pre>"
            "<footer>Questions: HR, extension 8110</footer></body></html>")
    blocks = parse_file(_page(tmp_path, html, "leave.htm")).blocks
    assert [(b.kind, b.text) for b in blocks] == [
        (BlockKind.HEADING, "Leave"),
        (BlockKind.LIST, "• Annual leave"),
        (BlockKind.LIST, "• 25 days"),
        (BlockKind.LIST, "• Sick leave"),
        (BlockKind.PARAGRAPH, "Plain div text"),
        (BlockKind.PARAGRAPH, "inner block"),
        (BlockKind.PARAGRAPH, "tail text"),
        (BlockKind.PARAGRAPH, '$ docqa ingest policies/\n$ docqa ask "How many days?"'),  # <pre> keeps its lines
        (BlockKind.PARAGRAPH, "Questions: HR, extension 8110"),
    ]
    assert parse_file(tmp_path / "leave.htm").title == "leave"  # no <title>, no <h1>: the file's name


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_a_page_that_names_no_encoding(tmp_path: Path, encoding: str) -> None:
    html = "<html><body><h1>差旅管理规定</h1><p>住宿标准：一类城市每晚800元。</p></body></html>"
    result = parse_file(_page(tmp_path, html, encoding=encoding))
    assert result.title == "差旅管理规定"
    assert [b.text for b in result.blocks] == ["差旅管理规定", "住宿标准：一类城市每晚800元。"]


def test_a_page_with_nothing_to_read_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="no text to index"):
        parse_file(_page(tmp_path, "<html><head><script>x()</script></head><body><nav>Home</nav></body></html>"))


def test_a_paragraph_of_a_number_is_kept_and_an_empty_list_item_is_not(tmp_path: Path) -> None:
    html = "<h2>Budget</h2><p>Total for the year:</p><p>2025</p><ol><li></li><li>Second item</li></ol>"
    assert [b.text for b in parse_file(_page(tmp_path, html)).blocks] == [
        "Budget", "Total for the year:", "2025", "2. Second item"]
