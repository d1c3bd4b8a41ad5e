"""``jixiao author``: a filled 填报工作簿 → the standard documents, scored and checked.

1. :func:`jixiao.author.workbook.read_workbook` reads the workbook into a Report;
2. :func:`jixiao.author.precheck.problems` lists every problem; if there is one, nothing is written;
3. :func:`score_report` scores the record with the review's own :func:`jixiao.rules.score`
   (预算执行率 N-05, each indicator N-03/N-04, total and grade N-01) and writes the computed
   执行率, 得分, 总分 and 等次 into the Report — the unit types no score;
4. the review's checks run on the record (:func:`jixiao.author.precheck.submission_checks`);
5. into the output folder: the 自评表 (.docx and .xlsx), the 自评报告 (.docx) and 填报检查.md.

Steps 2–4 are :func:`evaluate` (also for the web form, :func:`jixiao.author.workbook.read_form`),
step 5 :func:`write_documents`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..extract.numbers import parse_percent, percent_text
from ..model import Finding, Report, Scorecard, Value
from ..rules import Ruleset, score
from ..rules.base import q2
from .precheck import checklist, problems, submission_checks
from .template import execution_weight
from .workbook import Filled, Problem, read_workbook


@dataclass
class Authored:
    """What ``author`` did: the ``problems`` (nothing else is set when there are any), or the
    scored ``report``, its ``scorecard``, the ``findings`` of the checks and the ``files`` written."""

    problems: list[Problem] = field(default_factory=list)
    filled: Filled | None = None
    report: Report | None = None
    scorecard: Scorecard | None = None
    findings: list[Finding] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _pts(x: Decimal) -> Value:
    return Value(value=x, raw=f"{x:f}")


def score_report(report: Report, rs: Ruleset) -> Scorecard:
    """Score ``report`` (read from a workbook: no 得分 but the 定性 ones) under ``rs`` and write
    the results into it: 预算执行率 分值 / 执行率 / 得分, each indicator's 得分, 总分 (分值 100)
    and 评价等次. Returns the Scorecard, whose self-total is then the computed total."""
    f = report.funds
    f.weight = _pts(Decimal(execution_weight(rs)))
    card = score(report, rs)[0]
    exe, items = card.items[0], card.items[1:]
    if f.full_year_budget.number:
        text = percent_text(f.executed.number / f.full_year_budget.number)
        f.execution_rate = Value(value=parse_percent(text), raw=text)  # as the written form reads back
    if exe.score is not None:
        f.self_score = _pts(q2(exe.score))
    for ind, item in zip(report.indicators, items):
        if item.score is not None:
            ind.self_score = Value(value=q2(item.score), raw=f"{q2(item.score):f}", source=ind.self_score.source)
    sa = report.self_assessment
    if card.total is not None:
        sa.total, sa.total_weight = _pts(card.total), _pts(Decimal(100))
        sa.grade = Value(value=card.grade, raw=card.grade)
    card.self_total, card.self_grade = card.total, card.grade
    return card


def _stem(report: Report) -> str:
    name = report.project_name.value if report.kind == "project" else report.unit_name.value
    return re.sub(r'[\\/:*?"<>|\s]+', "", f"{report.year.value}年度{name or ''}")


def author(path: str | Path, out_dir: str | Path) -> Authored:
    """Read, check, score and write (see the module doc). Raises
    :class:`jixiao.author.workbook.WorkbookError` when ``path`` is no 填报工作簿; a workbook with
    problems gives ``Authored(problems=…)`` and writes nothing."""
    done = evaluate(read_workbook(path))
    if done.ok:
        write_documents(done, out_dir)
    return done


def evaluate(filled: Filled) -> Authored:
    """Steps 2–4 on a read workbook or web form (:func:`~jixiao.author.workbook.read_form`):
    the problems, else the scored report, its scorecard and the findings. Writes nothing."""
    found = problems(filled)
    if found:
        return Authored(problems=found, filled=filled)
    report = filled.report
    rs = Ruleset.load(filled.layout.ruleset)
    card = score_report(report, rs)
    findings = submission_checks(report, card, rs, filled.path)
    return Authored(filled=filled, report=report, scorecard=card, findings=findings)


def write_documents(done: Authored, out_dir: str | Path) -> dict[str, Path]:
    """Step 5 for an :func:`evaluate` without problems: the 自评表 (.docx, .xlsx), the 自评报告
    (.docx) and 填报检查.md into ``out_dir`` (made if missing); their paths by key (also set on
    ``done.files``). Raises ValueError when ``done`` has problems."""
    from .documents import write_report_docx, write_selfeval_docx, write_selfeval_xlsx

    if not done.ok or done.report is None or done.filled is None:
        raise ValueError("填报有须改正的问题，不能生成文书")
    report, card = done.report, done.scorecard
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = _stem(report)
    form = "项目支出绩效自评" if report.kind == "project" else "部门整体支出绩效自评"
    files = {
        "selfeval_docx": write_selfeval_docx(report, out / f"{stem}{form}表.docx"),
        "selfeval_xlsx": write_selfeval_xlsx(report, out / f"{stem}{form}表.xlsx"),
        "report_docx": write_report_docx(report, out / f"{stem}{form}报告.docx",
                                         {k: v.value for k, v in report.sections.items()}),
    }
    check = out / f"{stem}填报检查.md"
    check.write_text(checklist(report, card, done.findings, done.filled.path, done.filled.extra), encoding="utf-8")
    files["checklist"] = check
    done.files = files
    return files
