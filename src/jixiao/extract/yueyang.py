"""The Yueyang table-form report (seed 000; RULES.md regime ``yueyang_ref_2015``): 基本概况
key–value rows, 收入 / 支出 / 三公经费 / 固定资产 tables, 定性 and 定量 目标, 综合得分 and 评价等次,
and the 附件4-1 部门整体支出绩效评价评分表 with 分值 and 自评得分."""

from __future__ import annotations

import re

from ..model import Figure, Indicator, Report, ScoreItem, Value
from ..readers.document import Document, Table
from .layouts import signature
from .numbers import parse_amount, parse_measure
from .tables import (
    amount_value,
    at,
    cell_after,
    cell_value,
    map_header,
    match_texts,
    measure_value,
    money_value,
    table_text,
)

# Column layouts of the 收支情况 tables, left to right after 机构名称 (the header rows of these
# tables nest 其中 spans, so the leaf order is given here as data and verified against the header).
LAYOUTS: dict[str, list[tuple[str, str, str]]] = {
    "收入合计": [
        ("income.total", "收入合计", "收入合计"), ("income.prior_carryover", "上年结转", "上年结转"),
        ("income.fiscal", "公共财政拨款|财政拨款", "公共财政拨款"), ("income.fund", "政府基金|政府性基金", "政府基金拨款"),
        ("income.special_account", "专户", "纳入专户管理的非税收入拨款"), ("income.other", "其他收入", "其他收入"),
    ],
    "支出合计": [
        ("spending.total", "支出合计", "支出合计"), ("spending.basic", "基本支出", "基本支出"),
        ("spending.personnel", "人员支出", "人员支出"), ("spending.public", "公用支出", "公用支出"),
        ("spending.project", "项目支出", "项目支出"), ("spending.balance", "当年结余", "当年结余"),
        ("spending.accumulated_balance", "累计结余", "累计结余"),
    ],
    "三公经费合计": [
        ("three_public.total.actual", "三公经费合计", "三公经费合计"),
        ("three_public.reception.actual", "公务接待", "公务接待费"),
        ("three_public.vehicle_operation.actual", "运维|运行", "公务用车运行维护费"),
        ("three_public.vehicle_purchase.actual", "购置", "公务用车购置费"),
        ("three_public.overseas.actual", "出国", "因公出国（境）费"),
    ],
    "固定资产合计": [
        ("fixed_assets.total", "固定资产合计", "固定资产合计"), ("fixed_assets.in_use", "在用", "在用固定资产"),
        ("fixed_assets.leased", "出租", "出租固定资产"),
    ],
}
POINTS = re.compile(r"[（(]\d+分[)）]$")
OPEN_BRACKET = re.compile(r"[（(]")
INDICATOR_NUMBER = re.compile(r"^指标\d+[:：]")
NEXT_GOAL = re.compile(r"指标\d+[:：]|……")
SCORE = signature("yueyang_score")  # layouts.toml [tables.yueyang_score]


def extract_yueyang(doc: Document, report: Report) -> bool:
    found = False
    for table in doc.tables:
        found |= _money_tables(doc, table, report)
        found |= _score_table(doc, table, report)
        _goals_and_grade(doc, table, report)
    return found


def _set(report: Report, path: str, value: Value) -> None:
    obj = report
    parts = path.split(".")
    for part in parts[:-1]:
        obj = getattr(obj, part)
    setattr(obj, parts[-1], value)


def _money_tables(doc: Document, table: Table, report: Report) -> bool:
    found = False
    text = table_text(table).replace("“", "").replace("”", "")
    if not any(k in text for k in LAYOUTS):
        return False  # no cell names a total of these tables (the keys are match text as written)
    for i, row in enumerate(table.rows):
        texts = {c.clean.replace("“", "").replace("”", "") for c in row}
        key = next((k for k in LAYOUTS if k in texts), None)
        if key is None:
            continue
        layout = LAYOUTS[key]
        header_text = "".join("".join(c.clean for c in r) for r in table.rows[i:i + 3])
        if not all(re.search(p, header_text) for _, p, _ in layout):
            continue
        # the first data row below the header: 汇总 row (or the first row with a number)
        for data in table.rows[i + 1:i + 6]:
            if len(data) > len(layout) and any(parse_amount(c.clean) is not None for c in data[1:]):
                for (path, _, zh), cell in zip(layout, data[1:]):
                    v = money_value(doc, table, cell)
                    _set(report, path, v)
                    if v.present:
                        report.figures.append(Figure(key=path, label=zh, where="收支表", value=v))
                found = True
                break
    return found


def score_header(table: Table) -> list | None:
    """The header row of a 评分表 (every ``SCORE.header`` synonym in one row), or None."""
    if not SCORE.header.may_all_in(table_text(table)):
        return None
    return next((r for r, texts in zip(table.rows, match_texts(table)) if SCORE.header.all_in(texts)), None)


def _score_table(doc: Document, table: Table, report: Report) -> bool:
    header = score_header(table)
    if header is None:
        return False
    cols = map_header(header, SCORE.columns)
    level1 = level2 = Value()
    for row in table.rows:
        texts = [c.clean for c in row]
        if "评分标准" in texts:
            continue
        if texts and texts[0] in ("总分", "合计"):
            nums = [c for c in row[1:] if parse_amount(c.clean) is not None]
            if len(nums) >= 2:
                report.self_assessment.total_weight = amount_value(doc, table, nums[0])
                total = amount_value(doc, table, nums[1])
                report.figures.append(Figure(key="self.total", label="自评得分", where="评分表", value=total))
                if not report.self_assessment.total.present:
                    report.self_assessment.total = total
            continue
        if len(row) < len(header) - 2:
            continue
        l1, l2 = at(row, cols.get("level1")), at(row, cols.get("level2"))
        if l1 is not None and l1.clean and len(row) >= len(header):
            level1 = cell_value(doc, table, l1, _strip_points)
        if l2 is not None and l2.clean and len(row) >= len(header):
            level2 = cell_value(doc, table, l2, _strip_points)
        name = at(row, cols.get("name"))
        if name is None or not name.clean:
            continue
        report.score_table.append(ScoreItem(
            level1=level1, level2=level2,
            name=cell_value(doc, table, name, lambda t: "".join(t.split()).replace("“", "").replace("”", "")),
            criterion=cell_value(doc, table, at(row, cols.get("criterion"))),
            weight=amount_value(doc, table, at(row, cols.get("weight"))),
            self_score=amount_value(doc, table, at(row, cols.get("self_score"))),
            note=cell_value(doc, table, at(row, cols.get("note"))),
        ))
    return True


def _strip_points(text: str) -> str:
    return POINTS.sub("", "".join(text.split()))


GOAL_AND_GRADE_LABELS = ("绩效自评综合得分", "评价等次", "整体支出绩效定性目标", "整体支出绩效定量目标")


def _goals_and_grade(doc: Document, table: Table, report: Report) -> None:
    text = table_text(table)
    if not any(w in text for w in GOAL_AND_GRADE_LABELS):
        return  # none of the rows below opens with one of these labels
    level1 = level2 = Value()
    in_quant = False
    for i, row in enumerate(table.rows):
        texts = [c.clean for c in row]
        if not texts:
            continue
        firsts = {t[:1] for t in texts}  # a label below starts a cell: its first character is among these
        c = cell_after(row, r"^绩效自评综合得分") \
            if "绩" in firsts and any(t.startswith("绩效自评综合得分") for t in texts) else None
        if c is not None:
            v = amount_value(doc, table, c)
            report.self_assessment.total = v
            report.figures.append(Figure(key="self.total", label="自评得分", where="自评情况表", value=v))
        c = cell_after(row, r"^评价等次") if "评" in firsts and any(t.startswith("评价等次") for t in texts) else None
        if c is not None:
            report.self_assessment.grade = cell_value(doc, table, c)
        if "整" in firsts:
            if any(t.startswith("整体支出绩效定性目标") for t in texts) and i + 1 < len(table.rows):
                cells = [x for x in table.rows[i + 1] if x.clean]
                report.qualitative_goals.extend(cell_value(doc, table, x) for x in cells)
            if any(t.startswith("整体支出绩效定量目标") for t in texts):
                in_quant = True
                continue
        if in_quant:
            if len(row) != 5:
                in_quant = any(t.startswith(("产出", "效益")) for t in texts)
                if len(row) < 4:
                    in_quant = False
                continue
            if texts[1]:
                level1 = cell_value(doc, table, row[1], lambda t: OPEN_BRACKET.split("".join(t.split()), maxsplit=1)[0])
            if texts[2]:
                level2 = cell_value(doc, table, row[2])
            name_cell, actual_cell = row[3], row[4]
            # (a ``[bookmark: …]`` conversion artefact is already gone: readers/text.py drops it)
            goal = INDICATOR_NUMBER.sub("", name_cell.clean).rstrip("。")
            goal = NEXT_GOAL.split(goal, maxsplit=1)[0].rstrip("。")
            if not goal:
                continue
            target = measure_value(doc, table, name_cell)
            target.value = goal
            target.parsed = embedded_quantity(goal) or parse_measure(goal)
            report.indicators.append(Indicator(
                level1=level1, level2=level2,
                name=cell_value(doc, table, name_cell, lambda t, g=goal: g),
                target=target, actual=measure_value(doc, table, actual_cell),
            ))


_QTY = re.compile(r"(\d+(?:\.\d+)?)\s*(次|家|个|项|期|场|人次|人|批次|%|万元|亿元)")


def embedded_quantity(text: str):
    """``发展国际商会会员企业1家`` → Measure(number=1, unit='家'): a goal written as prose that
    still names a countable target."""
    from ..model import Measure
    from .numbers import to_decimal

    m = _QTY.search(text)
    if not m:
        return None
    return Measure(op=">=", number=to_decimal(m.group(1)), unit=m.group(2), qualitative=text)
