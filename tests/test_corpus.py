"""The development corpus (``../shared/corpus``): real documents from other provinces, read by
path, with hand-read gold. Every gold field is asserted per file and key, with the corpus's own
scorer semantics (``score.py``), so a regression names the file and the field; and the error and
warning findings of each file are exactly those reviewed to hold (README of the closing note).

The corpus is never copied into the repository; the tests skip where it is absent.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

import pytest

from jixiao.review import review_file

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SKIP = "../shared/corpus 不存在：开发语料仅在 CI 与开发机上提供"


def _gold() -> dict:
    path = CORPUS / "gold.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


GOLD = _gold()
CASES = [(name, key) for name, g in GOLD.items() if not name.startswith("_")
         for key in g if not key.startswith("_") and key != "findings_keywords"]
GROUPS = [(name, i) for name, g in GOLD.items() if not name.startswith("_")
          for i, _ in enumerate(g.get("findings_keywords", []))]

# The error- and warning-level findings each corpus file gets, every one read and found to hold
# (the gold's finding groups among them). A new one — or one gone — fails here by file and code.
FINDINGS = {
    "n01_hunan_heshan_2019.txt": {"JX904"},  # the text stops after 一、基本情况
    "n02_anhui_huoqiu_2022.txt": {"JX904"},  # the text stops mid-sentence (；)
    "n03_neimenggu_xilinguole_2022.docx": {"JX903"},  # the body names the region, not the unit
    "n04_hunan_yueyangxian_2020.txt": set(),
    "n05_sichuan_qingchuan_2021.txt": set(),
    "n06_yunnan_baoshan_2021.txt": set(),
    "t01_sichuan_qingshen_2023.xlsx": {"JX209"},  # 产出60/效益30, no 满意度 row
    "t02_anhui_jinzhai_2023.docx": {"JX306", "JX404", "JX904"},  # 338.31 > 329.77; 3061 vs ≥2000; cut
    "t02_anhui_jinzhai_2023.pdf": {"JX306", "JX404", "JX904"},
    "t03_shandong_licheng_2019.html": {"JX904"},  # cut in 效益
    "t04_hebei_chengan_2020.xlsx": {"JX404", "JX904"},  # 100% vs ≥75%; cut before 预算执行率 / 总分
    "t05_hubei_guangshui_jtj_2021.docx": {"JX904"},
    "t05_hubei_guangshui_jtj_2021.pdf": {"JX904"},
    "t06_hubei_guangshui_jw_2019.docx": {"JX904"},
    "t07_sichuan_zitong_2023.docx": {"JX904"},  # the attached table is cut before its indicators
    "t08_chongqing_pengshui_2024.html": {"JX101", "JX903", "JX905"},  # 321.25 vs 322.25; checklist layout
}


@functools.lru_cache(maxsize=None)
def _scorer():
    spec = importlib.util.spec_from_file_location("corpus_score", CORPUS / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@functools.lru_cache(maxsize=None)
def _record(name: str) -> dict:
    rf = review_file(CORPUS / "files" / name)
    return json.loads(rf.record.model_dump_json())


@pytest.fixture
def record():
    if not CORPUS.is_dir():
        pytest.skip(SKIP)
    return _record


@pytest.mark.parametrize(("name", "key"), CASES, ids=[f"{n}:{k}" for n, k in CASES])
def test_gold_field(record, name, key):
    rec = record(name)
    assert rec["error"] is None, rec["error"]
    want = GOLD[name][key]
    rep = rec["report"]
    score = _scorer()
    if key == "indicators_min":
        assert len(rep["indicators"]) >= want
    elif key.endswith("_contains"):
        got = score.get(rep, key[: -len("_contains")])
        assert isinstance(got, str) and want in got, got
    elif isinstance(want, (int, float)) and not isinstance(want, bool):
        got = score.num(score.get(rep, key))
        tol = 0.0006 if "rate" in key else 0.006
        assert got is not None and abs(got - want) <= tol, got
    else:
        assert score.get(rep, key) == want


@pytest.mark.parametrize(("name", "group"), GROUPS, ids=[f"{n}:{i}" for n, i in GROUPS])
def test_gold_finding_group(record, name, group):
    words = GOLD[name]["findings_keywords"][group]
    texts = [json.dumps({k: f.get(k) for k in ("code", "title", "message", "expected", "found")}, ensure_ascii=False)
             for f in record(name)["findings"]]
    assert any(any(w in t for w in words) for t in texts), words


@pytest.mark.parametrize("name", sorted(FINDINGS))
def test_errors_and_warnings_are_the_reviewed_ones(record, name):
    found = {f["code"] for f in record(name)["findings"] if f["severity"] in ("error", "warning")}
    assert found == FINDINGS[name]


def test_every_corpus_file_is_listed():
    if not CORPUS.is_dir():
        pytest.skip(SKIP)
    assert sorted(p.name for p in (CORPUS / "files").iterdir()) == sorted(FINDINGS)


def test_breakdown_names_the_one_wrong_cell(record):
    """重庆 t08: 特别扶助 321.25 ≠ 166.00 + 136.00 + 20.25, and 市级 343.00 ≠ 208.00 + 136.00: one finding
    naming 136.00 (135.00 fits both sums)."""
    hits = [f for f in record("t08_chongqing_pengshui_2024.html")["findings"] if f["code"] == "JX101"]
    assert len(hits) == 1
    msg = hits[0]["message"]
    assert "322.25" in msg and "344" in msg and "136.00" in msg and "135" in msg


def test_cut_table_is_said_once_and_not_totalled(record):
    rec = record("t05_hubei_guangshui_jtj_2021.docx")
    gaps = [f for f in rec["findings"] if f["code"] == "JX904"]
    assert len(gaps) == 1 and "未见：效益指标、满意度指标" in gaps[0]["message"]
    card = rec["scorecards"][0]
    assert card["total"] is None and "不计算复核总分" in card["note"]
    assert rec["report"]["self_assessment"]["total"]["value"] == 95  # 自评总分：95, from the line above the table


def test_traditional_names_stay_traditional(record):
    rep = record("n04_hunan_yueyangxian_2020.txt")["report"]
    assert rep["kind"] == "project"
    assert rep["project_name"]["value"] == "岳陽縣農村公路養護"
    assert rep["unit_name"]["value"] == "岳陽縣農村公路養護中心"
    assert rep["project_name"]["source"]["line"] == 2


def test_unfilled_or_tableless_reports_get_no_recomputed_total(record):
    """四川 t01 leaves every 完成值 and 得分 blank; 内蒙古 n03 has no indicator table: the items that
    can be are scored (执行率 251.89/251.89), no total is made up from them."""
    card = record("t01_sichuan_qingshen_2023.xlsx")["scorecards"][0]
    assert card["total"] is None and "2 项指标既无可计算的完成值也无自评得分" in card["note"]
    assert card["items"][0]["score"] == 10  # 预算执行率 10 × min(100%, 1)
    card = record("n03_neimenggu_xilinguole_2022.docx")["scorecards"][0]
    assert card["total"] is None and "没有绩效指标表" in card["note"]
