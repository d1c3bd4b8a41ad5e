"""Helpers shared by the review.xlsx sheets: cell values, display widths, the shared styles."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

from ..decimals import is_absurd
from .cleantext import printable
from .overview import Pct

MAX_WIDTH = 60
WRAP_FROM = 30  # columns wider than this wrap their text
INFERRED_RGB = "#FFE8CC"  # fill of 推断cells
PERCENT = "0.00%"


def cell_value(value: Any) -> Any:
    """Decimal → int/float, Pct → its fraction (shown with PERCENT), a number no report can hold
    (≥ 10^15, JX908) → its text (Excel has no such number), everything else unchanged (None stays
    empty)."""
    if isinstance(value, Pct):
        value = value.value
        return str(value) if is_absurd(value) else float(value)
    if isinstance(value, Decimal):
        if is_absurd(value):
            return str(value)
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def sheet_cell(value: Any) -> bool | int | float | str | None:
    """A cell as review.xlsx holds it: :func:`cell_value`, and any value but a number, a boolean
    or None as its text without the characters XML forbids (:func:`.cleantext.printable`)."""
    kind = type(value)
    if kind is str:  # the common cases without a call
        return printable(value)
    if value is None or kind is int or kind is float or kind is bool:
        return value
    value = cell_value(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return printable(str(value))


def display_width(value: Any) -> int:
    """Width of the longest line of a cell's text, CJK / full-width characters counted double."""
    lines = str(value).split("\n") or [""]
    return max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in lines)
