from ingest.blocks import Block, BlockKind
from ingest.chunking import estimate_tokens
from ingest.segments import segments_of


def test_a_lead_in_and_the_headings_above_it_join_the_next_page_keeping_their_page():
    blocks = [
        Block("Claims are paid within 30 days.", page=4),
        Block("Appeals", BlockKind.HEADING, page=4),
        Block("Here are the steps to submit an appeal:", page=4),
        Block("1. Gather the denial letter.", BlockKind.LIST, page=5),
    ]
    segments = segments_of(blocks, estimate_tokens)
    assert [[b.text for b in s] for s in segments] == [
        ["Claims are paid within 30 days."],
        ["Appeals", "Here are the steps to submit an appeal:", "1. Gather the denial letter."],
    ]
    assert [b.page for b in segments[1]] == [4, 4, 5]


def test_a_lead_in_stays_when_the_next_page_is_not_its_continuation():
    lead_in = Block("Here are the steps to submit an appeal:", page=4)
    for nxt in (
        Block("1. Gather the denial letter.", BlockKind.LIST, page=6),  # not the next page
        Block("Deadlines", BlockKind.HEADING, page=5),  # a new heading opens the page
        Block("1. Gather the denial letter.", BlockKind.LIST, page=5, section_path=("Other",)),
        Block("Tier: 1; Cap: 100", BlockKind.ROW, page=5),
    ):
        assert segments_of([lead_in, nxt], estimate_tokens)[0][-1] is lead_in


def test_the_last_lines_of_a_section_overleaf_join_the_page_before_once():
    page_one = [Block("Copays are fixed amounts paid at each visit. " * 20, page=11)]
    remainder = Block("By following these tips you avoid unnecessary copayments.", page=12)
    segments = segments_of(page_one + [remainder], estimate_tokens)
    assert len(segments) == 1 and [b.page for b in segments[0]] == [11, 12]
    # a third page of short lines starts a segment of its own: pages do not chain
    more = Block("Ask your provider before the visit.", page=13)
    assert [[b.page for b in s] for s in segments_of(page_one + [remainder, more], estimate_tokens)] == [[11, 12], [13]]
    # after a short page (slides), or when the next page is long, opens with a heading or
    # another section, each stays on its own page
    short_page = Block("Copays are fixed amounts paid at each visit.", page=11)
    assert len(segments_of([short_page, remainder], estimate_tokens)) == 2
    long_page = Block("By following these tips you avoid unnecessary copayments. " * 8, page=12)
    heading = Block("Coinsurance", BlockKind.HEADING, page=12)
    other = Block("By following these tips you avoid unnecessary copayments.", page=12, section_path=("Costs",))
    for nxt in (long_page, heading, other):
        assert len(segments_of(page_one + [nxt], estimate_tokens)) == 2
