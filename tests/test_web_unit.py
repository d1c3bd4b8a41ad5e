"""单位填报 in the workspace (issue 13 item 4), in-process (TestClient over https://testserver):
the role ``unit`` from the command line; a unit user sees and changes only its own unit's drafts
and never the reviewers' workspace; a reviewer cannot edit a draft; a submission lands in the
reviewers' queue with source 在线填报, scored as ``jixiao author`` scores the same workbook, and a
second submission is 第2版 with the decisions carried — on SQLite and PostgreSQL.

The workbooks are the examples' (examples/填报/, invented units)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jixiao.cli import app as cli
from jixiao.store import create_user
from jixiao.store.models import Draft, DraftRevision, Report, Review
from jixiao.web.app import create_app

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "填报"
ARCHIVE = EXAMPLES / "clean_2025_示例区档案馆_填报.xlsx"  # 部门整体, 98.27 分
PALACE = EXAMPLES / "planted_2025_示例区青少年宫_填报.xlsx"  # 部门整体, planted JX301 JX305 JX405
PASSWORD = "correct-horse"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
STAFF = "基础数据表!B7"  # 2025年实际在职人数
UNIT_NAME = "基本信息!B6"  # 预算部门名称


def login(client: TestClient, username: str):
    token = CSRF.search(client.get("/login").text).group(1)
    return client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                       follow_redirects=False)


@pytest.fixture
def app(store):
    create_user(store, "dag", PASSWORD, "unit", "档案馆填报人", units=["示例区档案馆"])
    create_user(store, "qsn", PASSWORD, "unit", "青少年宫填报人", units=["示例区青少年宫"])
    create_user(store, "li", PASSWORD, "admin", "李复核")
    create_user(store, "wang", PASSWORD, "reviewer", "王复核", regions=["示例区"])
    return create_app(store, worker=False)


def _client(app, username: str) -> TestClient:
    c = TestClient(app, base_url="https://testserver")
    assert login(c, username).status_code == 303
    return c


def _csrf(c: TestClient) -> dict:
    return {"X-CSRF-Token": c.get("/api/me").json()["csrf_token"]}


def _upload(c: TestClient, workbook: Path) -> int:
    token = CSRF.search(c.get("/unit").text).group(1)
    r = c.post("/unit/upload", data={"csrf_token": token},
               files={"workbook": (workbook.name, workbook.read_bytes(), "application/octet-stream")},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    return int(re.search(r"/unit/drafts/(\d+)$", r.headers["location"]).group(1))


def test_user_add_role_unit_needs_a_unit_and_no_region(store_url, tmp_path, monkeypatch):
    monkeypatch.setenv("JIXIAO_DATA", str(tmp_path))
    runner = CliRunner()

    def add(*args):
        return runner.invoke(cli, ["user", "add", *args, "--password-stdin", "--db", store_url], input=PASSWORD + "\n")

    ok = add("dag", "--role", "unit", "--unit", "示例区档案馆")
    assert ok.exit_code == 0, ok.output
    none = add("dag2", "--role", "unit")
    assert none.exit_code == 2 and "--unit" in none.output
    region = add("dag3", "--role", "unit", "--unit", "示例区档案馆", "--region", "示例区")
    assert region.exit_code == 2 and "不能分配地区" in region.output
    grant = runner.invoke(cli, ["user", "grant", "dag", "--region", "示例区", "--db", store_url])
    assert grant.exit_code == 2
    listed = runner.invoke(cli, ["user", "list", "--db", store_url])
    assert listed.output.split()[:2] == ["dag", "unit"] and "单位：示例区档案馆" in listed.output
    assert "dag2" not in listed.output and "dag3" not in listed.output


def test_a_unit_user_sees_only_its_own_unit(app, store):
    dag, qsn = _client(app, "dag"), _client(app, "qsn")
    mine = _upload(dag, ARCHIVE)
    assert dag.post(f"/api/unit/drafts/{mine}/submit", headers=_csrf(dag)).status_code == 200
    with store.session() as s:
        report_id = s.scalar(Report.__table__.select().with_only_columns(Report.id))
        revision = s.get(Draft, mine).revision
    h = _csrf(qsn)
    # the other unit's draft is not there: list, detail, save, check, submit, documents, pages
    assert qsn.get("/api/unit/drafts").json() == []
    assert qsn.get(f"/api/unit/drafts/{mine}").status_code == 404
    assert qsn.put(f"/api/unit/drafts/{mine}", json={"fields": {STAFF: "1"}}, headers=h).status_code == 404
    assert qsn.post(f"/api/unit/drafts/{mine}/check", json={"fields": {}}, headers=h).status_code == 404
    assert qsn.post(f"/api/unit/drafts/{mine}/submit", headers=h).status_code == 404
    for doc in ("selfeval.docx", "selfeval.xlsx", "report.docx", "checklist.md"):
        assert qsn.get(f"/api/unit/drafts/{mine}/files/{doc}").status_code == 404
        assert qsn.get(f"/unit/drafts/{mine}/files/{doc}").status_code == 404
    assert qsn.get(f"/unit/drafts/{mine}").status_code == 404
    token = CSRF.search(qsn.get("/unit").text).group(1)
    assert qsn.post(f"/unit/drafts/{mine}", data={"csrf_token": token, STAFF: "1"}).status_code == 404
    assert qsn.post(f"/unit/drafts/{mine}/submit", data={"csrf_token": token}).status_code == 404
    assert qsn.post(f"/unit/drafts/{mine}/upload", data={"csrf_token": token},
                    files={"workbook": ("a.xlsx", PALACE.read_bytes())}).status_code == 404
    assert "示例区档案馆" not in qsn.get("/unit").text
    # nor anything of the reviewers' workspace, its own unit's report included
    assert qsn.get("/", follow_redirects=False).headers["location"] == "/unit"
    for path in ("/api/reports", f"/api/reports/{report_id}", f"/reports/{report_id}", "/audit", "/upload",
                 "/portfolio.xlsx", f"/reports/{report_id}/opinion.docx", f"/reports/{report_id}/history",
                 "/api/facets", "/api/audit", f"/api/reports/{report_id}/history", "/batches/1"):
        assert qsn.get(path, follow_redirects=False).status_code == 403, path
        assert dag.get(path, follow_redirects=False).status_code == 403, path
    assert qsn.post("/api/findings/1/decision", json={"status": "确认"}, headers=h).status_code == 403
    big = qsn.post("/unit/upload", data={"csrf_token": token}, files={"workbook": ("a.xlsx", b"x" * (7 << 20))})
    assert big.status_code == 413 and "工作簿过大" in big.text
    # a workbook of another unit is refused, and nothing of it kept
    r = qsn.post("/unit/upload", data={"csrf_token": token},
                 files={"workbook": (ARCHIVE.name, ARCHIVE.read_bytes())})
    assert r.status_code == 422 and "不是您可填报的单位" in r.text
    # the unit's own name cannot be typed over: it is written in on every save
    own = _upload(qsn, PALACE)
    saved = qsn.put(f"/api/unit/drafts/{own}", json={"fields": {UNIT_NAME: "示例区档案馆"}}, headers=h).json()
    assert saved["fields"][UNIT_NAME] == "示例区青少年宫" and saved["unit"] == "示例区青少年宫"
    with store.session() as s:
        assert s.get(Draft, mine).revision == revision  # untouched
        assert s.get(Draft, own).unit_name == "示例区青少年宫"


def test_reviewers_cannot_open_or_edit_a_units_draft(app):
    dag = _client(app, "dag")
    mine = _upload(dag, ARCHIVE)
    for name in ("li", "wang"):
        c = _client(app, name)
        h = _csrf(c)
        assert c.get("/unit").status_code == 403
        assert c.get(f"/unit/drafts/{mine}").status_code == 403
        assert c.get("/api/unit/drafts").status_code == 403
        assert c.put(f"/api/unit/drafts/{mine}", json={"fields": {STAFF: "1"}}, headers=h).status_code == 403
        assert c.post(f"/api/unit/drafts/{mine}/submit", headers=h).status_code == 403
    assert dag.get(f"/api/unit/drafts/{mine}").json()["fields"][STAFF] == "18"


def test_the_form_scores_checks_and_writes_the_documents(app, tmp_path):
    from jixiao.author.pipeline import author

    expected = author(PALACE, tmp_path / "out")  # what `jixiao author` gives for the same workbook
    assert expected.scorecard.total == Decimal("94.60")
    qsn = _client(app, "qsn")
    draft = _upload(qsn, PALACE)
    got = qsn.get(f"/api/unit/drafts/{draft}").json()
    assert got["ok"] and got["score"]["total"] == "94.6" and got["score"]["grade"] == expected.scorecard.grade
    codes = [f["code"] for f in got["findings"] if f["severity"] != "info"]
    assert codes == ["JX301", "JX305", "JX405"]
    jx405 = next(f for f in got["findings"] if f["code"] == "JX405")
    assert "举办青少年科普活动场次" in jx405["message"]
    # the live check: text in a money cell is a problem at that field; nothing saved
    h = _csrf(qsn)
    fields = got["fields"] | {"资金!D6": "四百三十"}
    live = qsn.post(f"/api/unit/drafts/{draft}/check", json={"fields": fields}, headers=h).json()
    assert not live["ok"] and live["score"] is None
    assert live["problems"][0]["field"] == "资金!D6" and "须为数字" in live["problems"][0]["message"]
    assert "须改正" in live["html"]
    assert qsn.get(f"/api/unit/drafts/{draft}").json()["fields"]["资金!D6"] == "430"
    # the 偏差原因 filled: JX405 gone, the score unchanged
    row = next(k for k, v in got["fields"].items() if v == "举办青少年科普活动场次").split("!")[1][1:]
    fixed = got["fields"] | {f"绩效指标!J{row}": "受场馆维修影响，两场活动未能举办；明年提前安排场地。"}
    saved = qsn.put(f"/api/unit/drafts/{draft}", json={"fields": fixed}, headers=h).json()
    assert [f["code"] for f in saved["findings"] if f["severity"] != "info"] == ["JX301", "JX305"]
    assert saved["revision"] == 2
    # the documents of what was saved
    docx = qsn.get(f"/unit/drafts/{draft}/files/selfeval.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert "no-store" in docx.headers["cache-control"]
    check = qsn.get(f"/unit/drafts/{draft}/files/checklist.md").text
    assert "计算的得分：94.6 分" in check and "来源：在线填报" in check
    assert "在线填报·资金·年度资金总额·全年执行数" in check  # JX305's place, by the field's name
    page = qsn.get(f"/unit/drafts/{draft}").text
    assert 'id="total">94.6<' in page and "JX301" in page


def test_a_submission_lands_in_the_queue_and_a_resubmission_is_version_2(app, store, tmp_path):
    from jixiao.author.pipeline import author

    expected = author(ARCHIVE, tmp_path / "out").scorecard.total
    assert expected == Decimal("98.27")
    dag, li = _client(app, "dag"), _client(app, "li")
    draft = _upload(dag, ARCHIVE)
    h = _csrf(dag)
    # refused while a problem remains, saying which
    fields = dag.get(f"/api/unit/drafts/{draft}").json()["fields"]
    blank = {k: v for k, v in fields.items() if k != STAFF}
    dag.put(f"/api/unit/drafts/{draft}", json={"fields": blank}, headers=h)
    refused = dag.post(f"/api/unit/drafts/{draft}/submit", headers=h)
    assert refused.status_code == 409 and "基础数据表：“2025年实际在职人数”必须填写" in refused.json()["detail"]
    assert li.get("/api/reports").json() == []
    dag.put(f"/api/unit/drafts/{draft}", json={"fields": fields}, headers=h)
    first = dag.post(f"/api/unit/drafts/{draft}/submit", headers=h).json()
    assert first["version"] == 1 and not first["same"]
    # the reviewers' queue: a structured record, source 在线填报, scored as jixiao author scores it
    (row,) = li.get("/api/reports").json()
    assert row["unit_name"] == "示例区档案馆" and row["year"] == 2025 and row["region"] == "示例区"
    assert row["file"] == "在线填报：2025年度示例区档案馆" and row["version"] == 1
    assert Decimal(str(row["self_total"])) == expected == Decimal(str(row["total"]))
    assert row["execution_rate"] == pytest.approx(429.7 / 440, abs=1e-4)
    assert "在线填报" in li.get("/").text  # 组合总览 shows the source
    assert [r["id"] for r in _client(app, "wang").get("/api/reports").json()] == [row["id"]]  # 示例区's reviewer
    with store.session() as s:
        review = s.get(Report, row["id"]).review
        assert review.format == "online"
        blob = json.loads(store.files.path(review.sha256).read_bytes())
        assert blob["source"] == "在线填报" and blob["fields"][STAFF] == "18"
        record = json.loads(s.get(Report, row["id"]).record_json)
    places = {e["source"]["place"] for f in record["findings"] for e in f["evidence"]}
    assert "在线填报·基础数据表·2025年实际在职人数" in places and all(p.startswith("在线填报·") for p in places)
    detail = li.get(f"/api/reports/{row['id']}").json()
    jx308 = next(f for f in detail["findings"] if f["code"] == "JX308")
    assert "18 / 20 = 90.00%" in jx308["message"]
    page = li.get(f"/reports/{row['id']}").text
    assert "在线填报·基础数据表·2025年实际在职人数" in page  # the evidence names the field
    assert "来源 在线填报：2025年度示例区档案馆" in page
    ok = li.post(f"/api/findings/{jx308['id']}/decision", json={"status": "确认", "comment": "在编人数属实"},
                 headers=_csrf(li))
    assert ok.status_code == 200
    # the same content again: nothing new; a change: 第2版, the decision carried
    assert dag.post(f"/api/unit/drafts/{draft}/submit", headers=h).json()["same"] is True
    dag.put(f"/api/unit/drafts/{draft}", json={"fields": fields | {STAFF: "19"}}, headers=h)
    second = dag.post(f"/api/unit/drafts/{draft}/submit", headers=h).json()
    assert second["version"] == 2 and second["carried"] == 1
    (row2,) = li.get("/api/reports").json()
    assert row2["version"] == 2 and row2["id"] == second["report_id"] != row["id"]
    jx308b = next(f for f in li.get(f"/api/reports/{row2['id']}").json()["findings"] if f["code"] == "JX308")
    assert "19 / 20 = 95.00%" in jx308b["message"]
    assert jx308b["decision"]["status"] == "确认" and jx308b["decision"]["carried"] is True
    listed = dag.get("/api/unit/drafts").json()
    assert [(x["status"], x["version"], x["total"]) for x in listed] == [("submitted", 2, f"{expected:f}")]
    with store.session() as s:
        assert s.query(DraftRevision).filter_by(draft_id=draft).count() == 4  # upload, blank, restored, 19
        assert s.query(Review).count() == 2


def _indicator_names(fields: dict) -> list[str]:
    """The 三级指标 names of the form's rows (column C of 绩效指标), in row order."""
    rows = sorted(int(k.split("!C")[1]) for k in fields if k.startswith("绩效指标!C"))
    return [fields[f"绩效指标!C{n}"] for n in rows]


def test_a_project_through_the_page_form_rows_removed_and_added(store, tmp_path):
    from jixiao.author.pipeline import author

    workbook = EXAMPLES / "clean_2025_示例区居家养老服务补助资金_填报.xlsx"  # 项目支出
    expected = author(workbook, tmp_path / "out").scorecard.total
    assert expected == Decimal("97.75")
    create_user(store, "yl", PASSWORD, "unit", units=["示例区养老服务指导中心"])  # the project's 实施单位
    with _client(create_app(store, worker=False), "yl") as c:
        draft = _upload(c, workbook)
        got = c.get(f"/api/unit/drafts/{draft}").json()
        assert got["kind"] == "project" and got["title"] == "示例区社区居家养老服务补助资金"
        assert got["score"]["total"] == f"{expected.normalize():f}"
        page = c.get(f"/unit/drafts/{draft}").text
        assert "2025年度项目支出绩效自评：示例区社区居家养老服务补助资金" in page
        # 年度资金总额 is added up from the sources (an output, no input)
        parts = [Decimal(got["fields"][f"资金!D{n}"]) for n in (7, 8, 9) if f"资金!D{n}" in got["fields"]]
        total = re.search(r'<output class="computed" id="f-资金-D6"[^>]*>([\d.]+)<', page).group(1)
        assert Decimal(total) == sum(parts) == Decimal("161.5") and 'name="资金!D6"' not in page
        names = _indicator_names(got["fields"])
        token = CSRF.search(page).group(1)
        # the page form: the first indicator row removed (the rest move up), then a row added
        form = {"csrf_token": token, "action": "remove:0", "rows": str(len(names) + 1), **got["fields"]}
        r = c.post(f"/unit/drafts/{draft}", data=form, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith(f"/unit/drafts/{draft}?saved=1")
        after = c.get(f"/api/unit/drafts/{draft}").json()
        assert _indicator_names(after["fields"]) == names[1:] and len(names) == 8
        assert after["fields"]["绩效指标!C6"] == names[1]
        assert not after["ok"] and any("三级指标分值合计" in p["message"] for p in after["problems"])
        refused = c.post(f"/unit/drafts/{draft}/submit", data={"csrf_token": token})
        assert refused.status_code == 422 and "不能提交" in refused.text and "三级指标分值合计" in refused.text
        r = c.post(f"/unit/drafts/{draft}", data={"csrf_token": token, "action": "add_row", "rows": "4",
                                                   **after["fields"]}, follow_redirects=False)
        assert "rows=8" in r.headers["location"]  # the 7 filled rows and a blank one
        assert c.get(r.headers["location"]).text.count('class="indicator-row"') == 8
        assert c.get(f"/unit/drafts/{draft}?rows=2").text.count('class="indicator-row"') == 7  # none hidden


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_what_a_unit_types_is_escaped_for_it_and_for_the_reviewer(app):
    dag, li = _client(app, "dag"), _client(app, "li")
    draft = _upload(dag, ARCHIVE)
    h = _csrf(dag)
    fields = dag.get(f"/api/unit/drafts/{draft}").json()["fields"] | {"基本信息!B9": HOSTILE, "基本信息!B8": "2030", STAFF: HOSTILE,
                                                                  "绩效指标!C6": HOSTILE}  # an indicator's name
    live = dag.post(f"/api/unit/drafts/{draft}/check", json={"fields": fields}, headers=h).json()
    assert "<script>alert" not in live["html"] and "&lt;script&gt;" in live["html"]  # 须为数字, quoting it
    dag.put(f"/api/unit/drafts/{draft}", json={"fields": fields | {STAFF: "18"}}, headers=h)
    assert dag.get(f"/api/unit/drafts/{draft}").json()["fields"]["基本信息!B8"] == "2025"  # the draft's year
    page = dag.get(f"/unit/drafts/{draft}").text
    assert "<script>alert" not in page and "<img src=x" not in page and "&lt;script&gt;alert(" in page
    assert dag.post(f"/api/unit/drafts/{draft}/submit", headers=h).status_code == 200
    (row,) = li.get("/api/reports").json()
    report = li.get(f"/reports/{row['id']}").text
    assert "<script>alert" not in report and "<img src=x" not in report and "&lt;script&gt;alert(" in report


def test_the_unit_role_from_the_store(store):
    from jixiao.store.users import UserError, set_role, set_scope

    create_user(store, "r1", PASSWORD, "reviewer", regions=["示例区"])
    with pytest.raises(UserError, match="不能分配地区"):
        set_role(store, "r1", "unit")  # a region: not a unit user
    create_user(store, "r2", PASSWORD, "viewer", units=["示例区档案馆"])
    set_role(store, "r2", "unit")
    with pytest.raises(UserError, match="不能分配地区"):
        set_scope(store, "r2", regions=["示例区"])
    assert set_scope(store, "r2", units=["示例区青少年宫"]).units == {"示例区档案馆", "示例区青少年宫"}
    with pytest.raises(UserError, match="--unit"):
        create_user(store, "r3", PASSWORD, "unit")


def test_a_cited_number_is_not_marked_inside_the_fields_label():
    from jixiao.report.html import highlight

    line = "在线填报·基础数据表·1、公务用车购置和维护经费·2025年预算数：2"
    assert str(highlight(line, "2")) == "在线填报·基础数据表·1、公务用车购置和维护经费·2025年预算数：<mark>2</mark>"
    assert str(highlight("全年执行数 12 万元，12.5", "12")) == "全年执行数 <mark>12</mark> 万元，12.5"
    assert str(highlight("2025年", "2")) == "<mark>2</mark>0<mark>2</mark>5年"  # nowhere alone: as before


def test_an_earlier_save_can_be_restored_and_nothing_is_lost(app):
    qsn, dag = _client(app, "qsn"), _client(app, "dag")
    draft = _upload(qsn, PALACE)
    h = _csrf(qsn)
    fields = qsn.get(f"/api/unit/drafts/{draft}").json()["fields"]
    qsn.put(f"/api/unit/drafts/{draft}", json={"fields": fields | {STAFF: "17"}}, headers=h)
    page = qsn.get(f"/unit/drafts/{draft}").text
    assert "历次保存（2 次）" in page and "第2次（当前）" in page and "青少年宫填报人" in page
    token = CSRF.search(page).group(1)
    other = dag.post(f"/unit/drafts/{draft}/restore", data={"csrf_token": CSRF.search(dag.get("/unit").text).group(1),
                                                             "revision": "1"})
    assert other.status_code == 404  # another unit's draft
    r = qsn.post(f"/unit/drafts/{draft}/restore", data={"csrf_token": token, "revision": "1"}, follow_redirects=False)
    assert r.status_code == 303 and "saved=back" in r.headers["location"]
    back = qsn.get(f"/api/unit/drafts/{draft}").json()
    assert back["revision"] == 3 and back["fields"][STAFF] == "18"
    assert qsn.post(f"/unit/drafts/{draft}/restore", data={"csrf_token": token, "revision": "9"}).status_code == 404

