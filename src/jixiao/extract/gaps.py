"""Incomplete documents: what a report lacks, found once at extraction so that the checks that
depend on the missing part stay quiet and JX904 says it once.

- a self-evaluation table with 三级指标 but no 总分 / 合计 row (cut at a page break or when the
  excerpt was made): the 一级指标 families read and those not seen are named; the 分值合计, the
  sum of the scores and the recomputed total cannot be checked;
- a funds table (年度资金总额) with no indicator table after it;
- a text that stops mid-sentence (its last line ends in ，；、：), or a 部门整体 report whose
  numbered parts stop at 一 or 二 with none of the closing parts (存在问题, 改进措施, 结果应用 …):
  missing parts and attachments are then not reported as missing from the report.
"""

from __future__ import annotations

import re

from ..model import Gap, Report, Source, Value
from ..readers.document import Document, Paragraph
from .explain import unmatched_tables
from .numbers import normalize

FAMILIES = {"产出指标": r"产出", "效益指标": r"效益|效果", "满意度指标": r"满意"}
CONTINUES = ("，", ",", "；", ";", "、", "：", ":")
TOP_HEADING = re.compile(r"^([一二三四五六七八九十]+)[、.．]")
CLOSING = re.compile(r"存在的?(?:主要)?问题|改进措施|改进建议|下一步|结果.{0,4}应用|公开情况|其他需要说明")
NUMERALS = "一二三四五六七八九十"
LIST_ITEM = re.compile(r"^(?:\d+[.、．]|[（(]\d+[)）]|[（(][一二三四五六七八九十]+[)）])")
TRAILER = re.compile(r"^(?:填表人|填报人|填报日期|联系电话|单位负责人|项目负责人|财务负责人|审核人|附件|注[:：]|说明[:：])")


def find_gaps(doc: Document, report: Report) -> list[Gap]:
    """The gaps of ``report`` read from ``doc`` (its view of the file)."""
    return _table_gaps(doc, report) + _text_gaps(doc, report)


def _in_table(v: Value) -> bool:
    return v.source is not None and v.source.row is not None


def _table_gaps(doc: Document, report: Report) -> list[Gap]:
    sa = report.self_assessment
    if report.indicators and report.layout == "selfeval_table":
        if sa.total_weight.present or (sa.total.present and _in_table(sa.total)):
            return []
        names = [normalize(str(i.level1.value or "")) for i in report.indicators]
        seen = [f for f, rx in FAMILIES.items() if any(re.search(rx, n) for n in names)]
        unseen = [f for f in FAMILIES if f not in seen]
        if not unseen and sa.total.present:
            return []  # every family there and the total stated beside the table (广水: 自评总分 above it)
        msg = "自评表没有“总分”（合计）行，表格可能被截断"
        if seen:
            msg += f"；已读到的一级指标：{'、'.join(seen)}"
        if unseen:
            msg += f"，未见：{'、'.join(unseen)}"
        msg += "。无法核对分值合计、各项得分之和与复核总分"
        return [Gap(part="table", message=msg, evidence=report.indicators[-1].name)]
    funds = report.funds.full_year_budget if report.funds.full_year_budget.present else report.funds.executed
    if not report.indicators and not report.score_table and _in_table(funds) and not unmatched_tables(doc):
        # (an indicator table there but of a layout not known is JX905's, not a cut)
        return [Gap(part="table", message="有预算执行情况（资金）表，但其后没有三级指标表，表格可能被截断。无法复核指标得分和总分",
                    evidence=funds)]
    return []


def _text_gaps(doc: Document, report: Report) -> list[Gap]:
    if not doc.blocks or not isinstance(doc.blocks[-1], Paragraph):
        return []
    # the last sentence of the text: past the form's closing lines (填表人：… 填报日期：…), the
    # signature and the date
    paras = [b for b in doc.blocks if isinstance(b, Paragraph) and b.text.strip()]  # (normalize keeps a text empty or not)
    while paras and (TRAILER.match(normalize(paras[-1].text))
                     or len(normalize(paras[-1].text)) <= 30 and not LIST_ITEM.match(normalize(paras[-1].text))):
        paras.pop()  # (a short numbered item is text: a list after “做好以下工作：” ends the report)
    if not paras:
        return []
    last = paras[-1]
    text = normalize(last.text)
    where = Value(raw=last.text.strip()[-60:], source=Source(file=doc.path, block=last.index, line=last.line_end or last.line,
                                                             page=last.page))
    if text.endswith(CONTINUES):
        tail = last.text.strip()[-20:]
        return [Gap(part="text", evidence=where, message=f"正文在一句话中间结束（末句“…{tail}”），报告可能不完整")]
    if report.kind != "department":
        return []
    heads = [(normalize(b.text), b.text.strip()) for b in doc.blocks
             if isinstance(b, Paragraph) and len(b.text) <= 60 and normalize(b.text)]
    heads = [(t, raw) for t, raw in heads if len(t) <= 40]
    tops = [m.group(1) for t, _ in heads if (m := TOP_HEADING.match(t))]
    if tops and all(t in NUMERALS[:2] for t in tops) and not any(CLOSING.search(t) for t, _ in heads):
        heading = next(raw for t, raw in reversed(heads) if TOP_HEADING.match(t))
        return [Gap(part="text", evidence=where,
                    message=f"正文在“{heading}”部分之后结束，后面的部分（存在问题、改进措施等）都没有，报告可能不完整")]
    return []
