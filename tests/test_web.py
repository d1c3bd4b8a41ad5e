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


@pytest.fixture
def app(store):
    create_user(store, "li", PASSWORD, "reviewer", "李复核")
    create_user(store, "zhou", PASSWORD, "viewer", "周查看")
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
        assert "李复核（复核人员）" in page.text
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
    fids = dict(re.findall(r'id="f(\d+)" data-code="(JX\d+)"', page))
    by_code = {code: fid for fid, code in fids.items()}
    r = client.post(f"/findings/{by_code['JX305']}/decision",
                    data={"status": "确认", "comment": "执行率偏低应扣分", "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith(f"#f{by_code['JX305']}")
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
    assert p["items"][0]["status"] == "rejected" and "MB" in p["items"][0]["message"]
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


def test_a_batch_left_pending_is_finished_when_the_app_starts(store, seed):
    """The server was killed with files still pending: the next start reviews them."""
    from jixiao.store import Entry, add_blob, create_batch, progress

    path = seed("004")
    batch_id = create_batch(store, [Entry(path.name, add_blob(store, path), path.stat().st_size)])
    assert progress(store, batch_id)["done"] == 0
    create_user(store, "wu", PASSWORD, "viewer")
    with TestClient(create_app(store), base_url="https://testserver") as c:
        assert login(c, "wu").status_code == 303
        p = wait_batch(c, batch_id)
    assert p["items"][0]["status"] == "done" and p["items"][0]["reports"][0]["label"] == "君山区工商业联合会"
