"""The 部门整体支出绩效评价基础数据表 (seeds 002, 004; Hunan 附件1/附件3): staffing, 三公经费 and
its categories, 项目支出, 公用经费, 政府采购金额, 部门基本支出预算调整 — each with 上年决算 /
本年预算 / 本年决算 in 万元."""

from __future__ import annotations

import re

from ..model import Control, Figure, Report
from ..readers.document import Document, Table
from .layouts import signature
from .numbers import parse_int, parse_percent
from .tables import at, cell_value, label, map_header, match_texts, money_value, table_text

# row label (after stripping 序号 and 其中：) → (attribute path, Chinese label)
ROWS: list[tuple[re.Pattern[str], str, str]] = [(re.compile(pattern), path, zh) for pattern, path, zh in (
    (r"^三公经费", "three_public.total", "三公经费"),
    (r"^公务用车购置和(运行)?维护", "three_public.vehicle", "公务用车购置和维护经费"),
    (r"^公车购置|^公务用车购置$", "three_public.vehicle_purchase", "公车购置"),
    (r"^公车运行维护|^公务用车运行维护", "three_public.vehicle_operation", "公车运行维护"),
    (r"^出国经费|^因公出国", "three_public.overseas", "因公出国（境）经费"),
    (r"^公务接待", "three_public.reception", "公务接待费"),
    (r"^项目支出", "basic_data.project_spending", "项目支出"),
    (r"^公用经费", "basic_data.public_funds", "公用经费"),
    (r"^政府采购金额|^政府采购", "basic_data.procurement", "政府采购金额"),
    (r"^部门基本支出预算调整", "basic_data.basic_adjustment", "部门基本支出"),
)]
STAFF_COLUMNS = {"authorized": r"编制数", "actual": r"实际在职|实有人数|在职人数", "control_rate": r"控制率"}


BASIC = signature("basic_data")  # layouts.toml [tables.basic_data]


def extract_basic_data(doc: Document, report: Report) -> bool:
    table = next((t for t in doc.tables if BASIC.header.may_match(table_text(t))
                  and any(BASIC.header.matches(x) for row in match_texts(t) for x in row)), None)
    if table is None:
        return False
    _staffing(doc, table, report)
    for row in table.rows:
        if len(row) < 4:
            continue
        name = label(row[0].clean)
        for pattern, path, zh in ROWS:
            if pattern.search(name):
                control = _resolve(report, path)
                if control.budget.present or control.actual.present:
                    break  # first row wins (a later 其中 row of the same name is a sub-item)
                cells = row[-3:]
                control.prior_actual = money_value(doc, table, cells[0])
                control.budget = money_value(doc, table, cells[1])
                control.actual = money_value(doc, table, cells[2])
                for attr, part in (("budget", "预算数"), ("actual", "决算数"), ("prior_actual", "上年决算数")):
                    v = getattr(control, attr)
                    if v.present:
                        report.figures.append(
                            Figure(key=f"{path}.{attr}", label=f"{zh}{part}", where="基础数据表", value=v))
                break
    adj = report.basic_data.basic_adjustment
    if adj.actual.present:
        report.figures.append(Figure(key="spending.basic", label="基本支出", where="基础数据表", value=adj.actual))
    proj = report.basic_data.project_spending
    if proj.actual.present:
        report.figures.append(Figure(key="spending.project", label="项目支出", where="基础数据表", value=proj.actual))
    return True


def _resolve(report: Report, path: str) -> Control:
    obj = report
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _staffing(doc: Document, table: Table, report: Report) -> None:
    for i, row in enumerate(table.rows[:-1]):
        if any(c.clean.startswith("财政供养人员情况") for c in row):
            cols = map_header(row, STAFF_COLUMNS)
            values = table.rows[i + 1]
            s = report.staffing
            s.authorized = cell_value(doc, table, at(values, cols.get("authorized")), parse_int)
            s.actual = cell_value(doc, table, at(values, cols.get("actual")), parse_int)
            s.control_rate = cell_value(doc, table, at(values, cols.get("control_rate")), _bare)
            for attr, zh in (("authorized", "编制数"), ("actual", "实有人数")):
                v = getattr(s, attr)
                if v.present:
                    report.figures.append(Figure(key=f"staffing.{attr}", label=zh, where="基础数据表", value=v))
            return


def _bare(raw: str):
    """A control rate, ``100.00%`` or written without % (seed 004 writes ``0``)."""
    return parse_percent(raw, bare_is_percent=True)
