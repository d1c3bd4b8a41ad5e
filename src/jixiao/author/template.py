"""``jixiao template``: the workbook a unit fills (openpyxl), laid out from :file:`template.toml`.

One sheet per part of the forms — 基本信息, 基础数据表 (部门整体 only), 资金, 绩效指标, 文字部分 —
with the forms' own labels. Input cells are yellow and unlocked; labels and the computed totals
(grey, an Excel formula for the unit's eye; :mod:`jixiao.author.workbook` adds them up itself)
are locked under sheet protection without a password. Every input cell has data validation
(drop-downs for 一级/二级指标 and 指标性质, numbers ≥ 0, years) and every column or field a help
comment.

:func:`layout` places every cell from the data; the writer here and the reader in
:mod:`jixiao.author.workbook` both use it, so the two never disagree on where a value is.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO, Literal

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..rules import Ruleset

Kind = Literal["department", "project"]
META = {"kind": "jixiao.kind", "ruleset": "jixiao.ruleset", "year": "jixiao.year"}  # custom document properties

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # 单位填写
COMPUTED_FILL = PatternFill("solid", fgColor="E7E6E6")  # jixiao 计算
LABEL_FILL = PatternFill("solid", fgColor="DDEBF7")  # 标签、表头
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FIRST_ROW = 4  # rows 1–3: title, note, blank


@cache
def spec() -> dict[str, Any]:
    """The packaged :file:`template.toml`."""
    return tomllib.loads(resources.files("jixiao.author").joinpath("template.toml").read_text(encoding="utf-8"))


@dataclass
class Slot:
    """One cell of the workbook a value is read from: ``key`` (the Report path or grid key),
    the ``label`` a reader sees, its A1 ``ref``, ``type`` (template.toml), whether it is
    ``required``, its ``help``, and for a computed total the keys it ``sums``."""

    sheet: str
    key: str
    label: str
    ref: str
    type: str = "text"
    required: bool = False
    help: str = ""
    column: str | None = None  # grid and table cells: the column key (budget, target …)
    sums: list[str] = field(default_factory=list)
    options: list[str] | None = None  # drop-down list


@dataclass
class Block:
    """A placed block of a sheet: ``type`` fields / grid / table, its title row, header row and
    cells. For a table, ``rows`` lists each input row's slots by column key."""

    type: str
    title: str
    target: str | None
    title_row: int
    header_row: int
    headers: list[tuple[str, str, str]]  # (A1 ref, header text, help)
    slots: list[Slot] = field(default_factory=list)
    labels: list[tuple[str, str, str]] = field(default_factory=list)  # (A1 ref, label, help) of row labels
    rows: list[dict[str, Slot]] = field(default_factory=list)
    width: int = 1


@dataclass
class SheetLayout:
    name: str
    blocks: list[Block]
    width: int


@dataclass
class Layout:
    """Where everything is, for one kind / year / rule set."""

    kind: Kind
    year: int
    ruleset: str
    title: str
    note: str
    sheets: list[SheetLayout]

    def sheet(self, name: str) -> SheetLayout:
        return next(s for s in self.sheets if s.name == name)


def levels(rs: Ruleset) -> dict[str, list[str]]:
    """一级指标 → its 二级指标 under ``rs`` (``[levels.families]`` of the rule set, RULES.md N-08)."""
    return dict(rs.data.get("levels", {}).get("families", {}))


def execution_weight(rs: Ruleset) -> int:
    """The 分值 of the 预算执行率 item (``[weights] execution``, RULES.md N-02)."""
    return int(rs.data.get("weights", {}).get("execution", 10))


def _for_kind(entry: dict[str, Any], kind: Kind) -> bool:
    return kind in entry.get("kinds", [kind])


def layout(kind: Kind, year: int, ruleset: str = "national_2020") -> Layout:
    """The workbook's cells for ``kind`` and ``year`` under ``ruleset``. Raises KeyError for an
    unknown rule set or kind."""
    if kind not in ("department", "project"):
        raise KeyError(f"未知的类型 {kind!r}：应为 department 或 project")
    rs = Ruleset.load(ruleset)
    data = spec()
    exe = execution_weight(rs)
    fam = levels(rs)
    subst = {"year": year, "prev": year - 1, "execution": exe, "indicators": 100 - exe,
             "kind_title": data["kind_titles"][kind]}

    def fmt(text: str) -> str:
        return text.format(**subst)

    sheets = []
    for sheet in data["sheets"]:
        if not _for_kind(sheet, kind):
            continue
        name = sheet["name"]
        row = FIRST_ROW
        blocks: list[Block] = []
        width = 1
        for b in sheet["blocks"]:
            if not _for_kind(b, kind):
                continue
            block = Block(type=b["type"], title=fmt(b.get("title", "")), target=b.get("target"),
                          title_row=row, header_row=row + 1, headers=[])
            r = row + 2
            if b["type"] == "fields":
                block.headers = [("A", "项目", ""), ("B", b.get("value_header", "填写内容"), ""), ("C", "说明", "")]
                for f in b["fields"]:
                    if not _for_kind(f, kind):
                        continue
                    required = f.get("required", False) or kind in f.get("required_kinds", [])
                    slot = Slot(name, f["key"], fmt(f["label"]), f"B{r}", f.get("type", "text"), required, fmt(f.get("help", "")))
                    block.slots.append(slot)
                    block.labels.append((f"A{r}", slot.label, slot.help))
                    r += 1
                block.width = 3
            elif b["type"] == "grid":
                cols = b["columns"]
                block.headers = [("A", "项目", "")] + [(get_column_letter(2 + i), fmt(c["header"]), fmt(c.get("help", "")))
                                                      for i, c in enumerate(cols)]
                for g in b["rows"]:
                    block.labels.append((f"A{r}", fmt(g["label"]), fmt(g.get("help", ""))))
                    for i, c in enumerate(cols):
                        block.slots.append(Slot(name, g["key"], fmt(g["label"]), f"{get_column_letter(2 + i)}{r}",
                                                "money", False, fmt(c.get("help", "")), column=c["key"],
                                                sums=list(g.get("sum", []))))
                    r += 1
                block.width = 1 + len(cols)
            elif b["type"] == "table":
                cols = b["columns"]
                block.headers = [(get_column_letter(1 + i), c["header"], fmt(c.get("help", ""))) for i, c in enumerate(cols)]
                for n in range(b["rows"]):
                    cells = {}
                    for i, c in enumerate(cols):
                        opts = c.get("list")
                        if opts == "level1":
                            opts = list(fam)
                        elif opts == "level2":
                            opts = list(dict.fromkeys(x for v in fam.values() for x in v))
                        cells[c["key"]] = Slot(name, c["key"], c["header"], f"{get_column_letter(1 + i)}{r}",
                                               c.get("type", "text"), c.get("required", False), fmt(c.get("help", "")),
                                               column=c["key"], options=opts)
                    block.rows.append(cells)
                    block.slots.extend(cells.values())
                    r += 1
                block.width = len(cols)
            blocks.append(block)
            width = max(width, block.width)
            row = r + 1
        sheets.append(SheetLayout(name, blocks, width))
    return Layout(kind, year, ruleset, fmt(data["title"]), fmt(data["note"]), sheets)


def _validation(slot: Slot) -> DataValidation | None:
    t = slot.type
    if slot.options:
        return DataValidation(type="list", formula1='"' + ",".join(slot.options) + '"', allow_blank=True,
                              showErrorMessage=True, errorTitle="请从列表中选择", error="请从下拉列表中选择：" + "、".join(slot.options))
    if t in ("money", "points"):
        what = "金额（万元）" if t == "money" else "分值"
        return DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                              showErrorMessage=True, errorTitle="须为数字", error=f"{what}须为不小于 0 的数字")
    if t == "int":
        return DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                              showErrorMessage=True, errorTitle="须为整数", error="人数须为不小于 0 的整数")
    if t == "year":
        return DataValidation(type="whole", operator="between", formula1="2000", formula2="2100", allow_blank=True,
                              showErrorMessage=True, errorTitle="须为年度", error="年度须为四位数字，如 2025")
    return None


def is_fill_workbook(path: str | Path | BinaryIO) -> bool:
    """Whether ``path`` (or a seekable binary file) is a 填报工作簿 written by :func:`write_template`
    (an .xlsx whose custom document properties name ``jixiao.kind``): the input of ``jixiao author``,
    not a report. Never raises for a file that cannot be read: it is no 填报工作簿."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            custom = z.read("docProps/custom.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return f'name="{META["kind"]}"'.encode() in custom


def write_template(kind: Kind, path: str | Path, year: int = 2025, ruleset: str = "national_2020") -> Path:
    """Write the empty workbook for ``kind`` (``department`` 部门整体 / ``project`` 项目支出) and
    ``year`` to ``path`` (.xlsx). Returns the path. Raises KeyError for an unknown kind or rule set."""
    lay = layout(kind, year, ruleset)
    wb = Workbook()
    wb.remove(wb.active)
    for key, value in (("kind", kind), ("ruleset", ruleset), ("year", str(year))):
        wb.custom_doc_props.append(StringProperty(name=META[key], value=value))
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for sl in lay.sheets:
        ws = wb.create_sheet(sl.name)
        ws["A1"] = lay.title
        ws["A1"].font = Font(bold=True, size=14)
        ws["A2"] = lay.note
        ws["A2"].font = Font(color="666666")
        validations: dict[tuple, DataValidation] = {}
        for block in sl.blocks:
            ws.cell(block.title_row, 1, block.title).font = bold
            for ref, text, help_ in block.headers:
                c = ws[f"{ref}{block.header_row}"]
                c.value, c.font, c.fill, c.border, c.alignment = text, bold, LABEL_FILL, BORDER, wrap
                if help_:
                    c.comment = Comment(help_, "jixiao", width=300, height=120)
            for ref, text, help_ in block.labels:
                c = ws[ref]
                c.value, c.fill, c.border, c.alignment = text, LABEL_FILL, BORDER, wrap
                if help_:
                    c.comment = Comment(help_, "jixiao", width=300, height=100)
            by_key = {(s.key, s.column): s for s in block.slots}
            for s in block.slots:
                c = ws[s.ref]
                c.border = BORDER
                c.alignment = wrap
                if s.sums:
                    parts = [by_key[(k, s.column)].ref for k in s.sums]
                    c.value = "=" + "+".join(parts)
                    c.fill = COMPUTED_FILL
                    c.comment = Comment("合计：由 " + "、".join(k.split(".")[-1] if "." in k else k for k in s.sums)
                                        + " 相加，jixiao 计算，不必填写。", "jixiao", width=260, height=60)
                    continue
                c.fill = INPUT_FILL
                c.protection = Protection(locked=False)
                if s.type in ("money", "points"):
                    c.number_format = "0.00"
                if s.type == "multiline":
                    ws.row_dimensions[c.row].height = 90
                if block.type == "fields":
                    ws[f"C{s.ref[1:]}"] = s.help
                    ws[f"C{s.ref[1:]}"].alignment = wrap
                    ws[f"C{s.ref[1:]}"].font = Font(color="666666")
                dv_key = (s.type, tuple(s.options or ()))
                if dv_key not in validations:
                    dv = _validation(s)
                    if dv is None:
                        continue
                    validations[dv_key] = dv
                    ws.add_data_validation(dv)
                validations[dv_key].add(c)
            if block.type == "table":
                ws.freeze_panes = ws[f"A{block.header_row + 1}"]
        widths = _widths(sl)
        for i, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = w
        ws.protection.sheet = True
        ws.protection.formatColumns = False  # allowed: widen a column, a row
        ws.protection.formatRows = False
    out = Path(path)
    wb.save(out)
    return out


def _widths(sl: SheetLayout) -> list[int]:
    data = spec()
    sheet = next(s for s in data["sheets"] if s["name"] == sl.name)
    table = next((b for b in sheet["blocks"] if b["type"] == "table"), None)
    if table is not None:
        return [c.get("width", 12) for c in table["columns"]]
    multiline = any(b.get("multiline") for b in sheet["blocks"])
    return [34, 70 if multiline else 22, 50] + [16] * max(0, sl.width - 3)
