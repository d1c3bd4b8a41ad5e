"""The Document model: ordered blocks (paragraphs and tables) with their positions.

Plain dataclasses rather than pydantic: a Document is built for every file and never serialised
in the output contract, so it stays cheap. Line numbers are 1-based lines of the input text.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ReadError(Exception):
    """A file could not be read. The message names the file and the reason (in Chinese)."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass(slots=True)
class Cell:
    text: str
    row: int
    col: int
    line: int  # first line of the cell
    line_end: int  # last line of the cell
    rowspan: int = 1
    colspan: int = 1
    multiline: bool = False  # the cell spanned more than one source line

    @property
    def clean(self) -> str:
        """Text with line breaks and ideographic/normal spaces removed (for label matching)."""
        return "".join(self.text.split()).replace("\u3000", "")


@dataclass(slots=True)
class Paragraph:
    index: int
    text: str
    line: int
    line_end: int

    kind = "paragraph"


@dataclass(slots=True)
class Table:
    index: int
    rows: list[list[Cell]]
    line: int
    line_end: int

    kind = "table"

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def cells(self):
        for r in self.rows:
            yield from r

    def text(self) -> str:
        return "\n".join(" | ".join(c.clean for c in r) for r in self.rows)


Block = Paragraph | Table


@dataclass(slots=True)
class Document:
    path: str
    blocks: list[Block] = field(default_factory=list)
    encoding: str = "utf-8"
    lines: list[str] = field(default_factory=list)  # the decoded source lines, for excerpts

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    def excerpt(self, line: int, before: int = 2, after: int = 2) -> list[tuple[int, str]]:
        """Source lines around ``line`` (1-based) as (number, text) pairs."""
        lo = max(1, line - before)
        hi = min(len(self.lines), line + after)
        return [(n, self.lines[n - 1]) for n in range(lo, hi + 1)]
