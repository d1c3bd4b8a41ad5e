"""The web app in-process (Starlette TestClient over https://testserver so Secure cookies flow):
login, roles, CSRF, upload limits, the pages' real values, triage, exports — on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
import time
import zipfile

import pytest
from fastapi.testclient import TestClient

from jixiao.store import create_user
from jixiao.web.app import create_app
from jixiao.web.intake import Limits

PASSWORD = "correct-horse"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def login(client: TestClient, username: str, password: str = PASSWORD):
    page = client.get("/login")
    token = CSRF.search(page.text).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       follow_redirects=False)


def csrf_of(client: TestClient) -> str:
    return CSRF.search(client.get("/").text).group(1)


def wait_batch(client: TestClient, batch_id: int) -> dict:
    for _ in range(600):
        p = client.get(f"/api/batches/{batch_id}").json()
        if p["done"] == p["total"]:
            return p
        time.sleep(0.1)
    raise AssertionError(f"batch {batch_id} did not finish")


def upload_one(client: TestClient, path: Path) -> int:
    """Upload one text report from the page, wait for its batch; the id of its (first) report."""
    r = client.post("/upload", files=[("files", (path.name, path.read_bytes(), "text/plain"))],
                    data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    return wait_batch(client, int(r.headers["location"].rsplit("/", 1)[1]))["items"][0]["reports"][0]["id"]


@pytest.fixture
def app(store):
    create_user(store, "li", PASSWORD, "admin", "李复核")  # sees every region
    create_user(store, "zhou", PASSWORD, "viewer", "周查看", regions=["岳麓区"])
    return create_app(store, limits=Limits(max_file_bytes=2 * 1024 * 1024, max_files=20,
                                           max_total_bytes=8 * 1024 * 1024))


@pytest.fixture
def client(app):
    with TestClient(app, base_url="https://testserver") as c:
        assert login(c, "li").status_code == 303
        yield c


@pytest.fixture
def loaded(client, seeds_dir):
    """The five seeds uploaded through the form and reviewed by the worker."""
    files = [("files", (p.name, p.read_bytes(), "text/plain")) for p in sorted(seeds_dir.glob("*.txt"))]
    r = client.post("/upload", files=files, data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert r.status_code == 303
    batch_id = int(r.headers["location"].rsplit("/", 1)[1])
    p = wait_batch(client, batch_id)
    assert [i["status"] for i in p["items"]] == ["done"] * 5
    return client, {i["name"][:3]: i["reports"][0]["id"] for i in p["items"]}


def test_login_sets_a_hardened_session_cookie(app):
    with TestClient(app, base_url="https://testserver") as c:
        assert c.get("/", follow_redirects=False).headers["location"] == "/login"
        assert c.get("/api/reports").status_code == 401
        bad = login(c, "li", "wrong-password")
        assert bad.status_code == 401 and "用户名或密码错误" in bad.text
        r = login(c, "li")
        cookie = r.headers["set-cookie"]
        assert "jixiao_session=" in cookie
        assert all(flag in cookie for flag in ("HttpOnly", "Secure", "SameSite=strict"))
        page = c.get("/")
        assert "李复核（管理员）" in page.text
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"


def test_login_form_needs_its_csrf_token(app):
    with TestClient(app, base_url="https://testserver") as c:
        c.get("/login")
        r = c.post("/login", data={"username": "li", "password": PASSWORD, "csrf_token": "forged"},
                   follow_redirects=False)
        assert r.status_code == 401 and "页面已过期" in r.text


def test_every_form_post_checks_csrf(loaded):
    client, ids = loaded
    page = client.get(f"/reports/{ids['003']}").text
    fid = re.search(r'id="f(\d+)"', page).group(1)
    assert client.post(f"/findings/{fid}/decision", data={"status": "确认"}).status_code == 403
    assert client.post(f"/findings/{fid}/decision", data={"status": "确认", "csrf_token": "x"}).status_code == 403
    files = [("files", ("a.txt", b"x", "text/plain"))]
    assert client.post("/upload", files=files, data={}).status_code == 403
    assert client.post("/logout", data={}).status_code == 403
    # the API with the cookie needs the header; with a bearer token it does not
    assert client.post(f"/api/findings/{fid}/decision", json={"status": "确认"}).status_code == 403
    me = client.get("/api/me").json()
    ok = client.post(f"/api/findings/{fid}/decision", json={"status": "确认", "comment": "同意"},
                     headers={"X-CSRF-Token": me["csrf_token"]})
    assert ok.status_code == 200 and ok.json()["status"] == "确认"


def test_viewer_reads_but_cannot_change(app, loaded):
    client, ids = loaded
    with TestClient(app, base_url="https://testserver") as v:
        assert login(v, "zhou").status_code == 303
        assert "岳麓区商务局" in v.get("/").text
        page = v.get(f"/reports/{ids['003']}").text
        assert 'class="triage"' not in page
        fid = re.search(r'id="f(\d+)"', page).group(1)
        token = CSRF.search(page).group(1)
        r = v.post(f"/findings/{fid}/decision", data={"status": "确认", "csrf_token": token})
        assert r.status_code == 403 and "只读" in r.text
        assert v.get("/upload").status_code == 403
        assert v.get(f"/reports/{ids['003']}/opinion.docx").status_code == 200


def test_portfolio_page_filters_and_sorts(loaded):
    client, ids = loaded
    page = client.get("/").text
    names = re.findall(r'<a href="/reports/\d+">([^<]+)</a>', page)
    assert len(names) == 5
    row = page[page.index("岳麓区商务局"):]
    assert re.search(r"98\.50.*?95\.30.*?3\.20", row, re.DOTALL) and "66.46%" in row
    assert re.findall(r'<a href="/reports/\d+">([^<]+)</a>', client.get("/?year=2019").text) == ["岳麓区商务局"]
    assert re.findall(r'<a href="/reports/\d+">([^<]+)</a>', client.get("/?region=岳麓区").text) == ["岳麓区商务局"]
    by_code = re.findall(r'<a href="/reports/\d+">([^<]+)</a>', client.get("/?code=JX305").text)
    assert "岳麓区商务局" in by_code and len(by_code) < 5
    api = client.get("/api/reports", params={"sort": "drop"}).json()
    drops = [r["score_drop"] for r in api if r["score_drop"] is not None]
    assert drops == sorted(drops, reverse=True)
    errors = [r["errors"] for r in client.get("/api/reports", params={"sort": "errors"}).json()]
    assert errors == sorted(errors, reverse=True)


def test_unit_page_highlights_the_cited_cell(loaded):
    client, ids = loaded
    page = client.get(f"/reports/{ids['003']}").text
    art = re.search(r'<article class="finding[^"]*" id="f\d+" data-code="JX305">(.*?)</article>', page, re.DOTALL).group(1)
    assert "执行率 66.46%" in art
    cells = re.findall(r'<td[^>]*class="hl"[^>]*>([^<]*)</td>', art)
    assert {"3370.55", "5071.49"} <= set(cells)
    assert "原文第52行" in art  # the excerpt of the cited line
    items = page[page.index('id="items"'):]
    assert "95.30" in page and "98.50" in page and "预算执行率" in items


def test_triage_and_the_opinion_docx(loaded):
    import docx

    client, ids = loaded
    page = client.get(f"/reports/{ids['003']}").text
    token = CSRF.search(page).group(1)
    order = re.findall(r'id="f(\d+)" data-code="(JX\d+)"', page)  # report order
    by_code = {code: fid for fid, code in order}
    r = client.post(f"/findings/{by_code['JX305']}/decision",
                    data={"status": "确认", "comment": "执行率偏低应扣分", "csrf_token": token}, follow_redirects=False)
    after = order[[fid for fid, _ in order].index(by_code["JX305"]) + 1][0]
    assert r.status_code == 303 and r.headers["location"] == f"/reports/{ids['003']}#f{after}"  # triage goes on
    r = client.post(f"/findings/{by_code['JX408']}/decision", data={"status": "不采纳", "comment": "", "csrf_token": token})
    assert r.status_code == 422 and "理由" in r.text
    client.post(f"/findings/{by_code['JX408']}/decision",
                data={"status": "不采纳", "comment": "预计数已由决算确认", "csrf_token": token})
    page = client.get(f"/reports/{ids['003']}").text
    assert "复核结论：<strong>确认</strong>，意见：执行率偏低应扣分" in page
    assert "已决定 2" in client.get("/").text
    r = client.get(f"/reports/{ids['003']}/opinion.docx")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs)
    assert "岳麓区商务局" in text and "执行率偏低应扣分" in text and "预计数已由决算确认" in text


def test_findings_filter_index_and_next_pending(loaded):
    """The unit page narrows its findings by decision and severity; the counts cover them all; after
    a decision made under a filter the reviewer lands, with the same filter, on the next 待复核."""
    client, ids = loaded
    url = f"/reports/{ids['003']}"
    page = client.get(url).text
    token = CSRF.search(page).group(1)
    order = re.findall(r'id="f(\d+)" data-code="(JX\d+)"', page)
    index = page[page.index('id="finding-index"'):page.index("</table>", page.index('id="finding-index"'))]
    assert re.findall(r'href="#f(\d+)"', index) == [fid for fid, _ in order]
    n = len(order)
    assert f'data-show="pending">待复核 {n}</a>' in page and 'data-show="confirmed">已确认 0</a>' in page
    errors = re.findall(r'<article class="finding sev-error" id="f(\d+)"', page)
    assert errors and len(errors) < n
    only_errors = client.get(url, params={"sev": "error"}).text
    assert re.findall(r'id="f(\d+)" data-code', only_errors) == errors

    first, second, third = (fid for fid, _ in order[:3])
    r = client.post(f"/findings/{second}/decision", follow_redirects=False,
                    data={"status": "确认", "csrf_token": token, "show": "pending"})
    assert r.headers["location"] == f"{url}?show=pending#f{third}"
    pending = client.get(url, params={"show": "pending"}).text
    assert re.findall(r'id="f(\d+)" data-code', pending) == [fid for fid, _ in order if fid != second]
    assert f'data-show="pending">待复核 {n - 1}</a>' in pending and 'data-show="confirmed">已确认 1</a>' in pending
    confirmed = client.get(url, params={"show": "confirmed"}).text
    assert re.findall(r'id="f(\d+)" data-code', confirmed) == [second]
    assert '<details class="evidence">' in confirmed  # a decided finding's evidence is folded away
    assert "没有符合筛选条件的问题" in client.get(url, params={"show": "dismissed"}).text
    # the last one pending: triage wraps round to the first still 待复核
    for fid, _ in order[2:]:
        client.post(f"/findings/{fid}/decision", data={"status": "确认", "csrf_token": token})
    r = client.post(f"/findings/{order[-1][0]}/decision", follow_redirects=False,
                    data={"status": "不采纳", "comment": "已核实", "csrf_token": token})
    assert r.headers["location"] == f"{url}#f{first}"
    r = client.post(f"/findings/{first}/decision", follow_redirects=False, data={"status": "确认", "csrf_token": token})
    assert r.headers["location"] == f"{url}#f{first}"  # none left: stay on it
    assert client.get(url, params={"show": "bogus", "sev": "<x>"}).status_code == 200


def test_parser_notices_are_listed_apart(loaded):
    """Seed 001 has no table: its JX902 (解析) is shown under 解析提示 below the findings — not in
    the index, not filtered or counted with them, without 确认/不采纳 — and never in the opinion."""
    import docx

    client, ids = loaded
    url = f"/reports/{ids['001']}"
    page = client.get(url).text
    assert "规则集 national_2020" not in page and "narrative" not in page.split('id="items"')[0]
    findings = page[page.index('<section class="findings"'):page.index('<section class="notices"')]
    notices = page[page.index('<section class="notices"'):]
    notices = notices[:notices.index("</section>")]
    assert "<h2>解析提示（1）</h2>" in notices
    assert re.findall(r'<article class="notice sev-\w+" id="f(\d+)" data-code="(JX\d+)"', notices)[0][1] == "JX902"
    assert "JX902" not in findings and "decision" not in notices and "确认" not in notices
    audit = re.findall(r'<article class="finding sev-\w+" id="f(\d+)" data-code="(JX\d+)"', findings)
    assert audit and not any(code.startswith("JX9") for _, code in audit)
    assert f'data-show="pending">待复核 {len(audit)}</a>' in page
    # triage goes on past the notice, and the portfolio counts it apart (待复核 and 解析提示)
    token = CSRF.search(page).group(1)
    for fid, _ in audit[:-1]:
        client.post(f"/findings/{fid}/decision", data={"status": "确认", "csrf_token": token})
    r = client.post(f"/findings/{audit[-1][0]}/decision", follow_redirects=False,
                    data={"status": "确认", "csrf_token": token})
    assert r.headers["location"] == f"{url}#f{audit[-1][0]}"  # none pending: the notice is not triaged
    portfolio = client.get("/").text
    row = portfolio[portfolio.index("益阳市资阳区商务局"):]
    row = row[:row.index("</tr>")]
    assert f"已决定 {len(audit)} / 待复核 0" in row
    assert "<th class=\"num\">解析提示</th>" in portfolio
    docx_text = "\n".join(p.text for p in docx.Document(io.BytesIO(client.get(f"{url}/opinion.docx").content)).paragraphs)
    assert "JX9" not in docx_text and "报告中没有识别到表格" not in docx_text
    assert "尚待复核" not in docx_text


def test_rule_set_named_by_its_document(loaded):
    client, ids = loaded
    page = client.get(f"/reports/{ids['003']}").text
    assert "规则集 财预〔2020〕10号" in page and "national_2020" not in page
    portfolio = client.get("/").text
    assert '<option value="national_2020" >财预〔2020〕10号</option>' in portfolio
    filtered = re.findall(r'<a href="/reports/\d+">([^<]+)</a>', client.get("/?ruleset=national_2020").text)
    assert "岳麓区商务局" in filtered


def test_audit_log_page_and_api(app, loaded):
    """Every upload, review, decision and export is in the 审计日志, newest first, with a link to
    what it was about; reviewers only."""
    client, ids = loaded
    page = client.get(f"/reports/{ids['003']}").text
    fid = re.search(r'id="f(\d+)" data-code="JX305"', page).group(1)
    client.post(f"/findings/{fid}/decision", data={"status": "确认", "comment": "属实", "csrf_token": CSRF.search(page).group(1)})
    client.get(f"/reports/{ids['003']}/opinion.docx")

    log = client.get("/audit").text
    rows = re.findall(r'<tr data-action="(\w+)">', log)
    assert rows[:3] == ["export", "decide", "review"] and rows.count("review") == 5 and "upload" in rows
    decided = log[log.index('<tr data-action="decide">'):]
    decided = decided[:decided.index("</tr>")]
    assert "李复核" in decided and f'<a href="/findings/{fid}">JX305 预算执行率偏低（岳麓区商务局 2019年度 第1版）</a>' in decided
    assert "<dt>结论</dt><dd>确认</dd>" in decided and "<dt>意见</dt><dd>属实</dd>" in decided
    assert "<dt>报告</dt><dd>岳麓区商务局 2019年度 第1版</dd>" in decided  # by name, not by id
    assert client.get(f"/findings/{fid}", follow_redirects=False).headers["location"] == f"/reports/{ids['003']}#f{fid}"
    only = client.get("/audit", params={"action": "decide"}).text
    assert re.findall(r'<tr data-action="(\w+)">', only) == ["decide"]
    zhou = client.get("/audit", params={"user": "zhou"}).text
    assert re.findall(r'<tr data-action="(\w+)">', zhou) == ["user_created"]
    assert re.search(r"<td>命令行</td><td>创建用户</td>\s*<td>用户 zhou</td>", zhou)
    assert "<dt>角色</dt><dd>只读</dd>" in zhou and "<dt>地区</dt><dd>岳麓区</dd>" in zhou

    api = client.get("/api/audit", params={"action": "decide"}).json()
    assert [(a["user"], a["target"], a["detail"]["status"]) for a in api] == [("li", f"finding:{fid}", "确认")]
    newest = client.get("/api/audit").json()
    older = client.get("/api/audit", params={"before": newest[1]["id"]}).json()
    assert older[0]["id"] == newest[2]["id"]
    with TestClient(app, base_url="https://testserver") as viewer:
        assert login(viewer, "zhou").status_code == 303
        assert viewer.get("/audit").status_code == 403 and viewer.get("/api/audit").status_code == 403
        assert 'href="/audit"' not in viewer.get("/").text


def test_carry_an_orphaned_decision_by_hand(app, client, seed, tmp_path):
    """第2版 lists the 不采纳 whose problem is gone; the reviewer carries it onto a finding of 第2版
    (from the page, and through the API), and it leaves the list."""
    from test_store import corrected_003

    v1 = upload_one(client, seed("003"))
    page = client.get(f"/reports/{v1}").text
    token = CSRF.search(page).group(1)
    fid = dict((c, f) for f, c in re.findall(r'id="f(\d+)" data-code="(JX\d+)"', page))
    client.post(f"/findings/{fid['JX408']}/decision", data={"status": "不采纳", "comment": "已说明", "csrf_token": token})
    client.post(f"/findings/{fid['JX403']}/decision", data={"status": "确认", "csrf_token": token})
    v2 = upload_one(client, corrected_003(seed, tmp_path))
    detail = client.get(f"/api/reports/{v2}").json()
    assert [(o["code"], o["version"], o["decision"]["status"]) for o in detail["orphans"]] == [("JX408", 1, "不采纳")]
    decision_id = detail["orphans"][0]["decision"]["id"]
    page = client.get(f"/reports/{v2}").text
    form = page[page.index(f'action="/decisions/{decision_id}/carry"'):]
    form = form[:form.index("</form>")]
    options = re.findall(r'<option value="(\d+)"(?: selected)?>(JX\d+)', form)
    assert '<option value="" selected>请选择本版本中的同一问题</option>' in form  # no JX408 left: nothing preselected
    undecided = [f for f in detail["findings"] if f["decision"] is None]
    assert sorted(int(i) for i, _ in options) == sorted(f["id"] for f in undecided)
    assert "JX403" not in [c for _, c in options]  # decided (carried automatically): not offered
    target = undecided[0]["id"]

    r = client.post(f"/decisions/{decision_id}/carry", data={"finding_id": target, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/reports/{v2}#f{target}"
    page = client.get(f"/reports/{v2}").text
    assert "以往版本的复核结论" not in page
    art = page[page.index(f'id="f{target}"'):]
    assert "复核结论：<strong>不采纳</strong>，意见：已说明" in art[:art.index("</article>")]
    again = client.post(f"/api/decisions/{decision_id}/carry", json={"finding_id": undecided[1]["id"]},
                        headers={"X-CSRF-Token": token})
    assert again.status_code == 409 and "已沿用" in again.json()["detail"]
    assert client.get(f"/api/reports/{v2}").json()["orphans"] == []
    assert client.post(f"/decisions/{decision_id}/carry", data={"finding_id": target}).status_code == 403  # no CSRF


def test_portfolio_xlsx_has_the_decisions(loaded):
    from openpyxl import load_workbook

    client, ids = loaded
    me = client.get("/api/me").json()
    fid = client.get(f"/api/reports/{ids['003']}").json()["findings"][0]["id"]
    client.post(f"/api/findings/{fid}/decision", json={"status": "确认", "comment": "属实"},
                headers={"X-CSRF-Token": me["csrf_token"]})
    r = client.get("/portfolio.xlsx?year=2019")
    wb = load_workbook(io.BytesIO(r.content))
    assert {"总览", "汇总", "指标", "问题清单", "复核结论"} <= set(wb.sheetnames)
    rows = list(wb["复核结论"].iter_rows(values_only=True))
    assert rows[1][:2] == ("岳麓区商务局", 2019) and rows[1][5:7] == ("确认", "属实")
    units = {row[1] for row in wb["汇总"].iter_rows(min_row=2, values_only=True)}
    assert units == {"岳麓区商务局"}


def test_upload_refuses_what_is_not_a_report(client, tmp_path):
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as zf:
        zf.writestr("../../逃逸.txt", "\t单位名称\n\t示例\n")
    files = [("files", ("程序.txt", b"MZ\x90\x00\x03\x00\x00\x00" * 64, "text/plain")),
             ("files", ("图片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")),
             ("files", ("报告.zip", zbuf.getvalue(), "application/zip"))]
    r = client.post("/upload", files=files, data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    p = wait_batch(client, int(r.headers["location"].rsplit("/", 1)[1]))
    status = {i["name"]: i["status"] for i in p["items"]}
    assert status["程序.txt"] == "rejected" and status["图片.png"] == "rejected"
    assert "逃逸.txt" in status and not any("/" in n for n in status)
    assert not list(tmp_path.rglob("逃逸.txt"))
    page = client.get(f"/batches/{p['id']}").text
    assert "未接收" in page and "程序.txt" in page


def test_upload_size_limits(client):
    token = csrf_of(client)
    big = b"\t" + "一".encode() * (1024 * 1024)  # 3 MB: over the 2 MB per file, under the 8 MB upload
    r = client.post("/upload", files=[("files", ("大.txt", big, "text/plain"))], data={"csrf_token": token},
                    follow_redirects=False)
    p = wait_batch(client, int(r.headers["location"].rsplit("/", 1)[1]))
    assert p["items"][0]["status"] == "rejected" and "超过 2 MiB 上限" in p["items"][0]["message"]
    huge = b"x" * (9 * 1024 * 1024)
    r = client.post("/upload", files=[("files", ("巨.txt", huge, "text/plain"))], data={"csrf_token": token})
    assert r.status_code == 413


def test_history_page_and_api(loaded):
    client, ids = loaded
    page = client.get(f"/reports/{ids['004']}/history")
    assert page.status_code == 200 and "历年对比" in page.text and "2024" in page.text
    data = client.get(f"/api/reports/{ids['004']}/history").json()
    assert [y["year"] for y in data["years"]] == [2024] and data["comparison"]["years"] == [2024]


def test_api_login_and_bearer_token(app, loaded):
    with TestClient(app, base_url="https://testserver") as c:
        assert c.post("/api/login", json={"username": "li", "password": "nope-nope"}).status_code == 401
        tok = c.post("/api/login", json={"username": "li", "password": PASSWORD}).json()["token"]
        h = {"Authorization": f"Bearer {tok}"}
        reports = c.get("/api/reports", headers=h, params={"year": 2019}).json()
        assert [r["unit_name"] for r in reports] == ["岳麓区商务局"]
        assert reports[0]["execution_rate"] == 0.6646
        detail = c.get(f"/api/reports/{reports[0]['id']}", headers=h).json()
        fid = next(f["id"] for f in detail["findings"] if f["code"] == "JX305")
        d = c.post(f"/api/findings/{fid}/decision", json={"status": "不采纳", "comment": "已说明"}, headers=h)
        assert d.status_code == 200 and d.json()["status"] == "不采纳"
        assert c.post("/api/logout", headers=h).status_code == 204
        assert c.get("/api/reports", headers=h).status_code == 401


def test_disable_reset_and_role_change_take_effect_at_once(app, store):
    """`jixiao user disable/enable/passwd/role`: live cookie sessions and API tokens end at once,
    the old password stops working, and each change is in the audit log."""
    from sqlalchemy import select
    from typer.testing import CliRunner

    from jixiao.cli import app as cli
    from jixiao.store.models import AuditEntry

    run = CliRunner().invoke
    db = ["--db", store.url]
    with TestClient(app, base_url="https://testserver") as page, TestClient(app, base_url="https://testserver") as api:
        assert login(page, "li").status_code == 303
        tok = api.post("/api/login", json={"username": "li", "password": PASSWORD}).json()["token"]
        bearer = {"Authorization": f"Bearer {tok}"}
        assert api.get("/api/me", headers=bearer).status_code == 200

        assert run(cli, ["user", "disable", "li", *db]).exit_code == 0
        assert page.get("/", follow_redirects=False).headers["location"] == "/login"
        assert api.get("/api/me", headers=bearer).status_code == 401
        assert login(page, "li").status_code != 303  # a disabled user cannot log in
        assert ["li", "admin", "李复核", "停用", "全部"] in [ln.split() for ln in run(cli, ["user", "list", *db]).output.splitlines()]

        assert run(cli, ["user", "enable", "li", *db]).exit_code == 0
        assert run(cli, ["user", "passwd", "li", "--password-stdin", *db], input="new-secret-1\n").exit_code == 0
        assert login(page, "li").status_code != 303  # the old password no longer works
        assert login(page, "li", "new-secret-1").status_code == 303
        assert page.get("/api/me").json()["user"]["role"] == "admin"

        assert run(cli, ["user", "role", "li", "viewer", *db]).exit_code == 0
        assert page.get("/", follow_redirects=False).status_code == 303  # the session ended
        assert login(page, "li", "new-secret-1").status_code == 303
        assert page.get("/api/me").json()["user"]["role"] == "viewer"

    short = run(cli, ["user", "passwd", "li", "--password-stdin", *db], input="short\n")
    assert short.exit_code == 2 and "密码至少 8 个字符" in short.output
    unknown = run(cli, ["user", "disable", "nobody", *db])
    assert unknown.exit_code == 2 and "没有这个用户：nobody" in unknown.output
    with store.session() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert [a for a in actions if a not in ("login", "user_created")] == [  # failed logins are audited too
        "user_disabled", "login_failed", "user_enabled", "password_reset", "login_failed", "role_changed"]


def test_a_batch_left_pending_is_finished_when_the_app_starts(store, seed):
    """The server was killed with files still pending: the next start reviews them."""
    from jixiao.store import Entry, add_blob, create_batch, progress

    path = seed("004")
    batch_id = create_batch(store, [Entry(path.name, add_blob(store, path), path.stat().st_size)])
    assert progress(store, batch_id)["done"] == 0
    create_user(store, "wu", PASSWORD, "admin")
    with TestClient(create_app(store), base_url="https://testserver") as c:
        assert login(c, "wu").status_code == 303
        p = wait_batch(c, batch_id)
    assert p["items"][0]["status"] == "done" and p["items"][0]["reports"][0]["label"] == "君山区工商业联合会"
