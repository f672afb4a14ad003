"""Turn a cell's typed value (as openpyxl or the fallback reader returns it) into display text.

openpyxl already converts date serials to ``datetime`` honouring the workbook's 1900/1904
epoch; what no library does for us is render those values the way a reader of the sheet
expects in a sentence: ISO dates, no float noise, "12.5%" for percentage formats, Excel's
TRUE/FALSE, error codes kept. Number formats are otherwise *not* applied (rounding to the
displayed decimals would lose data), except percentages, whose raw value (0.125) reads wrong.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ingest.textutil import join_lines

# Excel's error literals: kept as text, but they are not "text" for header detection.
ERROR_CODES = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!"}
)


@dataclass(frozen=True)
class CellValue:
    """A non-empty cell as display text; ``is_text`` is True for strings the user typed
    (the signal for header detection), False for numbers, dates, booleans and errors."""

    text: str
    is_text: bool


# Quoted literals, backslash escapes and [..] sections (colours, locales, [h]) carry no
# date/percent tokens of their own; drop them before looking at the format's letters.
_FMT_NOISE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')


@lru_cache(maxsize=1024)
def _format_core(number_format: str | None) -> str:
    """The positive-number section of a format, without literals: '0.00%;[Red]-0.00%' -> '0.00%'."""
    if not number_format:
        return ""
    return _FMT_NOISE.sub("", number_format.split(";", 1)[0])


def clean_text(value: str) -> str:
    """Cell text on one line: the author's spaces kept ("2024 年度"), line breaks inside the
    cell joined the CJK-aware way ("含\n量" -> "含量", "Trading\noperating" -> "Trading operating")."""
    if value.isascii() and value == " ".join(value.split()):
        return value  # the common case, already clean
    lines = [" ".join(line.split()) for line in unicodedata.normalize("NFC", value).splitlines()]
    return join_lines(lines)


def format_number(value: float | int) -> str:
    """Shortest faithful text: 3.0 -> '3', 0.1+0.2 -> '0.3' (Excel shows 15 significant digits)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # also turns -0.0 into "0"
    text = f"{value:.15g}"
    if "e" in text:
        mantissa, exp = text.split("e")
        text = f"{mantissa}e{int(exp)}"
    return text


def _format_percent(value: float | int, core: str) -> str:
    """'0.00%' with 1.1111 -> '111.11%'; decimals taken from the format, as Excel shows it."""
    match = re.search(r"\.([0#?]+)", core)
    decimals = len(match.group(1)) if match else 0
    scaled = float(value) * 100
    text = f"{scaled:.{decimals}f}" if decimals else format_number(round(scaled))
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text + "%"


def _format_time(value: dt.time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def _format_datetime(value: dt.datetime, core: str) -> str:
    # Serials carry float error (01:01:00.999999): round to the second Excel displays.
    if value.microsecond:
        value = (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
    lowered = core.lower()
    has_time = "h" in lowered or "s" in lowered
    has_date = "y" in lowered or "d" in lowered or not has_time
    if has_time and not has_date:
        return _format_time(value.time())  # 'h:mm' formats: Excel shows the time of day only
    if value.time() == dt.time(0):
        return value.date().isoformat()
    return f"{value.date().isoformat()} {_format_time(value.time())}"


def _format_duration(value: dt.timedelta) -> str:
    """Elapsed time as Excel's [h]:mm:ss shows it: 10 days 15:10:10 -> '255:10:10'."""
    total = round(value.total_seconds())
    sign = "-" if total < 0 else ""
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02d}:{seconds:02d}"


def to_cell_value(value: object, number_format: str | None = None) -> CellValue | None:
    """Display text for one cell, or None when the cell is empty (or only whitespace)."""
    if value is None:
        return None
    if isinstance(value, str):
        text = clean_text(value)
        if not text:
            return None
        return CellValue(text, is_text=text not in ERROR_CODES)
    if isinstance(value, bool):
        return CellValue("TRUE" if value else "FALSE", is_text=False)
    core = _format_core(number_format)
    if isinstance(value, dt.datetime):
        return CellValue(_format_datetime(value, core), is_text=False)
    if isinstance(value, dt.date):
        return CellValue(value.isoformat(), is_text=False)
    if isinstance(value, dt.time):
        return CellValue(_format_time(value), is_text=False)
    if isinstance(value, dt.timedelta):
        return CellValue(_format_duration(value), is_text=False)
    if isinstance(value, (int, float)):
        if "%" in core and math.isfinite(value):
            return CellValue(_format_percent(value, core), is_text=False)
        return CellValue(format_number(value), is_text=False)
    text = clean_text(str(value))  # rich text objects or anything unforeseen
    return CellValue(text, is_text=True) if text else None


# A number as text tables write it: "1,234.50", "-3", "12.5%", "¥800", "USD 85" is not one.
_NUMBER_TEXT = re.compile(r"^[-+]?[$€£¥]?\s?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s?%?$")
_DATE_TEXT = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")


def text_cell_value(value: str) -> CellValue | None:
    """A cell of a text table (CSV, an HTML export) as display text, kept as written.

    Such files carry no types, so numbers and dates are recognised by their look: they are
    data, not column names, for the layout's header detection."""
    text = clean_text(value)
    if not text:
        return None
    typed = text in ERROR_CODES or bool(_NUMBER_TEXT.match(text) or _DATE_TEXT.match(text))
    return CellValue(text, is_text=not typed)
