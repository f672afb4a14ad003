"""Blocks -> segments for the chunker: runs of blocks with one page / section / sheet, with the
headings and lead-ins that belong to the next run moved into it, and a section's last lines
overleaf moved back to the page they finish.

Kept apart from chunking.py, which packs each segment into chunks.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Iterable

from ingest.blocks import Block, BlockKind
from ingest.textutil import repeats_heading


# A section's remainder overleaf shorter than this (tokens) joins the page before it, when that
# page holds at least PAGE_FULL_MIN_TOKENS of the section: a run of short pages (slides, a
# form's pages) keeps its pages apart.
PAGE_REMAINDER_MAX_TOKENS = 64
PAGE_FULL_MIN_TOKENS = 160


def segments_of(blocks: Iterable[Block], count: Callable[[str], int]) -> list[list[Block]]:
    """The segments the chunker packs, in document order; ``count`` counts tokens."""
    return _join_bare_headings(_join_page_remainders(_carry_lead_ins(_segments(blocks)), count))


def segment_key(block: Block) -> tuple:
    # Chunks never cross these boundaries, so every chunk has one page / section / sheet (a
    # block's page_end, a paragraph running on overleaf, widens its chunk's span by one page).
    return (block.page, block.section_path, block.sheet)


def _segments(blocks: Iterable[Block]) -> list[list[Block]]:
    """Runs of consecutive non-empty blocks with one page / section / sheet."""
    segments: list[list[Block]] = []
    for block in blocks:
        if not block.text.strip():
            continue
        if segments and segment_key(block) == segment_key(segments[-1][0]):
            segments[-1].append(block)
        else:
            segments.append([block])
    return segments


def _is_lead_in(block: Block) -> bool:
    """Prose that announces what follows it ("Here are the steps to submit an appeal:",
    "Exceptions:")."""
    return block.kind not in (BlockKind.HEADING, BlockKind.ROW, BlockKind.TABLE) and block.text.rstrip().endswith((":", "："))


def _carry_lead_ins(segments: list[list[Block]]) -> list[list[Block]]:
    """A page that ends with a lead-in whose items or text open the next page (same section
    and sheet) hands the lead-in, and the headings right above it, to the next page's segment:
    on its own the lead-in was a chunk that promises a list and holds none (12 contoso chunks,
    e.g. "...recommends the following tips:"). The blocks keep their own page, so the chunk
    that takes them spans both pages."""
    out: list[list[Block]] = []
    for segment in segments:
        previous = out[-1] if out else None
        first = segment[0]
        if previous and _is_lead_in(previous[-1]) and _overleaf(previous[-1], first):
            cut = len(previous) - 1
            while cut > 0 and previous[cut - 1].kind is BlockKind.HEADING:
                cut -= 1
            segment = previous[cut:] + segment
            del previous[cut:]
            if not previous:
                out.pop()
        out.append(segment)
    return out


def _overleaf(previous: Block, first: Block) -> bool:
    """``first`` opens the page after ``previous`` in the same section and sheet, with prose."""
    return (
        first.kind not in (BlockKind.HEADING, BlockKind.ROW, BlockKind.TABLE)
        and (previous.section_path, previous.sheet) == (first.section_path, first.sheet)
        and previous.page is not None
        and first.page == (previous.page_end or previous.page) + 1
    )


def _join_page_remainders(segments: list[list[Block]], count: Callable[[str], int]) -> list[list[Block]]:
    """The last lines of a section that spill onto the next page ("By following these tips,
    you can avoid unnecessary copayments.") join the page before them, keeping their own page:
    alone they made a chunk of one sentence that says nothing by itself (a page-gold contoso
    question retrieved one as its second passage)."""
    out: list[list[Block]] = []
    for segment in segments:
        previous = out[-1] if out else None
        if (
            previous
            and previous[-1].kind not in (BlockKind.ROW, BlockKind.TABLE)
            and _overleaf(previous[-1], segment[0])
            and previous[0].page == previous[-1].page  # once: pages of short lines do not chain
            and all(b.kind not in (BlockKind.HEADING, BlockKind.ROW, BlockKind.TABLE) for b in segment)
            and sum(count(b.text) for b in segment) < PAGE_REMAINDER_MAX_TOKENS
            and sum(count(b.text) for b in previous) >= PAGE_FULL_MIN_TOKENS
        ):
            previous.extend(segment)
            continue
        out.append(segment)
    return out


def _join_bare_headings(segments: list[list[Block]]) -> list[list[Block]]:
    """A segment of headings only ("Chapter 2" right above "2.1 Scope", "Ambulance" above
    "COVERED SERVICES: Ambulance") is a chunk nobody wants as a search hit: its headings
    move into the next segment, which takes them under its own page and section (unless
    that segment opens with table rows)."""
    joined: list[list[Block]] = []
    waiting: list[Block] = []
    for segment in segments:
        if all(b.kind is BlockKind.HEADING for b in segment) and segment is not segments[-1]:
            waiting.extend(segment)
            continue
        first = segment[0]
        if waiting and first.kind in (BlockKind.ROW, BlockKind.TABLE):
            # rows are packed apart from prose, so the headings would stand alone anyway
            joined.append(waiting)
        elif waiting:
            kept = _without_repeated_headings(waiting + [first])[:-1]
            segment = [replace(b, page=first.page, section_path=first.section_path, sheet=first.sheet) for b in kept] + segment
        joined.append(segment)
        waiting = []
    return joined


def _without_repeated_headings(blocks: list[Block]) -> list[Block]:
    """Drop a heading that the next heading repeats (textutil.repeats_heading: "Ambulance" over
    "COVERED SERVICES: Ambulance"; "SUMMARY OF YOUR COSTS" twice): 151 of 824 contoso chunks
    opened with such a pair, which the context prefix and the prompt's label repeat a third
    time. A parent over a child ("Leave" over "Annual Leave") stays."""
    def repeats(b: Block, nxt: Block | None) -> bool:
        return nxt is not None and b.kind is nxt.kind is BlockKind.HEADING and repeats_heading(b.text, nxt.text)

    return [b for b, nxt in zip(blocks, blocks[1:] + [None]) if not repeats(b, nxt)]
