"""Helpers for tests that compare extracted raw text with the seed reports' source lines."""

from __future__ import annotations

import unicodedata
from pathlib import Path

SEEDS = ["000", "001", "002", "003", "004"]


def seed_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def squash(s: str | None) -> str:
    """Whitespace (incl. U+3000) removed: a cell's text may be wrapped over several lines."""
    return "".join((s or "").split()).replace("\u3000", "")


def nfkc_squash(s: str | None) -> str:
    """Like squash, and full-width punctuation folded (，→, （→( …)."""
    return squash(unicodedata.normalize("NFKC", s or ""))


def cell_span(src: list[str], line: int) -> str:
    """The text from 1-based ``line`` up to the next tab-led line: the whole (possibly wrapped)
    table cell that starts there, or the paragraph line and what follows it."""
    out = [src[line - 1]]
    k = line
    while k < len(src) and not src[k].startswith("\t"):
        out.append(src[k])
        k += 1
    return "".join(out)


def starts_on_line(raw: str, src: list[str], line: int, fold=squash) -> bool:
    """``raw`` occurs in the cell/paragraph at ``line`` and its first occurrence begins on that line."""
    if not fold(raw):
        return True  # an empty cell (e.g. a blank 偏差原因)
    span, first = fold(cell_span(src, line)), fold(src[line - 1])
    pos = span.find(fold(raw))
    return 0 <= pos < len(first)
