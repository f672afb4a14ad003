"""The parser's child process must hand back exactly what the parser produced."""
from pathlib import Path

import pytest

from ingest.isolation import parse_isolated
from ingest.parsers import parse_file


@pytest.mark.parametrize("kind", ["txt", "md", "docx", "xlsx"])
def test_isolated_parse_returns_every_field_of_every_block(corpus: dict[str, Path], kind: str):
    assert parse_isolated(corpus[kind], timeout_s=60) == parse_file(corpus[kind])


def test_paragraph_groups_survive_the_process_boundary(tmp_path: Path):
    """Blocks of one plain-text paragraph carry a group the chunker keeps together; it was
    once dropped on the way back from the child, silently undoing that rule."""
    path = tmp_path / "notice.txt"
    path.write_text("招生简章\n\n一、招生对象\n（一）应届高中毕业生；\n（二）成绩优秀。\n\n二、报名时间\n3月1日至3月15日。\n",
                    encoding="utf-8")
    groups = [b.group for b in parse_isolated(path, timeout_s=60).blocks]
    assert groups == [b.group for b in parse_file(path).blocks]
    assert any(g is not None for g in groups) and len(set(groups)) > 1


def test_a_page_span_survives_the_process_boundary(tmp_path: Path):
    from tests.ingest.parsers.pdf_samples import make_pdf

    path = make_pdf(tmp_path / "cut.pdf", [
        ["Members who travel abroad keep their coverage for emergency care, and the plan pays the"],
        ["same share of the allowed amount as it would at home for any hospital in the network."],
    ])
    isolated = parse_isolated(path, timeout_s=60)
    assert isolated == parse_file(path)
    assert [(b.page, b.page_end) for b in isolated.blocks] == [(1, 2)]
