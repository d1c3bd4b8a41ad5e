"""jixiao.author.documents: real records (seeds 002/003/004, the examples) written as the 自评表
(.docx, .xlsx) and the 自评报告 (.docx), reviewed again, read back field by field."""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from jixiao.author.documents import (
    write_report_docx,
    write_selfeval_docx,
    write_selfeval_xlsx,
)
from jixiao.model import Report
from jixiao.review import review_file

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
SOURCES = [
    SEEDS / "002_863228ed33efbab2.txt",
    SEEDS / "003_3263db2257e1df56.txt",
    SEEDS / "004_2eba2eb995dbe992.txt",
    ROOT / "examples" / "clean_2024_示例区文化馆.txt",
    ROOT / "examples" / "project_2023_示例区图书馆免费开放.txt",
    ROOT / "examples" / "project_2019_示例区农村人居环境整治.txt",
    ROOT / "examples" / "planted_2024_示例区体育事业发展中心_附项目表.txt",
]


def _records(path: Path):
    if not path.exists():
        pytest.skip(f"{path} not available")
    rf = review_file(path)
    assert rf.ok, rf.record.error
    return [(d.record.report, d.record.scorecards) for d in rf.documents()]


def _num(v) -> Decimal | None:
    return v.value if isinstance(v.value, Decimal) else (None if v.value is None else Decimal(str(v.value)))


def _text(v) -> str | None:
    return None if v.value is None else re.sub(r"\s+", "", str(v.value))


def _assert_same(a: Report, b: Report) -> None:
    assert b.kind == a.kind
    assert b.unit_name.value == a.unit_name.value
    assert b.project_name.value == a.project_name.value
    assert b.year.value == a.year.value
    for k in ("initial_budget", "full_year_budget", "executed", "execution_rate", "weight", "self_score"):
        assert _num(getattr(b.funds, k)) == _num(getattr(a.funds, k)), k
    assert [(s.name.value, _num(s.initial_budget), _num(s.full_year_budget), _num(s.executed))
            for s in b.funds.by_source] == [(s.name.value, _num(s.initial_budget), _num(s.full_year_budget),
                                             _num(s.executed)) for s in a.funds.by_source]
    assert {k: _num(v) for k, v in b.funds.by_nature.items()} == {k: _num(v) for k, v in a.funds.by_nature.items()}
    assert len(b.indicators) == len(a.indicators)
    for x, y in zip(a.indicators, b.indicators):
        for k in ("level1", "level2", "name", "target", "actual", "deviation"):
            assert _text(getattr(y, k)) == _text(getattr(x, k)), (x.name.value, k)
        assert y.target.parsed == x.target.parsed, x.name.value
        assert _num(y.weight) == _num(x.weight) and _num(y.self_score) == _num(x.self_score), x.name.value
        assert y.not_applicable == x.not_applicable
    sa, sb = a.self_assessment, b.self_assessment
    assert _num(sb.total) == _num(sa.total) and _num(sb.total_weight) == _num(sa.total_weight)
    assert sb.grade.value == sa.grade.value
    assert [_text(g) for g in b.qualitative_goals] == [_text(g) for g in a.qualitative_goals]
    if a.kind == "project":
        assert b.managing_department.value == a.managing_department.value
        assert b.implementing_unit.value == a.implementing_unit.value
        assert _text(b.conclusion) == _text(a.conclusion)


def _cards(cards):
    return [(c.ruleset, c.total, c.grade, c.self_total) for c in cards]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem[:24])
def test_selfeval_docx_and_xlsx_read_back(source: Path, tmp_path: Path):
    for n, (report, cards) in enumerate(_records(source)):
        for write, suffix in ((write_selfeval_docx, ".docx"), (write_selfeval_xlsx, ".xlsx")):
            out = write(report, tmp_path / f"{n}{suffix}")
            back = review_file(out)
            assert back.ok, back.record.error
            assert len(back.documents()) == 1  # one table, one record
            _assert_same(report, back.record.report)
            assert _cards(back.record.scorecards) == _cards(cards)


def test_selfeval_docx_has_real_merged_cells(tmp_path: Path):
    report = _records(SEEDS / "002_863228ed33efbab2.txt")[0][0]
    out = write_selfeval_docx(report, tmp_path / "t.docx")
    xml = zipfile.ZipFile(out).read("word/document.xml").decode("utf-8")
    assert xml.count("<w:gridSpan") >= 10
    assert '<w:vMerge w:val="restart"/>' in xml and "<w:vMerge/>" in xml
    # as the reader sees them: 绩效指标 spans its header and the 18 indicator rows
    back = review_file(out, keep_document=True)
    table = back.document.tables[0]
    head = next(c for row in table.rows for c in row if c.clean == "绩效指标")
    assert head.rowspan == 19
    unit = next(c for row in table.rows for c in row if c.clean == "中国国际贸易促进委员会娄底支会")
    assert unit.colspan == 7


def test_report_docx_sections_figures_and_attachments(tmp_path: Path):
    report, cards = _records(SEEDS / "004_2eba2eb995dbe992.txt")[0]
    texts = {"部门（单位）基本情况": "区工商联是联系非公有制经济人士的桥梁和纽带。",
             "存在的问题及原因分析": "（一）预算精准性有待进一步提高。由于预算编制具有不可预见性，公用支出安排缺乏统筹。",
             "下一步改进措施": "（一）加强预算编制的前瞻性，提高预算编制水平。"}
    out = write_report_docx(report, tmp_path / "r.docx", texts)
    back = review_file(out)
    assert back.ok
    b = back.record.report
    _assert_same(report, b)
    assert _cards(back.record.scorecards) == _cards(cards)
    # the 统一参考格式 headings are found, the basic data table and staffing read back
    assert {"概况", "存在问题", "改进措施", "结果应用", "绩效情况"} <= set(b.sections)
    for path in ("three_public.total", "basic_data.project_spending", "basic_data.basic_adjustment"):
        x, y = report, b
        for part in path.split("."):
            x, y = getattr(x, part), getattr(y, part)
        for k in ("prior_actual", "budget", "actual"):
            assert _num(getattr(y, k)) == _num(getattr(x, k)), (path, k)
    assert (b.staffing.authorized.value, b.staffing.actual.value) == (report.staffing.authorized.value,
                                                                     report.staffing.actual.value)
    assert b.staffing.control_rate.value == report.staffing.control_rate.value
    text = "\n".join(back.lines)
    assert "区工商联是联系非公有制经济人士的桥梁和纽带。" in text
    assert "附件：1.2024年度部门整体支出绩效评价基础数据表" in text
    assert back.record.quality is not None


def test_project_report_docx_is_one_project_record(tmp_path: Path):
    report, cards = _records(ROOT / "examples" / "project_2023_示例区图书馆免费开放.txt")[0]
    out = write_report_docx(report, tmp_path / "p.docx", {"项目概况": "本项目保障图书馆免费开放。"})
    back = review_file(out)
    assert back.ok and len(back.documents()) == 1
    _assert_same(report, back.record.report)
    assert _cards(back.record.scorecards) == _cards(cards)
