"""The web app against what OWASP ASVS level 2 asks (issue 14, item 6) and what a person reads
(item 7): lockout, headers on every answer, Origin, no-store exports, escaping, Chinese errors,
weak passwords, access scoped by region/unit, no internal ids — on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import re
import zipfile
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_web import CSRF, PASSWORD, csrf_of, login, upload_one, wait_batch

from jixiao.store import UserError, create_user
from jixiao.store.models import AuditEntry
from jixiao.store.users import LOCK_MINUTES, MAX_FAILURES
from jixiao.web.app import create_app

HEADERS = ("content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy")
INTERNAL = re.compile(r"national_2020|yueyang_ref_2015|hunan_dept_2017|selfeval_table|\b[NY]-\d\d\b|\bINF\b|OFF-[R2M]"
                      r"|第\d+块")


def secured(r) -> bool:
    csp = r.headers.get("content-security-policy", "")
    return (all(h in r.headers for h in HEADERS) and "script-src 'self'" in csp and "unsafe-inline" not in
            csp.split("script-src")[1].split(";")[0] and "frame-ancestors 'none'" in csp)


@pytest.fixture
def app(store):
    create_user(store, "li", PASSWORD, "admin", "李管理")
    create_user(store, "yue", PASSWORD, "reviewer", "岳复核", regions=["岳麓区"])
    create_user(store, "jun", PASSWORD, "reviewer", "君复核", units=["君山区工商业联合会"])
    create_user(store, "nobody", PASSWORD, "viewer")
    return create_app(store)


@pytest.fixture
def as_user(app):
    """``as_user("yue")`` → a client logged in as yue (closed after the test)."""
    with ExitStack() as stack:
        def open_client(user: str) -> TestClient:
            c = stack.enter_context(TestClient(app, base_url="https://testserver"))
            assert login(c, user).status_code == 303
            return c

        yield open_client


@pytest.fixture
def seeded(as_user, seeds_dir):
    """The five seeds uploaded by the administrator: (its client, {prefix: report id})."""
    admin = as_user("li")
    files = [("files", (p.name, p.read_bytes(), "text/plain")) for p in sorted(seeds_dir.glob("*.txt"))]
    r = admin.post("/upload", files=files, data={"csrf_token": csrf_of(admin)}, follow_redirects=False)
    p = wait_batch(admin, int(r.headers["location"].rsplit("/", 1)[1]))
    return admin, {i["name"][:3]: i["reports"][0]["id"] for i in p["items"]}


# --- login: lockout, audit ---------------------------------------------------------------------------

def test_failed_logins_are_audited_and_lock_the_username(app, store, as_user):
    with TestClient(app, base_url="https://testserver") as c:
        for _ in range(MAX_FAILURES):
            r = login(c, "yue", "wrong-password")
            assert r.status_code == 401 and "用户名或密码错误" in r.text
        locked = login(c, "yue")  # the right password, but locked
        assert locked.status_code == 429 and f"请 {LOCK_MINUTES} 分钟后再试" in locked.text and secured(locked)
        api = c.post("/api/login", json={"username": "yue", "password": PASSWORD})
        assert api.status_code == 429 and "锁定" in api.json()["detail"]
        assert login(c, "ghost", "whatever-1").status_code == 401
        assert login(c, "jun").status_code == 303  # another username is not locked
    with store.session() as s:
        rows = [(e.action, e.target) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
                if e.action.startswith("login_")]
    assert rows == [("login_failed", "login:yue")] * MAX_FAILURES + [("login_locked", "login:yue")] * 2 + [
        ("login_failed", "login:ghost")]
    admin = as_user("li")
    page = admin.get("/audit", params={"action": "login_failed"}).text
    assert page.count('<tr data-action="login_failed">') == MAX_FAILURES + 1
    assert "<td>（未登录）</td><td>登录失败</td>" in page and "登录名 yue" in page and "<dt>来源地址</dt>" in page


def test_a_successful_login_resets_the_count(app):
    for _ in range(2):  # a fresh client each time: the login form of a logged-in page is not the first
        with TestClient(app, base_url="https://testserver") as c:
            for _ in range(MAX_FAILURES - 1):
                assert login(c, "yue", "wrong-password").status_code == 401
            assert login(c, "yue").status_code == 303


def test_failed_logins_from_one_address_are_limited_across_usernames(app, store, as_user):
    from jixiao.web.auth import LOGIN_IP_FAILURES, LOGIN_IP_MINUTES

    names = ["yue", "jun", "nobody", "ghost", "li"]
    per_name = LOGIN_IP_FAILURES // len(names)
    assert per_name < MAX_FAILURES  # no username reaches its own lockout: only the address is limited
    with TestClient(app, base_url="https://testserver", client=("203.0.113.7", 4000)) as c:
        for name in names:
            for _ in range(per_name):
                assert login(c, name, "wrong-password").status_code == 401
        refused = login(c, "jun")  # the right password, from the address that failed 20 times
        assert refused.status_code == 429 and secured(refused)
        assert f"该地址登录失败次数过多，已暂时禁止登录：请 {LOGIN_IP_MINUTES} 分钟后再试" in refused.text
        api = c.post("/api/login", json={"username": "jun", "password": PASSWORD})
        assert api.status_code == 429 and "该地址" in api.json()["detail"]
    with TestClient(app, base_url="https://testserver", client=("203.0.113.8", 4000)) as other:
        assert login(other, "jun").status_code == 303  # another address logs in
    with store.session() as s:
        limited = [e for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id)) if e.action == "login_locked"]
    assert [(e.target, e.user_id) for e in limited] == [("login:jun", None)] * 2
    assert '"client": "203.0.113.7"' in limited[0].detail and "登录失败 20 次" in limited[0].detail
    page = as_user("li").get("/audit", params={"action": "login_locked"}).text
    assert "来源地址 15 分钟内登录失败 20 次" in page and "203.0.113.7" in page


def test_behind_a_proxy_the_address_is_the_forwarded_one_only_when_trusted(store):
    from jixiao.config import Settings, Web
    from jixiao.web.auth import LOGIN_IP_FAILURES

    create_user(store, "yue", PASSWORD, "reviewer", "岳复核", regions=["岳麓区"])
    app = create_app(store, Settings(web=Web(trusted_proxies=["10.0.0.0/24"])), worker=False)
    proxy = ("10.0.0.5", 4000)
    with TestClient(app, base_url="https://testserver", client=proxy,
                    headers={"X-Forwarded-For": "198.51.100.1, 10.0.0.7"}) as c:
        for _ in range(LOGIN_IP_FAILURES):  # 20 failures of one username: the username locks first
            login(c, "yue", "wrong-password")
    with store.session() as s:
        clients = {json.loads(e.detail)["client"] for e in s.scalars(select(AuditEntry)) if e.action.startswith("login_")}
    assert clients == {"198.51.100.1"}  # the client behind the proxies, not the proxy
    with TestClient(app, base_url="https://testserver", client=proxy,
                    headers={"X-Forwarded-For": "198.51.100.2"}) as c:
        assert login(c, "yue").status_code == 429  # the username is locked (its own lockout) …
    with TestClient(app, base_url="https://testserver", client=("192.0.2.9", 4000),
                    headers={"X-Forwarded-For": "198.51.100.1"}) as c:
        login(c, "nobody-here", "wrong-password")  # … and an untrusted peer's X-Forwarded-For is not believed
    with store.session() as s:
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert json.loads(last.detail)["client"] == "192.0.2.9"


# --- passwords -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("weak", ["12345678", "password", "qwerty123", "Password1", "woaini1314", "aaaaaaaaaa",
                                  "zhangsan1"])
def test_common_passwords_are_refused(store, weak):
    with pytest.raises(UserError, match="过于常见|与用户名相同"):
        create_user(store, "zhangsan1", weak)


def test_weak_password_from_the_command_line(store):
    from typer.testing import CliRunner

    from jixiao.cli import app as cli

    r = CliRunner().invoke(cli, ["user", "add", "wu", "--password-stdin", "--db", store.url], input="12345678\n")
    assert r.exit_code == 2 and "密码过于常见" in r.output and "[red]" not in r.output
    r = CliRunner().invoke(cli, ["user", "add", "wu", "--password-stdin", "--db", store.url], input="short\n")
    assert r.exit_code == 2 and "密码至少 8 个字符" in r.output


# --- headers, Origin, caching, errors -----------------------------------------------------------------

def test_every_answer_carries_the_security_headers(app):
    with TestClient(app, base_url="https://testserver") as c:
        for r in (c.get("/login"), c.get("/no-such-page"), c.get("/api/no-such"), c.get("/static/app.css"),
                  c.post("/login", data={}), c.put("/login"), c.get("/reports/abc")):
            assert secured(r), (r.request.url, r.status_code, dict(r.headers))
        nope = c.get("/no-such-page")
        assert nope.status_code == 404 and "text/html" in nope.headers["content-type"] and "页面不存在" in nope.text
        api = c.get("/api/no-such")
        assert api.status_code == 404 and api.json() == {"detail": "页面不存在"}
        assert c.put("/login").status_code == 405 and "不支持该请求方法" in c.put("/login").text


def test_templates_have_no_inline_script():
    from importlib import resources

    folder = resources.files("jixiao.web") / "templates"
    for t in folder.iterdir():
        text = t.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\ssrc=)", text), t.name
        assert not re.search(r"\son[a-z]+\s*=", text), t.name  # onclick= and the like


def test_a_crash_is_a_chinese_page_without_traceback(app, monkeypatch):
    from jixiao.web import services

    def boom(*a, **k):
        raise RuntimeError("secret internal detail /srv/jixiao.db")

    monkeypatch.setattr(services, "year_over_year", boom)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        assert login(c, "li").status_code == 303
        page = c.get("/reports/1/history")
        assert page.status_code == 500 and "服务器内部错误" in page.text and secured(page)
        assert "Traceback" not in page.text and "secret internal" not in page.text and "RuntimeError" not in page.text
        api = c.get("/api/reports/1/history")
        assert api.status_code == 500 and "服务器内部错误" in api.json()["detail"] and "secret" not in api.text


def test_state_changing_requests_from_another_origin_are_refused(seeded):
    admin, ids = seeded
    page = admin.get(f"/reports/{ids['003']}").text
    fid, token = re.search(r'id="f(\d+)" data-code', page).group(1), CSRF.search(page).group(1)
    data = {"status": "确认", "csrf_token": token}
    evil = admin.post(f"/findings/{fid}/decision", data=data, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403 and "来源校验失败" in evil.text and secured(evil)
    assert admin.post(f"/findings/{fid}/decision", data=data, headers={"Origin": "null"}).status_code == 403
    assert admin.post(f"/findings/{fid}/decision", data=data,
                      headers={"Referer": "https://evil.example/x"}).status_code == 403
    assert admin.post("/login", data={}, headers={"Origin": "https://evil.example"}).status_code == 403
    assert admin.get(f"/api/reports/{ids['003']}").json()["findings"][0]["decision"] is None
    ok = admin.post(f"/findings/{fid}/decision", data=data, headers={"Origin": "https://testserver"},
                    follow_redirects=False)
    assert ok.status_code == 303


def _decision_form(client, report_id: int) -> tuple[str, dict]:
    page = client.get(f"/reports/{report_id}").text
    fid, token = re.search(r'id="f(\d+)" data-code', page).group(1), CSRF.search(page).group(1)
    return f"/findings/{fid}/decision", {"status": "确认", "csrf_token": token}


@pytest.mark.parametrize("web, peer, headers, allowed", [
    # a proxy rewriting Host to the backend's address: refused unless configured (the bug)
    ({}, "10.0.0.5", {"Host": "127.0.0.1:8000", "X-Forwarded-Host": "jixiao.example.gov.cn"}, False),
    ({"trusted_proxies": ["10.0.0.5"]}, "10.0.0.5",
     {"Host": "127.0.0.1:8000", "X-Forwarded-Host": "jixiao.example.gov.cn"}, True),
    # X-Forwarded-Host from a peer that is not a trusted proxy is the client's own word
    ({"trusted_proxies": ["10.0.0.5"]}, "192.0.2.9",
     {"Host": "127.0.0.1:8000", "X-Forwarded-Host": "jixiao.example.gov.cn"}, False),
    ({"public_origin": "https://jixiao.example.gov.cn"}, "10.0.0.5", {"Host": "127.0.0.1:8000"}, True),
    ({"public_origin": "http://jixiao.example.gov.cn"}, "10.0.0.5", {"Host": "127.0.0.1:8000"}, False),  # scheme
])
def test_origin_behind_a_proxy_that_rewrites_host(app, store, seeded, web, peer, headers, allowed):
    from jixiao.config import Settings, Web

    admin, ids = seeded
    url, data = _decision_form(admin, ids["003"])
    proxied = create_app(store, Settings(web=Web(**web)), worker=False)
    with TestClient(proxied, base_url="https://testserver", client=(peer, 4000), cookies=admin.cookies) as c:
        r = c.post(url, data=data, headers={**headers, "Origin": "https://jixiao.example.gov.cn"},
                   follow_redirects=False)
        assert (r.status_code == 303) is allowed and (r.status_code == 403) is not allowed, r.text[:300]
        evil = c.post(url, data=data, headers={**headers, "Origin": "https://evil.example"}, follow_redirects=False)
        assert evil.status_code == 403 and "来源校验失败" in evil.text


def test_web_settings_are_checked(tmp_path):
    from jixiao.config import ConfigError, load_config

    good = tmp_path / "jixiao.toml"
    good.write_text('[web]\npublic_origin = "HTTPS://Jixiao.Example.gov.cn/"\ntrusted_proxies = ["10.0.0.0/8"]\n',
                    "utf-8")
    web = load_config(good).web
    assert web.public_origin == "https://jixiao.example.gov.cn" and web.trusts("10.1.2.3") and not web.trusts("11.0.0.1")
    for bad, why in (('public_origin = "jixiao.example.gov.cn"', "不是网站地址"),
                     ('public_origin = "https://jixiao.example.gov.cn/jx"', "不含路径"),
                     ('trusted_proxies = ["proxy.local"]', "不是 IP 地址或网段")):
        good.write_text(f"[web]\n{bad}\n", "utf-8")
        with pytest.raises(ConfigError, match=why) as err:
            load_config(good)
        assert str(err.value).startswith(f"{good}:2: ")


def test_exports_are_not_cached_and_warn_of_pending_findings(seeded):
    from urllib.parse import unquote

    admin, ids = seeded
    docx = admin.get(f"/reports/{ids['003']}/opinion.docx")
    xlsx = admin.get("/portfolio.xlsx")
    api = admin.get(f"/api/reports/{ids['003']}/opinion.docx")
    for r in (docx, xlsx, api, admin.get("/"), admin.get("/api/reports")):
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store" and secured(r)
    assert "尚有 13 条问题待复核" in unquote(docx.headers["x-jixiao-warning"])
    page = admin.get(f"/reports/{ids['003']}").text
    assert re.search(r'<p class="alert" id="pending-warning"[^>]*>尚有 13 条问题待复核', page)
    log = admin.get("/api/audit", params={"action": "export"}).json()
    assert log[-1]["detail"]["pending"] == 13


def test_history_of_a_report_without_a_year_is_a_message(app, tmp_path, as_user):
    admin = as_user("li")
    text = "\t单位名称\n\t示例区无年度局\n\n\t项目\n\t自评得分\n\n\t合计\n\t95\n"
    r = admin.post("/upload", files=[("files", ("无年度.txt", text.encode(), "text/plain"))],
                   data={"csrf_token": csrf_of(admin)}, follow_redirects=False)
    p = wait_batch(admin, int(r.headers["location"].rsplit("/", 1)[1]))
    rid = p["items"][0]["reports"][0]["id"]
    assert admin.get(f"/api/reports/{rid}").json()["report"]["year"] is None
    page = admin.get(f"/reports/{rid}/history")
    assert page.status_code == 200 and secured(page) and "未识别出年度，无法做历年对比" in page.text
    api = admin.get(f"/api/reports/{rid}/history").json()
    assert api["comparison"] is None and "未识别出年度" in api["message"]


# --- escaping ------------------------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_report_text_is_escaped_in_pages_and_the_opinion(app, seed, tmp_path, as_user):
    """A file name and a cited table's cell carrying markup are shown as text in every page, and the
    复核意见 reads the name back as written (python-docx escapes it for XML); a control character in
    the report does not break the .docx."""
    import docx

    admin = as_user("li")
    lines = seed("003").read_text(encoding="utf-8").split("\n")
    lines[50] = lines[50] + HOSTILE + "\x01"  # beside 原文第52行, the cited line of JX305
    name = "恶意<img src=x onerror=alert(1)>.txt"
    r = admin.post("/upload", files=[("files", (name, "\n".join(lines).encode(), "text/plain"))],
                   data={"csrf_token": csrf_of(admin)}, follow_redirects=False)
    p = wait_batch(admin, int(r.headers["location"].rsplit("/", 1)[1]))
    assert p["items"][0]["status"] == "done", p
    rid = p["items"][0]["reports"][0]["id"]
    page = admin.get(f"/reports/{rid}").text
    for html in (page, admin.get(f"/batches/{p['id']}").text, admin.get("/").text, admin.get("/audit").text):
        assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(" in page and "恶意&lt;img src=x onerror=alert(1)&gt;.txt" in page
    data = admin.get(f"/reports/{rid}/opinion.docx").content
    d = docx.Document(io.BytesIO(data))
    assert any("恶意<img src=x onerror=alert(1)>.txt" in par.text for par in d.paragraphs)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode()
    assert "<img src" not in xml and "&lt;img src=x" in xml


# --- access scoped by region / unit -------------------------------------------------------------------

def test_a_reviewer_sees_and_decides_only_the_assigned_region(app, seeded, as_user):
    admin, ids = seeded
    yue = as_user("yue")
    names = re.findall(r'<a href="/reports/\d+">([^<]+)</a>', yue.get("/").text)
    assert names == ["岳麓区商务局"]
    assert [r["unit_name"] for r in yue.get("/api/reports").json()] == ["岳麓区商务局"]
    assert yue.get("/api/facets").json()["region"] == ["岳麓区"]
    other = ids["004"]  # 君山区工商业联合会
    token = csrf_of(yue)
    fid = admin.get(f"/api/reports/{other}").json()["findings"][0]["id"]
    for url in (f"/reports/{other}", f"/reports/{other}/history", f"/reports/{other}/opinion.docx",
                f"/api/reports/{other}", f"/api/reports/{other}/history", f"/api/reports/{other}/opinion.docx",
                f"/findings/{fid}"):
        assert yue.get(url, follow_redirects=False).status_code == 404, url
    r = yue.post(f"/findings/{fid}/decision", data={"status": "确认", "csrf_token": token})
    assert r.status_code == 404
    r = yue.post(f"/api/findings/{fid}/decision", json={"status": "确认"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 404
    assert admin.get(f"/api/reports/{other}").json()["findings"][0]["decision"] is None
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(yue.get("/portfolio.xlsx").content))
    assert {row[1] for row in wb["汇总"].iter_rows(min_row=2, values_only=True)} == {"岳麓区商务局"}
    assert yue.get("/audit").status_code == 403 and yue.get("/api/audit").status_code == 403
    assert yue.get("/batches/1").status_code == 404  # the administrator's upload
    own = as_user("yue").get(f"/api/reports/{ids['003']}").json()
    ok = yue.post(f"/api/findings/{own['findings'][0]['id']}/decision", json={"status": "确认"},
                  headers={"X-CSRF-Token": token})
    assert ok.status_code == 200
    up = yue.post("/upload", files=[("files", ("a.txt", b"\t\xe5\x8d\x95\n", "text/plain"))],
                  data={"csrf_token": token, "region": "君山区"})
    assert up.status_code == 403 and "未分配给您的地区" in up.text


def test_a_unit_assignment_and_no_assignment(app, seeded, as_user):
    _, ids = seeded
    jun = as_user("jun")
    assert [r["unit_name"] for r in jun.get("/api/reports").json()] == ["君山区工商业联合会"]
    assert jun.get(f"/reports/{ids['003']}").status_code == 404
    nobody = as_user("nobody")
    page = nobody.get("/")
    assert "尚未给您分配地区或单位" in page.text and nobody.get("/api/reports").json() == []


def test_grant_and_revoke_from_the_command_line(app, store, seeded, as_user):
    from typer.testing import CliRunner

    from jixiao.cli import app as cli

    admin, _ = seeded
    nobody = as_user("nobody")
    run = CliRunner().invoke
    r = run(cli, ["user", "grant", "nobody", "--region", "君山区", "--unit", "岳麓区商务局", "--db", store.url])
    assert r.exit_code == 0 and "地区：君山区；单位：岳麓区商务局" in r.output
    assert len(nobody.get("/api/reports").json()) == 3  # two in 君山区 and 岳麓区商务局, at once
    r = run(cli, ["user", "revoke", "nobody", "--region", "君山区", "--db", store.url])
    assert [x["unit_name"] for x in nobody.get("/api/reports").json()] == ["岳麓区商务局"]
    r = run(cli, ["user", "add", "chen", "--role", "reviewer", "--region", "岳麓区", "--region", "君山区",
                  "--password-stdin", "--db", store.url], input="chen-的-密码-2026\n")
    assert r.exit_code == 0
    listed = run(cli, ["user", "list", "--db", store.url]).output
    assert ["chen", "reviewer", "chen", "启用", "地区：君山区、岳麓区"] in [ln.split() for ln in listed.splitlines()]
    log = admin.get("/api/audit").json()
    assert [a["action"] for a in log[:3]] == ["user_created", "scope_revoked", "scope_granted"]


# --- what a person reads ---------------------------------------------------------------------------------

def test_no_internal_ids_in_the_pages_and_the_opinion(seeded):
    import docx

    admin, ids = seeded
    for prefix, rid in ids.items():
        page = admin.get(f"/reports/{rid}").text
        visible = re.sub(r"<[^>]+>", " ", page)  # attribute values (data-code, option values) are not read
        assert not INTERNAL.search(visible), (prefix, INTERNAL.search(visible).group(0))
        d = docx.Document(io.BytesIO(admin.get(f"/reports/{rid}/opinion.docx").content))
        text = "\n".join([p.text for p in d.paragraphs] + [c.text for t in d.tables for row in t.rows for c in row.cells])
        assert not INTERNAL.search(text), (prefix, INTERNAL.search(text).group(0))
    visible = re.sub(r"<[^>]+>", " ", admin.get("/").text)
    assert not INTERNAL.search(visible)
    page = admin.get(f"/reports/{ids['003']}").text
    art = re.search(r'data-code="JX305">(.*?)</article>', page, re.DOTALL).group(1)
    assert "<figcaption>基础数据表" in art or "<figcaption>" in art and "块" not in art
    assert re.search(r"<summary>[^<(]*表[^<]*（引用的单元格已高亮）</summary>", art)


def test_one_sign_convention_and_findings_before_the_items(seeded):
    admin, ids = seeded
    page = admin.get(f"/reports/{ids['003']}").text
    assert page.index('id="findings"') < page.index('id="items"') and 'href="#items"' in page
    items = page[page.index('id="items"'):]
    assert "得分差（自评−复核）" in items and "差额" not in page
    row = re.search(r'<tr class="lower">\s*<td>预算执行率</td>(.*?)</tr>', items, re.DOTALL)
    assert row is None or "-" not in re.findall(r'<td class="num">([^<]*)</td>', row.group(1))[3]
    headline = page[page.index('class="grid headline"'):]
    assert re.search(r"<th>得分差（自评−复核）</th><td class=\"num\">3\.20</td>", headline)


def test_a_refused_decision_is_shown_inline(seeded):
    admin, ids = seeded
    page = admin.get(f"/reports/{ids['003']}?show=pending").text
    token = CSRF.search(page).group(1)
    fid = re.findall(r'id="f(\d+)" data-code', page)[3]
    r = admin.post(f"/findings/{fid}/decision", data={"status": "不采纳", "comment": "  ", "csrf_token": token,
                                                      "show": "pending"})
    assert r.status_code == 422 and secured(r)
    art = r.text[r.text.index(f'id="f{fid}"'):]
    art = art[:art.index("</article>")]
    assert 'id="refused"' in art and "不采纳须说明理由" in art and "autofocus" in art
    assert r.text.count('id="refused"') == 1


def test_the_carry_list_comes_first_with_nothing_preselected(app, seed, tmp_path, as_user):
    from test_store import corrected_003

    admin = as_user("li")

    v1 = upload_one(admin, seed("003"))
    page = admin.get(f"/reports/{v1}").text
    fid = {c: f for f, c in re.findall(r'id="f(\d+)" data-code="(JX\d+)"', page)}
    admin.post(f"/findings/{fid['JX408']}/decision",
               data={"status": "不采纳", "comment": "已说明", "csrf_token": CSRF.search(page).group(1)})
    v2 = upload_one(admin, corrected_003(seed, tmp_path))
    page = admin.get(f"/reports/{v2}").text
    assert page.index('id="orphans"') < page.index('id="scores"') < page.index('id="findings"')
    form = page[page.index('action="/decisions/'):]
    form = form[:form.index("</form>")]
    assert '<select name="finding_id" aria-label="本版本中待复核的问题" required>' in form
    assert re.findall(r"<option[^>]* selected", form) == ['<option value="" selected']
    decision_id = re.search(r'action="/decisions/(\d+)/carry"', form).group(1)
    r = admin.post(f"/decisions/{decision_id}/carry", data={"finding_id": "", "csrf_token": csrf_of(admin)})
    assert r.status_code == 422 and "请选择" in r.text


def test_api_docs_are_served_from_the_package(app):
    with TestClient(app, base_url="https://testserver") as c:
        docs = c.get("/api/docs")
        assert docs.status_code == 200 and secured(docs)
        srcs = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
        assert srcs and all(s.startswith(("/", "data:")) for s in srcs), srcs
        assert "<script>" not in docs.text
        for s in srcs:
            if not s.startswith("data:"):
                assert c.get(s).status_code == 200, s
        assert c.get("/api/openapi.json").json()["info"]["title"] == "jixiao 绩效自评复核"


def test_a_batch_lists_only_the_reports_in_the_uploaders_scope(app, seed, as_user):
    """A reviewer of 岳麓区 uploads a 岳麓区 and a 君山区 report (no 地区 given: each unit's own): the
    batch page lists the first and counts the other as hidden."""
    yue = as_user("yue")
    files = [("files", (f"{n}.txt", seed(n).read_bytes(), "text/plain")) for n in ("003", "004")]
    r = yue.post("/upload", files=files, data={"csrf_token": csrf_of(yue)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    p = wait_batch(yue, int(r.headers["location"].rsplit("/", 1)[1]))
    assert [it["status"] for it in p["items"]] == ["done", "done"]
    assert [len(it["reports"]) for it in p["items"]] == [1, 0]
    page = yue.get(f"/batches/{p['id']}").text
    assert "另有 1 份报告不在分配给您的地区、单位中，不列出。" in page
    assert yue.get(f"/api/reports/{p['items'][0]['reports'][0]['id']}").json()["report"]["unit_name"] == "岳麓区商务局"
