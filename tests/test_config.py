"""jixiao.toml / [tool.jixiao]: found upward, validated with file:line errors, and changing results."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal as D
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.config import ConfigError, Settings, find_config, load_config
from jixiao.review import review_file

ROOT = Path(__file__).resolve().parents[1]
CLEAN = ROOT / "examples" / "clean_2024_示例区文化馆.txt"
PLANTED = ROOT / "examples" / "planted_2024_示例区商务服务中心.txt"


def write(folder: Path, text: str, name: str = "jixiao.toml") -> Path:
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


def test_found_upward_jixiao_toml_and_pyproject(tmp_path):
    deep = tmp_path / "2024" / "商务"
    deep.mkdir(parents=True)
    assert find_config(deep) is None
    pp = write(tmp_path, "[project]\nname = 'x'\n\n[tool.jixiao]\nignore = ['JX4']\n", "pyproject.toml")
    assert find_config(deep) == pp
    assert load_config(pp).ignore == ["JX4"]
    own = write(tmp_path / "2024", 'ruleset = "narrative"\n')
    assert find_config(deep / "report.txt") == own


@pytest.mark.parametrize("text,line,needle", [
    ('ruleset = "national_2020"\n\n[params]\nreverse_fromula = "target_over_actual"\n', 4, "reverse_fromula"),
    ('[params]\nscore_tolerance = 0.1\nreverse_formula = "half"\n', 3, "reverse_formula"),
    ('ruleset = "beijing"\n', 1, "ruleset"),
    ('select = ["JX1", "JX999"]\n', 1, "JX999"),
    ('[severity]\nJX305 = "fatal"\n', 2, "JX305"),
    ('[grades]\nbands = [[80, "良"], [90, "优"]]\n', 2, "grades.bands"),
    ('[items."Y-99"]\nstep = 1\n', 1, "Y-99"),
    ('ignore = []\n\n[items."H-01"]\nwieght = 5\n', 3, "wieght"),
    ('[items."H-04"]\nbands = "8"\n', 1, "bands"),
    ('ignore = ["JX4"\n', 1, "TOML"),
])
def test_wrong_key_or_value_names_file_and_line(tmp_path, text, line, needle):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    msg = str(exc.value)
    assert msg.startswith(f"{p}:{line}: "), msg
    assert needle in msg


def test_grade_bands_change_the_grade(tmp_path):
    s = load_config(write(tmp_path, '[grades]\nbands = [[97, "优"], [85, "良"], [60, "中"], [0, "差"]]\n'))
    rec = review_file(CLEAN, s).record
    card = rec.scorecards[0]
    assert card.total == D("96.85") and card.grade == "良"  # 优 under the default ≥90 bands
    jx206 = next(f for f in rec.findings if f.code == "JX206")  # the report writes 优 beside 96.85
    assert jx206.expected == "良" and jx206.found == "优"
    default = review_file(CLEAN).record
    assert default.scorecards[0].grade == "优" and "JX206" not in {f.code for f in default.findings}


def test_documented_example_config_loads():
    s = load_config(ROOT / "docs" / "jixiao.example.toml")
    assert s.ignore == ["JX406"] and s.severity == {"JX305": "error"}
    assert s.overrides()["items"] == {"H-01": {"weight": 5}}


def test_params_change_the_formulas(tmp_path, seed):
    s = load_config(write(tmp_path, '[params]\nreverse_formula = "one_minus_overshoot"\n'
                                    'execution_score = "interval"\n'))
    default = review_file(seed("002")).record.scorecards[0]
    changed = review_file(seed("002"), s).record.scorecards[0]
    cost = lambda card: next(i for i in card.items if i.indicator == "部门整体支出预算控制数")  # noqa: E731
    assert cost(default).score == D("7.85") and cost(changed).score == D("7.26")
    assert changed.total == default.total - D("0.59")
    s3 = review_file(seed("003"), s).record.scorecards[0]
    assert s3.items[0].score == D("6.00") and "≥ 60.00%" in s3.items[0].formula  # 66.46% in the 60% band


def test_select_ignore_and_severity(tmp_path):
    base = {f.code: f.severity for f in review_file(PLANTED).record.findings}
    assert base["JX301"] == "error" and any(c.startswith("JX4") for c in base)
    s = load_config(write(tmp_path, 'ignore = ["JX4", "报告完整性"]\n[severity]\nJX301 = "warning"\n'))
    got = {f.code: f.severity for f in review_file(PLANTED, s).record.findings}
    assert not any(c.startswith(("JX4", "JX5")) for c in got)
    assert got["JX301"] == "warning"
    only = Settings(select=["JX203", "JX204"])
    assert {f.code for f in review_file(PLANTED, only).record.findings} == {"JX203", "JX204"}


def test_cli_uses_folder_config_and_ruleset_flag(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(CLEAN, inbox)
    write(inbox, '[grades]\nbands = [[97, "优"], [85, "良"], [60, "中"], [0, "差"]]\n')
    runner = CliRunner()
    res = runner.invoke(app, ["review", str(inbox), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    rec = json.loads((tmp_path / "out" / "records.jsonl").read_text("utf-8").splitlines()[0])
    assert rec["scorecards"][0]["grade"] == "良" and rec["ruleset_origin"] == "检测"
    res = runner.invoke(app, ["review", str(inbox), "-o", str(tmp_path / "out2"), "--ruleset", "hunan_dept_2017"])
    rec = json.loads((tmp_path / "out2" / "records.jsonl").read_text("utf-8").splitlines()[0])
    assert (rec["ruleset"], rec["ruleset_origin"]) == ("hunan_dept_2017", "指定")
    assert [i["rule"] for i in rec["scorecards"][0]["items"]] == ["H-01", "H-02", "H-03", "H-04", "H-05"]
    bad = write(tmp_path, "[params]\nmoney_tolerance = -1\n", "bad.toml")
    res = runner.invoke(app, ["review", str(inbox), "-o", str(tmp_path / "o3"), "--config", str(bad)])
    assert res.exit_code == 2 and f"{bad}:2:" in res.output
    res = runner.invoke(app, ["review", str(inbox), "--ruleset", "beijing"])
    assert res.exit_code == 2 and "未知的规则集" in res.output
