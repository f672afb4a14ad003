from dataclasses import replace

import pytest

from ingest.blocks import Block, BlockKind, ParseResult
from ingest.chunking import ChunkerConfig, chunk_document, estimate_tokens
from ingest.settings import Settings, SettingsError


def _doc(blocks, title="Handbook"):
    return ParseResult(blocks=blocks, title=title)


def test_chunks_never_cross_pages_and_carry_page_numbers():
    blocks = [Block(f"Sentence {i} on page one is here.", page=1) for i in range(5)]
    blocks += [Block(f"Sentence {i} on page two is here.", page=2) for i in range(10)]
    chunks = chunk_document(_doc(blocks), "k", config=ChunkerConfig(max_tokens=400))
    assert [(c.page_start, c.page_end) for c in chunks] == [(1, 1), (2, 2)]
    assert chunks[0].text.startswith("Handbook\n")  # context prefix
    assert not chunks[0].body.startswith("Handbook")  # body is the document's own words


def test_a_paragraph_running_over_a_page_break_gives_its_chunk_both_pages():
    blocks = [Block("Sentence one on page one. The rule goes on over the page break and ends here.", page=1, page_end=2)]
    blocks += [Block(f"Sentence {i} on page two is here.", page=2) for i in range(3)]
    chunks = chunk_document(_doc(blocks), "k")
    assert [(c.page_start, c.page_end) for c in chunks] == [(1, 2), (2, 2)]


def test_token_bound_sentence_packing_with_overlap():
    sentences = [f"This is sentence number {i} of the policy." for i in range(40)]
    chunks = chunk_document(_doc([Block(" ".join(sentences), page=1)]), "k", config=ChunkerConfig(60, 15))
    assert len(chunks) > 3
    for c in chunks:
        assert c.token_count <= 60 + 5  # prefix budgeted; estimate may round
        assert c.body.endswith(".")  # cut at sentence boundaries
    # overlap: the last sentence of one chunk opens the next
    first_last = chunks[0].body.split(". ")[-1]
    assert chunks[1].body.startswith(first_last.rstrip("."))


def test_rows_never_split_and_row_ranges_kept():
    rows = [
        Block(f"City tier: {i}; Lodging cap: {100 + i}; Meals: 50", BlockKind.ROW, sheet="Per diem", row_range=(i + 3, i + 3),
              header=("City tier", "Lodging cap", "Meals"), title="Daily allowance")
        for i in range(30)
    ]
    chunks = chunk_document(_doc(rows, "Rates"), "k", config=ChunkerConfig(80, 10))
    assert len(chunks) > 1
    seen = []
    for c in chunks:
        assert c.sheet == "Per diem"
        assert c.text.startswith("Rates | Per diem | Daily allowance\n")
        lines = c.body.split("\n")
        assert all(line.startswith("City tier:") for line in lines)  # whole rows only
        assert c.row_end - c.row_start + 1 == len(lines)
        seen.extend(range(c.row_start, c.row_end + 1))
    assert seen == list(range(3, 33))  # every row exactly once, no overlap for rows


def test_section_path_in_prefix_and_field_and_title_not_repeated():
    blocks = [
        Block("Security Policy", BlockKind.HEADING, section_path=("Security Policy",)),
        Block("第三章 账号 > ignored", BlockKind.HEADING, section_path=("Security Policy", "第三章 账号")),
        Block("密码长度不少于12位。", section_path=("Security Policy", "第三章 账号")),
    ]
    chunks = chunk_document(_doc(blocks, "Security Policy"), "k")
    last = chunks[-1]
    assert last.section == "Security Policy > 第三章 账号"
    assert last.text.splitlines()[0] == "Security Policy | 第三章 账号"


def test_chunk_context_chooses_what_the_indexed_text_carries_and_never_touches_the_body():
    blocks = [
        Block("Leave", BlockKind.HEADING, section_path=("Leave",)),
        Block("Annual leave is ten days a year.", page=2, section_path=("Leave",)),
    ]
    by_context = {
        context: chunk_document(_doc(blocks, "Handbook"), "k", config=ChunkerConfig(context=context))[-1]
        for context in ("section", "names", "none")
    }
    body = by_context["none"].body
    assert body.endswith("Annual leave is ten days a year.")
    assert by_context["section"].text == "Handbook | Leave\n" + body
    assert by_context["names"].text == "Handbook\n" + body
    assert by_context["none"].text == body
    # provenance and the shown words are the same whatever the indexed text carries
    assert {(c.body, c.section, c.page_start) for c in by_context.values()} == {(body, "Leave", 2)}


def test_ids_stable_and_content_sensitive():
    blocks = [Block("年假天数按工龄计算。满一年不满十年的，年假五天。", page=3)]
    a = chunk_document(_doc(blocks), "hash1")
    b = chunk_document(_doc(blocks), "hash1")
    c = chunk_document(_doc([Block("年假天数按工龄计算。满一年不满十年的，年假六天。", page=3)]), "hash1")
    assert [x.id for x in a] == [x.id for x in b]
    assert a[0].id != c[0].id


def test_long_sentence_without_punctuation_is_cut_not_lost():
    text = "字" * 1000
    chunks = chunk_document(_doc([Block(text, page=1)], ""), "k", config=ChunkerConfig(100, 0))
    assert "".join(c.body for c in chunks) == text
    assert all(estimate_tokens(c.body) <= 101 for c in chunks)


def test_paragraphs_that_fit_are_not_split_and_headings_stay_with_their_text():
    para = lambda i: Block(" ".join(f"Rule {i}.{j} applies to all staff." for j in range(6)), page=1)  # noqa: E731
    blocks = [para(1), Block("Chapter 2 Leave", BlockKind.HEADING, page=1), para(2), para(3)]
    chunks = chunk_document(_doc(blocks, ""), "k", config=ChunkerConfig(max_tokens=85, overlap_tokens=10))
    bodies = [c.body for c in chunks]
    for i in (1, 2, 3):
        holders = [b for b in bodies if f"Rule {i}.0" in b]
        assert len(holders) == 1 and f"Rule {i}.5" in holders[0]  # each paragraph whole, once
    assert any(b.startswith("Chapter 2 Leave\nRule 2.0") for b in bodies)
    assert not any(b.rstrip().endswith("Chapter 2 Leave") for b in bodies)


def test_context_title_adds_a_meaningful_file_name():
    from ingest.chunking import context_title

    assert context_title("Contoso Electronics", "Northwind_Standard_Benefits_Details.pdf") == (
        "Northwind Standard Benefits Details · Contoso Electronics"
    )
    assert context_title("中法那些事儿", "159.txt") == "中法那些事儿"
    assert context_title("Travel Policy", "travel-policy.pdf") == "Travel Policy"
    assert context_title("", "员工手册.docx") == "员工手册"
    assert context_title("Report", "3f2a9c1d7e4b.pdf") == "Report"



def test_blocks_of_one_source_paragraph_are_kept_together():
    # A plain-text passage whose lines start with clause markers: several blocks, one group.
    lines = ["二、开学典礼", "第二天，我们举行了隆重的开学典礼。" * 3, "（三）三语教学", "中法学院用汉语、法语、英语三语教学。" * 2]
    filler = Block("前面的段落讲述了校园的环境和生活。" * 2, group=0)
    grouped = [Block(t, BlockKind.LIST if i % 2 == 0 else BlockKind.PARAGRAPH, group=1) for i, t in enumerate(lines)]
    budget = sum(estimate_tokens(t) for t in lines) + 5  # the passage fits alone, not after the filler
    chunks = chunk_document(_doc([filler, *grouped], ""), "k", config=ChunkerConfig(budget, 10))
    assert [c.body.split("\n") for c in chunks] == [[filler.text], lines]
    # Without the group the same blocks fill the first chunk and the passage is cut in two.
    ungrouped = [Block(b.text, b.kind) for b in grouped]
    split = chunk_document(_doc([Block(filler.text), *ungrouped], ""), "k", config=ChunkerConfig(budget, 10))
    assert len(split) == 2 and split[0].body.startswith(filler.text) and "二、开学典礼" in split[0].body


def test_a_lead_in_stays_with_its_list_unless_together_they_are_too_long():
    intro = Block("Staff may claim these expenses without approval:", page=1)
    items = [Block(f"- Item {i}: taxi fares up to 30 euros per trip.", BlockKind.LIST, page=1) for i in range(3)]
    filler = Block("Travel must be booked through the portal. " * 3, page=1)
    list_tokens = estimate_tokens(intro.text) + sum(estimate_tokens(b.text) for b in items)
    budget = list_tokens + 6  # the list fits alone, not after the filler
    chunks = chunk_document(_doc([filler, intro, *items], ""), "k", config=ChunkerConfig(budget, 10))
    assert [c.body.count("- Item") for c in chunks] == [0, 3] and chunks[1].body.startswith(intro.text)
    # Too long to keep together: each block is packed as a paragraph of its own, as before.
    long_items = [Block(f"- Item {i}: taxi fares up to 30 euros per trip.", BlockKind.LIST, page=1) for i in range(12)]
    chunks = chunk_document(_doc([intro, *long_items], ""), "k", config=ChunkerConfig(budget, 10))
    bodies = "\n".join(c.body for c in chunks)
    assert len(chunks) > 1 and all(bodies.count(f"- Item {i}:") == 1 for i in range(12))  # no overlap copies


def test_a_heading_without_body_joins_the_next_section_instead_of_standing_alone():
    blocks = [
        Block("Leave", BlockKind.HEADING, page=3, section_path=("Leave",)),
        Block("Annual Leave", BlockKind.HEADING, page=4, section_path=("Leave", "Annual Leave")),
        Block("Annual leave is booked in the staff portal.", page=4, section_path=("Leave", "Annual Leave")),
        Block("Sick Leave", BlockKind.HEADING, page=4, section_path=("Leave", "Sick Leave")),
        Block("Tell your manager before ten o'clock.", page=4, section_path=("Leave", "Sick Leave")),
        Block("Rates", BlockKind.HEADING, page=5, section_path=("Rates",)),
        Block("Tier: 1; Cap: 100", BlockKind.ROW, page=5, section_path=("Rates", "Per diem")),
    ]
    chunks = chunk_document(_doc(blocks), "k")
    bodies = [(c.body, c.page_start, c.section) for c in chunks]
    assert bodies[0] == ("Leave\nAnnual Leave\nAnnual leave is booked in the staff portal.", 4, "Leave > Annual Leave")
    assert bodies[1][0].startswith("Sick Leave") and bodies[1][2] == "Leave > Sick Leave"
    # before table rows a heading keeps its own chunk: rows are packed apart from prose
    assert [b for b, _, _ in bodies[2:]] == ["Rates", "Tier: 1; Cap: 100"]


def test_a_heading_the_next_heading_repeats_is_not_kept_twice():
    blocks = [
        Block("Ambulance", BlockKind.HEADING, page=2, section_path=("COVERED SERVICES", "Ambulance")),
        Block("COVERED SERVICES: Ambulance", BlockKind.HEADING, page=2, section_path=("COVERED SERVICES: Ambulance",)),
        Block("Ground ambulance transport is covered when it is medically necessary.", page=2,
              section_path=("COVERED SERVICES: Ambulance",)),
        Block("Leave", BlockKind.HEADING, page=3, section_path=("Leave",)),
        Block("Annual Leave", BlockKind.HEADING, page=3, section_path=("Leave", "Annual Leave")),
        Block("Annual leave is booked in the staff portal.", page=3, section_path=("Leave", "Annual Leave")),
    ]
    bodies = [c.body for c in chunk_document(_doc(blocks), "k")]
    assert bodies[0] == "COVERED SERVICES: Ambulance\nGround ambulance transport is covered when it is medically necessary."
    # a parent over its child is not a repeat
    assert bodies[1] == "Leave\nAnnual Leave\nAnnual leave is booked in the staff portal."


def test_a_lead_in_at_the_foot_of_a_page_goes_with_the_list_overleaf():
    section = ("Care", "Tips")
    blocks = [
        Block("Care plans are agreed with your doctor before treatment starts.", page=56, section_path=section),
        Block("Tips", BlockKind.HEADING, page=56, section_path=section),
        Block("To manage the symptoms, the plan recommends the following tips:", page=56, section_path=section),
        Block("• Keep a good posture when sitting.", BlockKind.LIST, page=57, section_path=section),
        Block("• Avoid chewing gum.", BlockKind.LIST, page=57, section_path=section),
    ]
    chunks = chunk_document(_doc(blocks), "k")
    assert [(c.page_start, c.page_end) for c in chunks] == [(56, 56), (56, 57)]
    assert chunks[0].body == "Care plans are agreed with your doctor before treatment starts."
    assert chunks[1].body.startswith("Tips\nTo manage the symptoms") and chunks[1].body.endswith("Avoid chewing gum.")
    # not over a page break into another section, nor onto a heading: each stays where it is
    other = [replace(b, section_path=("Care", "Costs")) if b.page == 57 else b for b in blocks]
    assert chunk_document(_doc(other), "k")[0].body.endswith("the following tips:")
    headed = blocks[:3] + [Block("Costs", BlockKind.HEADING, page=57, section_path=section)] + blocks[3:]
    assert chunk_document(_doc(headed), "k")[0].body.endswith("the following tips:")


def test_a_chunk_full_before_a_list_does_not_end_on_its_lead_in():
    filler = Block(" ".join(f"Claims are paid within {i} days of approval." for i in range(10, 16)), page=3)
    lead_in = Block("Out-of-network copays:", page=3)
    rest = Block(" ".join(f"Visit type {i} costs more out of network than in network." for i in range(8)), page=3)
    budget = estimate_tokens(filler.text) + estimate_tokens(lead_in.text) + 4  # filler and lead-in fit, no more
    chunks = chunk_document(_doc([filler, lead_in, rest], ""), "k", config=ChunkerConfig(budget, 10))
    assert not any(c.body.rstrip().endswith(":") for c in chunks)
    assert sum(c.body.count("Out-of-network copays:") for c in chunks) == 1
    assert any(c.body.startswith("Out-of-network copays:\nVisit type 0") for c in chunks)


def test_names_context_keeps_the_sheet_and_table_names_of_rows():
    row = Block("City: Shanghai; Hotel cap: 800", BlockKind.ROW, sheet="2024 rates", row_range=(2, 2),
                header=("City", "Hotel cap"), title="Hotel caps", section_path=("Travel", "Lodging"))
    (names,) = chunk_document(_doc([row], "Travel policy"), "k", config=ChunkerConfig(context="names"))
    (full,) = chunk_document(_doc([row], "Travel policy"), "k", config=ChunkerConfig(context="section"))
    assert names.text.splitlines()[0] == "Travel policy | 2024 rates | Hotel caps"
    assert full.text.splitlines()[0] == "Travel policy | 2024 rates | Travel > Lodging | Hotel caps"


def test_chunk_context_setting_takes_only_known_values():
    assert Settings().chunk_context == ChunkerConfig().context == "section"
    assert Settings.load({"DOCQA_CHUNK_CONTEXT": "none"}).chunk_context == "none"
    with pytest.raises(SettingsError, match="DOCQA_CHUNK_CONTEXT='headings' is not one of section, names, none"):
        Settings.load({"DOCQA_CHUNK_CONTEXT": "headings"})
