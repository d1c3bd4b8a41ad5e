"""复核意见 (.docx) built from real reviewed records and re-read with python-docx.

Seed 003 (岳麓区商务局 2019): 自评 98.5 vs 复核 95.30; its only item that scores differently is
预算执行率 (not scored separately in the table, recomputed 10×66.46% = 6.65); JX305 reports the
66.46% execution rate. The planted example's second project table recomputes two items lower.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from jixiao.model import Record
from jixiao.report.opinion import (
    Triage,
    cn_number,
    differing_items,
    opinion_docx,
    points_text,
)
from jixiao.review import review_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TODAY = date(2025, 3, 5)
AT = datetime(2025, 3, 1, 9, 30)


def _open(data: bytes):
    return docx.Document(io.BytesIO(data))


def _paragraphs(d) -> list[str]:
    return [p.text for p in d.paragraphs]


def _section(lines: list[str], start: str, end: str | None) -> list[str]:
    i = lines.index(start)
    j = lines.index(end) if end is not None else len(lines)
    return lines[i + 1:j]


def _table_rows(d) -> list[list[str]]:
    assert len(d.tables) == 1
    return [[c.text for c in row.cells] for row in d.tables[0].rows]


def _index(record: Record, code: str) -> int:
    hits = [i for i, f in enumerate(record.findings) if f.code == code]
    assert len(hits) == 1, (code, hits)
    return hits[0]


@pytest.fixture
def seed003(reviewed):
    _, rf = reviewed("003")
    return rf.record


def _triage_003(record: Record) -> list[Triage | None]:
    triage: list[Triage | None] = [None] * len(record.findings)
    triage[_index(record, "JX305")] = Triage("确认", "执行率仅66.46%，请说明未执行原因", "李四", AT)
    triage[_index(record, "JX202")] = Triage("确认", "预算执行率应单独赋10分", "李四", AT)
    triage[_index(record, "JX408")] = Triage("不采纳", "“预计完成”系对下年度的展望，不作为完成情况", "李四", AT)
    return triage


def test_seed003_opinion(seed003):
    rec = seed003
    card = rec.scorecards[0]
    data = opinion_docx(rec, _triage_003(rec), reviewer="李四", version=2, today=TODAY)
    assert data[:2] == b"PK"
    d = _open(data)
    lines = _paragraphs(d)
    text = "\n".join(lines)

    assert lines[0] == "关于《岳麓区商务局2019年度部门整体支出绩效自评报告》的复核意见"
    assert "岳麓区商务局：" in lines
    assert d.core_properties.title == lines[0]

    basic = _section(lines, "一、基本情况", "二、评分复核")
    assert "预算部门（单位）：岳麓区商务局" in basic
    assert "评价年度：2019年度" in basic
    assert card.self_total == Decimal("98.5") and card.total == Decimal("95.30")
    assert "自评得分：98.50分" in basic and "复核得分：95.30分" in basic
    assert f"自评等次：{card.self_grade}" in basic and f"复核等次：{card.grade}" in basic
    assert "复核得分比自评得分低3.20分。" in basic
    rate = next(x for x in basic if x.startswith("预算执行率："))
    assert "全年预算数5071.49万元" in rate and "全年执行数3370.55万元" in rate and "66.46%" in rate

    # 二、评分复核: exactly the scorecard items whose recomputed score differs
    differing = [it for it in card.items if it.score is not None and it.score != it.self_score]
    assert [it.indicator for it in differing] == ["预算执行率"]
    rows = _table_rows(d)
    assert rows[0] == ["三级指标/项目", "分值", "自评得分", "复核得分", "得分差（自评−复核）", "计算方法", "依据"]
    assert rows[1][:5] == ["预算执行率", "10", "未填", "6.65", "—"]
    assert "10×66.46% = 6.65" in rows[1][5]
    # 依据 cites the rule's source, marked 推断 — no rule id, no provenance tag
    assert rows[1][6].startswith("执行率 = 全年执行数 / 全年预算数") and rows[1][6].endswith("（推断）")
    assert "N-05" not in text and "INF" not in text and "national_2020" not in text
    assert "复核所依据的评分规则：财预〔2020〕10号" in basic
    assert len(rows) == 1 + len(differing)
    assert "折算说明：指标分值合计 100.0 分，按 90 分折算（×0.9000），另加预算执行率 10 分。" in lines

    # 三、复核确认的问题: errors first, title, message, evidence with its location, comment
    confirmed = _section(lines, "三、复核确认的问题", "四、需整改事项")
    assert confirmed[0] == "（一）预算执行率未单独赋分（错误）"
    assert "（二）预算执行率偏低（警告）" in confirmed
    jx305 = rec.findings[_index(rec, "JX305")]
    assert f"问题说明：{jx305.message}" in confirmed
    cited = [x for x in confirmed if x.startswith("“3370.55”")]
    assert cited and "块" not in cited[0] and "·" in cited[0]  # the place by table/row/column headings
    assert "复核意见：执行率仅66.46%，请说明未执行原因（李四，2025-03-01 09:30）" in confirmed
    assert "复核意见：预算执行率应单独赋10分（李四，2025-03-01 09:30）" in confirmed

    fixes = _section(lines, "四、需整改事项", "附：未采纳的问题")
    assert fixes[0] == "经复核，确认问题2项（错误1项、警告1项）。请对照以下事项予以更正："
    assert fixes[1].startswith("1. 预算执行率未单独赋分（现为：分值100（总分）；应为：执行率单独占10分）")
    assert fixes[2].startswith("2. 预算执行率偏低（现为：66.46%")
    assert len(fixes) == 3

    # the dismissed finding appears only in the annex, with its reason
    annex = _section(lines, "附：未采纳的问题", None)
    dismissed = rec.findings[_index(rec, "JX408")].title
    assert dismissed == "以预计数作为完成情况"
    assert text.count(dismissed) == 1
    assert any(x.startswith(f"1. {dismissed}：") for x in annex)
    assert "不采纳理由：“预计完成”系对下年度的展望，不作为完成情况（李四，2025-03-01 09:30）" in annex
    pending = len(rec.findings) - 3
    assert pending == 10  # 13 findings, JX210 among them (21.15 points of prose targets answered “已完成”)
    assert f"另有{pending}项问题尚待复核，未纳入本复核意见。" in annex
    # a pending finding is nowhere in the opinion
    assert "存在问题归纳不全面或过于简单" not in text

    assert lines[-3:] == ["复核人：李四", "版本：第2版", "2025年3月5日"]


def test_fonts_are_cjk(seed003):
    d = _open(opinion_docx(seed003, [None] * len(seed003.findings), today=TODAY))
    rfonts = d.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert rfonts.get(qn("w:eastAsia")) == "仿宋"
    assert rfonts.get(qn("w:asciiTheme")) is None
    title_run = d.paragraphs[0].runs[0]._element
    assert title_run.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "宋体"
    heading = next(p for p in d.paragraphs if p.text == "一、基本情况")
    assert heading.runs[0]._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "黑体"


def test_nothing_decided(seed003):
    d = _open(opinion_docx(seed003, [None] * len(seed003.findings), today=TODAY))
    lines = _paragraphs(d)
    assert _section(lines, "三、复核确认的问题", "四、需整改事项") == ["经复核，未确认存在问题。"]
    annex = _section(lines, "附：未采纳的问题", None)
    assert annex[:2] == ["无。", f"另有{len(seed003.findings)}项问题尚待复核，未纳入本复核意见。"]
    assert "复核人：＿＿＿＿＿＿" in lines and "2025年3月5日" in lines
    assert not any(x.startswith("版本：") for x in lines)


def test_triage_must_match_findings(seed003):
    with pytest.raises(ValueError, match="triage"):
        opinion_docx(seed003, [None], today=TODAY)
    with pytest.raises(ValueError, match="status"):
        opinion_docx(seed003, [Triage("同意")] + [None] * (len(seed003.findings) - 1), today=TODAY)


def test_no_scorecard_seed001(reviewed):
    _, rf = reviewed("001")
    rec = rf.record
    assert not rec.scorecards
    triage = [Triage("确认", "请补充说明") if i == 0 else None for i in range(len(rec.findings))]
    lines = _paragraphs(_open(opinion_docx(rec, triage, reviewer="王五", today=TODAY)))
    assert lines[0] == "关于《益阳市资阳区商务局2020年度部门整体支出绩效自评报告》的复核意见"
    assert any(x.startswith("复核得分：无法复核（") for x in lines)
    assert any(x.startswith("无法复核评分：") for x in lines)
    assert f"（一）{rec.findings[0].title}" in _section(lines, "三、复核确认的问题", "四、需整改事项")[0]


def test_error_record():
    rec = review_file("/nonexistent/报告.pdf").record
    assert rec.error is not None
    d = _open(opinion_docx(rec, [], reviewer="李四", today=TODAY))
    lines = _paragraphs(d)
    assert lines[0] == "关于《报告.pdf》的复核意见"
    assert "复核结论：经复核，该报告无法复核。" in lines
    assert f"原因：{rec.error}" in lines
    assert lines[-2:] == ["复核人：李四", "2025年3月5日"]
    assert not d.tables


def test_project_table_example():
    rf = review_file(EXAMPLES / "planted_2024_示例区体育事业发展中心_附项目表.txt")
    rec = rf.parts[1].record
    assert rec.report.kind == "project"
    card = rec.scorecards[0]
    all_confirmed = [Triage("确认", None) for _ in rec.findings]
    d = _open(opinion_docx(rec, all_confirmed, today=TODAY))
    lines = _paragraphs(d)
    assert lines[0] == "关于《公共体育设施维护经费2024年度项目支出绩效自评表》的复核意见"
    assert "项目名称：公共体育设施维护经费" in lines
    assert "实施单位：示例区体育事业发展中心" in lines
    rows = _table_rows(d)[1:]
    items = differing_items(card)
    assert [r[0] for r in rows] == [it.indicator for it in items] == ["预算执行率", "维修更新健身路径器材套数"]
    for row, it in zip(rows, items):
        assert row[2:5] == [points_text(it.self_score), points_text(it.score), points_text(it.self_score - it.score)]
    assert rows[1][2:5] == ["20.00", "16.00", "4.00"]  # 得分差 = 自评 − 复核: positive, the points taken off
    annex = _section(lines, "附：未采纳的问题", None)
    assert annex[:2] == ["无。", "无待复核的问题。"]


def test_parser_notices_never_in_the_opinion(reviewed):
    # seed 001 has no table: JX902 (解析) is a parser notice, not a finding about the unit
    _, rf = reviewed("001")
    rec = rf.record
    notices = [f for f in rec.findings if f.code.startswith("JX9")]
    assert notices, "seed 001 should carry a parser notice"
    everything_confirmed = [Triage("确认", "见报告") for _ in rec.findings]
    lines = _paragraphs(_open(opinion_docx(rec, everything_confirmed, reviewer="王五", today=TODAY)))
    text = "\n".join(lines)
    assert "JX9" not in text
    for f in notices:
        assert f.title not in text and f.message not in text
    audit = len(rec.findings) - len(notices)
    assert _section(lines, "四、需整改事项", "附：未采纳的问题")[0].startswith(f"经复核，确认问题{audit}项")
    # nor counted among the findings still 待复核
    annex = _section(_paragraphs(_open(opinion_docx(rec, [None] * len(rec.findings), today=TODAY))),
                     "附：未采纳的问题", None)
    assert annex[:2] == ["无。", f"另有{audit}项问题尚待复核，未纳入本复核意见。"]


def test_cn_number():
    assert [cn_number(n) for n in (1, 9, 10, 11, 20, 23, 99, 100)] == ["一", "九", "十", "十一", "二十", "二十三",
                                                                     "九十九", "100"]
