"""The 2020+ 部门整体支出绩效自评表 (seeds 002, 003, 004): 年度资金总额 row and its sources,
年度总体目标, the indicator table (一级/二级/三级, 年度指标值, 实际完成值, 分值, 得分, 偏差原因), 总分.

The same rows make up a 项目支出绩效自评表, so :func:`read_selfeval_table` (one table into a
Report) is shared with :mod:`jixiao.extract.project`.
"""

from __future__ import annotations

import re

from ..model import Figure, FundSource, Indicator, Report, Value
from ..readers.document import Cell, Document, Table
from .layouts import layouts, signature
from .numbers import normalize, parse_amount, parse_percent
from .tables import (
    Col,
    amount_value,
    at,
    cell_value,
    find_rows,
    header_columns,
    is_subheader,
    label,
    label_pairs,
    map_columns,
    map_header,
    match_texts,
    measure_value,
    money_value,
    per_table,
    table_text,
)

FUNDS = signature("funds")  # layouts.toml [tables.funds]
INDICATORS = signature("indicator")  # layouts.toml [tables.indicator]
LEVEL2_FAMILY = layouts().level2_family
INCOME_NATURE = {
    "一般公共预算": r"一般公共预算",
    "政府性基金": r"政府性基金",
    "纳入专户管理的非税收入": r"专户",
    "其他资金": r"其他资金",
    "当年财政拨款": r"当年财政拨款|财政拨款",
    "上年结转": r"上年结转",
}
SPENDING_NATURE = {"基本支出": "spending.basic", "项目支出": "spending.project"}
GOALS_OR_INDICATORS = re.compile(r"年度(总体|工作)目标|绩效指标")
CJK = re.compile(r"[\u4e00-\u9fff]")
TRAILING_AMOUNT = re.compile(r"[:：]?[\d.]+$")
UNIT_GLOSS = re.compile(r"[(（][^)）]*[)）]$")
INDICATOR_NUMBER = re.compile(r"^指标\d+[:：]")
LEVEL_SCORE = re.compile(r"[（(]?\d+(?:\.\d+)?分[)）]?$")


def extract_selfeval(doc: Document, report: Report) -> bool:
    """Fill ``report`` from a self-evaluation table; returns False when the document has none."""
    found = False
    for table in doc.tables:
        found |= read_selfeval_table(doc, table, report)
    return found


def read_selfeval_table(doc: Document, table: Table, report: Report) -> bool:
    """Fill ``report`` from one table: the 年度资金总额 row and the source rows under it (万元),
    the indicator rows and 总分 row (points), 预算部门名称, 年度总体目标. Returns True when the
    table has a 年度资金总额 row under a budget header or an indicator header.

    ``table`` may be a piece of a table (:func:`jixiao.extract.project.split_projects`); ``doc``
    is the document its ``index`` counts in (the paragraph above it may say ``单位：元``). Values
    carry the cells' own positions."""
    found = False
    for i, row in funds_rows(table):
        header = funds_header(table, i)
        if header is not None:
            cols = map_header(header, FUNDS.columns)
            _funds(doc, table, cols, row, report)
            _sources(doc, table, i, header, cols, report)
            found = True
        break
    hdr = indicator_header(table)
    if hdr is not None:
        _indicators(doc, table, hdr, report)
        found = True
    if layouts().may_hold_label(table_text(table), ("unit_name",)):
        for row in table.rows:  # 预算部门名称 | X (layouts.toml [labels] unit_name)
            for _, _, value in label_pairs(row, ("unit_name",), skip_empty=True):
                if not report.unit_name.present:
                    report.unit_name = cell_value(doc, table, value)
    _goals(doc, table, report)
    return found


def funds_rows(table: Table):
    """Rows with a cell labelling a funds total (年度资金总额, 总额 …)."""
    if not FUNDS.total_row.may_match(table_text(table)):
        return
    for i, (row, texts) in enumerate(zip(table.rows, match_texts(table))):
        if any(FUNDS.total_row.matches(t) for t in texts if t):
            yield i, row


def funds_header(table: Table, index: int) -> list[Cell] | None:
    """The funds header (年初预算数 / 全年预算数 …) within the two rows above row ``index``."""
    for j in range(index - 1, max(-1, index - 3), -1):
        if any(FUNDS.header.matches(normalize(c.clean)) for c in table.rows[j]):
            return table.rows[j]
    return None


def _funds(doc: Document, table: Table, cols: dict[str, Col], row: list[Cell], report: Report) -> None:
    f = report.funds
    for name in ("initial_budget", "full_year_budget", "executed"):
        setattr(f, name, money_value(doc, table, at(row, cols.get(name))))
    f.weight = cell_value(doc, table, at(row, cols.get("weight")), parse_amount)
    f.self_score = cell_value(doc, table, at(row, cols.get("self_score")), parse_amount)
    f.execution_rate = cell_value(doc, table, at(row, cols.get("execution_rate")), parse_percent)
    for key, v in (("funds.full_year_budget", f.full_year_budget), ("funds.executed", f.executed),
                   ("funds.execution_rate", f.execution_rate)):
        if v.present:
            report.figures.append(Figure(key=key, label=_LABELS[key], where="自评表", value=v))


_LABELS = {
    "funds.full_year_budget": "全年预算数",
    "funds.executed": "全年执行数",
    "funds.execution_rate": "预算执行率",
    "spending.basic": "基本支出",
    "spending.project": "项目支出",
}


def _sources(doc: Document, table: Table, index: int, header: list[Cell], cols: dict[str, Col],
             report: Report) -> None:
    """Rows under 年度资金总额 (``cols``: the funds header's columns): either per-source rows with
    three amounts (seed 003) or the 按收入性质 / 按支出性质 label–value grid (seeds 002, 004)."""
    for row in table.rows[index + 1:]:
        texts = [c.clean for c in row]
        if any(GOALS_OR_INDICATORS.search(t) or INDICATORS.columns["name"].matches(normalize(t))
               for t in texts):
            break  # the goals, or the indicator header (三级指标) right below the funds rows
        amounts = [parse_amount(t) for t in texts]
        # layout A: a source row with amounts under the 年初/全年/执行 columns
        if len(row) >= len(header) - 1 and any(a is not None for a in amounts):
            name_cell = next((c for c in row if c.clean and parse_amount(c.clean) is None), None)
            if name_cell is not None:
                report.funds.by_source.append(FundSource(
                    name=cell_value(doc, table, name_cell, label),
                    initial_budget=money_value(doc, table, at(row, cols.get("initial_budget"))),
                    full_year_budget=money_value(doc, table, at(row, cols.get("full_year_budget"))),
                    executed=money_value(doc, table, at(row, cols.get("executed"))),
                    weight=cell_value(doc, table, at(row, cols.get("weight")), parse_amount),
                    execution_rate=cell_value(doc, table, at(row, cols.get("execution_rate")), parse_percent),
                    self_score=cell_value(doc, table, at(row, cols.get("self_score")), parse_amount),
                ))
            continue
        # layout B: label cells followed by (or containing) their amount
        for k, c in enumerate(row):
            name = label(c.clean)
            if not name or parse_amount(name) is not None and not CJK.search(name):
                continue
            value_cell = c if parse_amount(c.clean) is not None else (row[k + 1] if k + 1 < len(row) else None)
            name = TRAILING_AMOUNT.sub("", name)
            if value_cell is None or parse_amount(value_cell.clean) is None:
                continue
            if value_cell is not c and CJK.search(value_cell.clean):
                continue
            v = money_value(doc, table, value_cell)
            for nature, key in SPENDING_NATURE.items():
                if nature in name:
                    report.funds.by_nature[nature] = v
                    report.figures.append(Figure(key=key, label=nature, where="自评表", value=v))
                    break
            else:
                for src_name, pattern in INCOME_NATURE.items():
                    if re.search(pattern, name):
                        report.funds.by_source.append(FundSource(
                            name=cell_value(doc, table, c, lambda t, s=src_name: s), executed=v))
                        break


@per_table
def indicator_header(table: Table) -> tuple[int, dict[str, Col], int] | None:
    """The indicator header of ``table`` (layouts.toml ``[tables.indicator]``): (index of the
    last header row — the sub-header row where there is one, field → :class:`Col`, grid width),
    or None. A header has the ``required`` columns (三级指标, a target, an actual and a score)."""
    names = INDICATORS.columns["name"]
    if not names.may_match(table_text(table)):
        return None
    for i, (row, texts) in enumerate(zip(table.rows, match_texts(table))):
        if not any(names.matches(t) for t in texts):
            continue
        sub = table.rows[i + 1] if i + 1 < len(table.rows) and is_subheader(row, table.rows[i + 1]) else None
        mapped = map_columns(header_columns(row, sub), INDICATORS.columns)
        if set(INDICATORS.required) <= mapped.keys():
            return (i + 1 if sub is not None else i), mapped, len(row)
    return None


TOTAL_LABEL = INDICATORS.total_row  # layouts.toml [tables.indicator] total_row
OPERATOR = re.compile(r"^(?:>=|<=|=|>|<|≥|≤|＝)$")


def is_total_label(text: str) -> bool:
    """A 总分 / 合计 / 总计 label cell (layouts.toml ``[tables.indicator] total_row``; 總分 too)."""
    return bool(text) and len(text) <= 8 and TOTAL_LABEL.matches(normalize(text))


def _is_total_match(text: str) -> bool:
    """:func:`is_total_label` of a cell's match text (as long as its clean text)."""
    return bool(text) and len(text) <= 8 and TOTAL_LABEL.matches(text)


def indicator_rows(table: Table, hdr: tuple[int, dict[str, Col], int]):
    """Each row under the indicator header with what it is: ``("indicator", row)``, ``("total",
    row)``, or ``("skip", row, reason)`` — the reasons :command:`jixiao show --layout` prints."""
    start, cols, width = hdr
    after_total = False
    names = INDICATORS.columns["name"]
    for row, texts in zip(table.rows[start + 1:], match_texts(table)[start + 1:]):
        if after_total:
            yield "skip", row, "在总分（合计）行之后"
            continue
        if any(_is_total_match(t) for t in texts):
            yield "total", row, ""
            after_total = True
            continue
        if any(names.matches(t) for t in texts):
            yield "skip", row, "重复的表头（跨页）"
            continue
        if len(row) < width - 3 and not any(c.colspan > 1 for c in row):
            yield "skip", row, "单元格太少，不是指标行"
            continue
        name = at(row, cols.get("name"))
        target = at(row, cols.get("target"))
        weight = at(row, cols.get("weight"))
        filled = [c for c in (name, target, weight) if c is not None and c.clean]
        if name is not None and name is target:
            yield "skip", row, "一个合并单元格跨过三级指标和指标值列，不是指标行"
            continue
        if not filled:
            yield "skip", row, "三级指标、指标值、分值都为空"
            continue
        if all(c.clean in ("-", "—", "——") for c in filled):
            yield "skip", row, "空行（只有“-”）"
            continue
        yield "indicator", row, ""


def _indicators(doc: Document, table: Table, hdr: tuple[int, dict[str, Col], int], report: Report) -> None:
    start, cols, width = hdr
    level1 = level2 = Value()
    for kind, row, _ in indicator_rows(table, hdr):
        if kind == "total":
            _total_row(doc, table, row, report, cols)
            continue
        l1 = at(row, cols.get("level1"))
        l2 = at(row, cols.get("level2"))
        if l1 is not None and l1.clean:
            level1 = cell_value(doc, table, l1, _level_label)
            level2 = Value()
        if l2 is not None and l2.clean:
            level2 = cell_value(doc, table, l2, _level_label)
            if not level1.value:  # 一级 name lost ("(50分)"): the family of its 二级
                family = _family_of(level2.value)
                if family:
                    level1 = Value(value=family, raw=level1.raw, source=level1.source)
        if kind != "indicator":
            continue
        report.indicators.append(Indicator(
            level1=level1, level2=level2,
            name=cell_value(doc, table, at(row, cols.get("name")), _indicator_name),
            target=_target(doc, table, row, cols),
            actual=measure_value(doc, table, at(row, cols.get("actual"))),
            weight=amount_value(doc, table, at(row, cols.get("weight"))),
            self_score=amount_value(doc, table, at(row, cols.get("self_score"))),
            deviation=cell_value(doc, table, at(row, cols.get("deviation"))),
        ))


def _target(doc: Document, table: Table, row: list[Cell], cols: dict[str, Col]):
    """The target cell as a MeasureValue; where the form splits it (四川 指标性质 ``=`` | 指标值
    ``100`` | 度量单位 ``%``; 河北 符号 | 值 | 单位(文字描述)) the parts are read as one
    ``=100%`` (raw keeps the three cells' text)."""
    target = at(row, cols.get("target"))
    mv = measure_value(doc, table, target)
    op_cell, unit_cell = at(row, cols.get("target_op")), at(row, cols.get("target_unit"))
    op = normalize(op_cell.clean) if op_cell is not None and op_cell is not target else ""
    unit = normalize(unit_cell.clean) if unit_cell is not None and unit_cell is not target else ""
    unit = UNIT_GLOSS.sub("", unit)  # %(百分比) → %
    if target is None or not target.clean or not (OPERATOR.match(op) or unit):
        return mv
    text = (op if OPERATOR.match(op) else "") + normalize(target.clean)
    if unit and not normalize(target.clean).endswith(unit) and parse_amount(target.clean) is not None:
        text += unit
    parts = [c.text.strip() for c in (op_cell, target, unit_cell) if c is not None and c.clean]
    out = measure_value(doc, table, Cell(text=text, row=target.row, col=target.col, line=target.line,
                                         line_end=target.line_end, page=target.page, bbox=target.bbox,
                                         ref=target.ref))
    out.raw = " ".join(parts)
    return out


def _total_row(doc: Document, table: Table, row: list[Cell], report: Report, cols: dict[str, Col]) -> None:
    """总分 / 合计 row: the first two numbers after the label are 分值 and 得分; one number alone
    is the 得分, unless it stands under the 分值 column (四川: 合计 | 100 | 得分 blank)."""
    idx = next(i for i, c in enumerate(row) if is_total_label(c.clean))
    sa = report.self_assessment
    nums = [c for c in row[idx + 1:] if parse_amount(c.clean) is not None]
    if len(nums) >= 2:
        sa.total_weight = amount_value(doc, table, nums[0])
        sa.total = amount_value(doc, table, nums[1])
    elif len(nums) == 1:
        w = at(row, cols.get("weight"))
        if w is nums[0] and at(row, cols.get("self_score")) is not w:
            sa.total_weight = amount_value(doc, table, nums[0])
        else:
            sa.total = amount_value(doc, table, nums[0])
    if sa.total.present:
        report.figures.append(Figure(key="self.total", label="自评得分", where="自评表", value=sa.total))


def _goals(doc: Document, table: Table, report: Report) -> None:
    if "目标" not in table_text(table):
        return  # no 年度总体目标 / 年度工作目标 cell
    for i, row in find_rows(table, r"^年度(总体|工作)目标"):
        if i + 1 < len(table.rows):
            cells = [c for c in table.rows[i + 1] if c.clean]
            if cells:
                report.qualitative_goals.append(cell_value(doc, table, cells[0]))
            if len(cells) > 1:
                report.qualitative_goals.append(cell_value(doc, table, cells[1]))


def _level_label(text: str) -> str:
    return LEVEL_SCORE.sub("", "".join(text.split()))


def _family_of(level2: str | None) -> str | None:
    """The 一级指标 a 二级指标 belongs to (layouts.toml ``[level2_family]``)."""
    if not level2:
        return None
    for family, syn in LEVEL2_FAMILY.items():
        if syn.matches(normalize(level2)):
            return family
    return None


def _indicator_name(text: str) -> str:
    return INDICATOR_NUMBER.sub("", "".join(text.split())) or None
