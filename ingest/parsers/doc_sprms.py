"""Property lists (grpprl) of the Word 97-2003 binary: a run of sprms, each an opcode whose top
three bits (spra) give its operand's size. Shared by the paragraph, style and list readers."""
from __future__ import annotations

import struct
from collections.abc import Iterator

# Paragraph sprms the .doc reader uses.
IN_TABLE, TABLE_ROW_END, OUTLINE_LEVEL = 0x2416, 0x2417, 0x2640
TABLE_DEPTH, INNER_TABLE_ROW_END = 0x6649, 0x244C
LIST_FORMAT, LIST_LEVEL = 0x460B, 0x260A  # ilfo (1-based list override; 0 = none), ilvl
TABLE_DEFINITION = 0xD608
_CHANGE_TABS = 0xC615
_OPERAND_SIZE = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 7: 3}  # by spra; 6 is variable


def sprms(grpprl: bytes) -> Iterator[tuple[int, bytes]]:
    """(sprm, operand) pairs of a property list; stops at the first one that overruns it."""
    pos = 0
    while pos + 2 <= len(grpprl):
        sprm = struct.unpack_from("<H", grpprl, pos)[0]
        pos += 2
        spra = sprm >> 13
        if spra != 6:
            size = _OPERAND_SIZE[spra]
        elif sprm == TABLE_DEFINITION:  # a two-byte size, counting one byte more than follows
            if pos + 2 > len(grpprl):
                return
            size, pos = struct.unpack_from("<H", grpprl, pos)[0] - 1, pos + 2
        elif sprm == _CHANGE_TABS and pos < len(grpprl) and grpprl[pos] == 255:
            deleted = grpprl[pos + 1] if pos + 1 < len(grpprl) else 0
            added_at = pos + 2 + 4 * deleted
            added = grpprl[added_at] if added_at < len(grpprl) else 0
            size = 2 + 4 * deleted + 1 + 3 * added
        else:
            if pos >= len(grpprl):
                return
            size, pos = grpprl[pos], pos + 1
        if pos + size > len(grpprl):
            return
        yield sprm, grpprl[pos:pos + size]
        pos += size


def list_ref(grpprl: bytes) -> tuple[int | None, int | None]:
    """(ilfo, ilvl) a property list sets, each None when it sets none."""
    ilfo = ilvl = None
    for sprm, operand in sprms(grpprl):
        if sprm == LIST_FORMAT and len(operand) == 2:
            ilfo = struct.unpack_from("<h", operand, 0)[0]
        elif sprm == LIST_LEVEL:
            ilvl = operand[0]
    return ilfo, ilvl
