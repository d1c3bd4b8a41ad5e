"""The JSON API against its own OpenAPI schema (``/api/openapi.json``), in process.

Schemathesis (v4) generates requests for every operation from the schema — schema-valid ones,
then schema-violating ones — and runs them against the ASGI app over a store that already holds
the five seeds, reviewed (and one decision), authenticated as an administrator with a bearer token from
``POST /api/login`` — and 单位填报 (``/api/unit/…``) as a unit user (单位填报人) holding a draft read
from an example workbook; on SQLite and on PostgreSQL. Bounded (``MAX_EXAMPLES`` per operation and
mode) and deterministic (``derandomize``) so CI stays fast and reproducible.

Why not ``schemathesis.pytest.from_fixture``: with pytest 9.2 it fails before running anything
(``'Function' object has no attribute '_nodeid'``: schemathesis/pytest/lazy.py renames the pytest
node, an attribute pytest 9.2 no longer has). Each operation's ``as_strategy()`` under Hypothesis
does the same generation and the same checks.

Plus plain tests: the schema lists every /api/ route; without a session every /api/ operation
but the login answers 401; and one regression test per app bug the property test found.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis 未安装（pip install -e .[test]）")
import hypothesis
import hypothesis.strategies as st
from fastapi.routing import APIRoute
from schemathesis import GenerationMode
from sqlalchemy import select
from starlette.testclient import TestClient

from jixiao.store import (
    Entry,
    Store,
    add_blob,
    create_batch,
    create_user,
    decide,
    review_blob,
    run_batch,
)
from jixiao.author.workbook import workbook_cells
from jixiao.store.access import Scope
from jixiao.store.drafts import create_draft
from jixiao.store.models import Decision, Finding, Report, User
from jixiao.store.users import open_session
from jixiao.web.app import create_app

USER, PASSWORD = "api-fuhe", "schema-test-password"
UNIT_USER, UNIT = "api-danwei", "示例区档案馆"  # 单位填报人
WORKBOOK = Path(__file__).resolve().parents[1] / "examples" / "填报" / "clean_2025_示例区档案馆_填报.xlsx"
MAX_EXAMPLES = 25  # per operation and generation mode

# Binary downloads: the schema gives the .docx/.xlsx media type no JSON schema (FastAPI adds an
# empty application/json entry beside it), so there is no body schema to conform to; every other
# check still runs on them.
BINARY = re.compile(r"\.(docx|xlsx)$")

# --- fixtures ---------------------------------------------------------------------------------------

@pytest.fixture
def api(store_url, tmp_path, seeds_dir):
    """The app (no background worker) over a store holding the five seeds reviewed, one decision
    and one finished batch, an administrator, and a bearer token obtained from POST /api/login."""
    store = Store(store_url, files_dir=tmp_path / "files")
    user_id = create_user(store, USER, PASSWORD, "admin")  # every region: the whole API is exercised
    seeds = sorted(seeds_dir.glob("*.txt"))
    assert len(seeds) == 5, seeds
    for path in seeds:
        stored = review_blob(store, add_blob(store, path), path.name)
        assert stored.error is None, stored.error
    with store.session() as s:  # one decision already made, so report details carry a DecisionOut
        finding_id = s.scalar(select(Finding.id).where(Finding.code == "JX305"))
        user = s.get(User, user_id)
    decide(store, finding_id, "确认", "执行率偏低，请说明原因", user)
    entries = [Entry(p.name, add_blob(store, p), p.stat().st_size, "text") for p in seeds]
    batch_id = create_batch(store, entries, origin="web", user_id=user_id)
    run_batch(store, batch_id)  # every item "skipped": same content, already reviewed
    unit_id = create_user(store, UNIT_USER, PASSWORD, "unit", units=[UNIT])
    kind, year, ruleset, fields = workbook_cells(WORKBOOK)
    unit_scope = Scope(units=frozenset([UNIT]))
    draft_ids = [create_draft(store, unit_id, unit_scope, UNIT, kind, year, fields, ruleset),
                 create_draft(store, unit_id, unit_scope, UNIT, "project", 2025)]  # one filled, one empty
    unit_token, _ = open_session(store, unit_id)
    with store.session() as s:
        ids = {"draft_id": draft_ids, "which": ["selfeval.docx", "selfeval.xlsx", "report.docx", "checklist.md"],
               "report_id": list(s.scalars(select(Report.id).order_by(Report.id))),
               "finding_id": list(s.scalars(select(Finding.id).order_by(Finding.id))),
               "decision_id": list(s.scalars(select(Decision.id).order_by(Decision.id))),
               "batch_id": [batch_id]}
    app = create_app(store, worker=False, secure_cookies=False)
    with TestClient(app) as client:
        r = client.post("/api/login", json={"username": USER, "password": PASSWORD})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["user"] == {"username": USER, "display_name": USER, "role": "admin"}
        # a server error is a 500 response here (as a real server sends), not an exception
        safe = TestClient(app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {body['token']}"})
        yield SimpleNamespace(app=app, store=store, client=client, safe=safe, user_id=user_id,
                              token=body["token"], finding_id=finding_id, ids=ids, unit_token=unit_token)
    store.close()


def _api_routes(app) -> set[tuple[str, str]]:
    """(METHOD, path) of every /api/ route the app serves, but the schema and docs pages."""
    from jixiao.web import api as api_module

    found = {(m, r.path) for r in api_module.router.routes if isinstance(r, APIRoute) for m in r.methods}
    # anything added to the app itself under /api/ (FastAPI wraps included routers, so the api
    # router's own routes are taken from it above)
    found |= {(m, r.path) for r in app.routes if isinstance(r, APIRoute) and r.path.startswith("/api/")
              for m in r.methods}
    return found


# --- the property test --------------------------------------------------------------------------------

def _settings(operation):
    # the .xlsx export rebuilds the whole workbook (~0.3 s a request): fewer examples there
    n = 10 if operation.path == "/api/portfolio.xlsx" else MAX_EXAMPLES
    return hypothesis.settings(max_examples=n, derandomize=True, database=None, deadline=None,
                               suppress_health_check=list(hypothesis.HealthCheck), print_blob=False)


def _has_inputs(operation) -> bool:
    return any(len(list(p)) for p in (operation.path_parameters, operation.query, operation.headers,
                                      operation.cookies)) or bool(list(operation.body))


def _exercise(api, operation, mode) -> None:
    """Run ``operation`` under Hypothesis; a failed check or an exception (a 500) raises."""
    from schemathesis.specs.openapi.checks import (
        negative_data_rejection,
        positive_data_acceptance,
        response_schema_conformance,
    )

    excluded = [response_schema_conformance] if BINARY.search(operation.path) else []
    if operation.path == "/api/uploads":
        # multipart/form-data cannot carry what these two checks assume: every part is a string
        # on the wire (a "number" file is a file holding those digits, rightly accepted) and an
        # empty ``files`` array is no part at all (rightly "missing"). The upload still gets
        # every other check; tests/test_intake.py covers what it accepts.
        excluded += [negative_data_rejection, positive_data_acceptance]

    strategy = operation.as_strategy(generation_mode=mode)
    names = [p.name for p in operation.path_parameters]
    if mode is GenerationMode.POSITIVE and names:
        # random ids are nearly all 404: half the time, take ids that exist in the store
        strategy = st.one_of(strategy, st.tuples(*(st.sampled_from(api.ids[n]) for n in names)).flatmap(
            lambda values: operation.as_strategy(generation_mode=mode, path_parameters=dict(zip(names, values)))))

    @_settings(operation)
    @hypothesis.given(case=strategy)
    def exercise(case):
        token = api.unit_token if case.path.startswith("/api/unit/") else api.token
        if case.path == "/api/logout":  # logging out ends the session: give it its own
            token, _ = open_session(api.store, api.user_id)
        headers = {"Authorization": f"Bearer {token}"}
        response = case.call(headers=headers)  # an exception here is a 500 behind a real server
        case.validate_response(response, excluded_checks=excluded, headers=headers)

    exercise()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_api_conforms_to_its_schema(api, mode):
    """Every operation, ``MAX_EXAMPLES`` generated requests each, under all of schemathesis's
    default checks: not_a_server_error, status code / content type / response headers / response
    schema conformance, negative data rejection, positive data acceptance, ..."""
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", api.app)
    failures: list[str] = []
    ran: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        ran.append(operation.label)
        if mode is GenerationMode.NEGATIVE and not _has_inputs(operation):
            continue  # nothing to make invalid (POST /api/logout, GET /api/me, GET /api/facets)
        try:
            _exercise(api, operation, mode)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - FailureGroup is a BaseExceptionGroup;
            failures.append(f"{operation.label}: {exc}")  # every operation is tried, all failures reported
    assert sorted(ran) == sorted(f"{m} {p}" for m, p in _api_routes(api.app)), ran
    assert not failures, "\n\n".join(failures)


# --- plain tests ----------------------------------------------------------------------------------

def test_openapi_lists_every_api_route(api):
    r = api.client.get("/api/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    listed = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    served = _api_routes(api.app)
    assert len(served) >= 12, served
    assert served == listed, f"仅在应用中：{served - listed}；仅在 schema 中：{listed - served}"
    assert all(p.startswith("/api/") for p in doc["paths"]), list(doc["paths"])  # pages stay out of it
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op.get("responses"), f"{method.upper()} {path} 没有列出响应"
            if (method, path) != ("post", "/api/login"):
                assert "401" in op["responses"], f"{method.upper()} {path} 没有列出 401"
            if path not in ("/api/login", "/api/logout", "/api/me"):  # the rest refuse someone: a 单位填报人 or the others
                assert "403" in op["responses"], f"{method.upper()} {path} 没有列出 403"


def test_api_without_a_session_is_401(api):
    doc = api.client.get("/api/openapi.json").json()
    anonymous = TestClient(api.app)  # no cookie, no Authorization
    checked = []
    for path, ops in doc["paths"].items():
        for method in ops:
            if (method, path) == ("post", "/api/login"):
                continue
            url = re.sub(r"\{[^}]+\}", "1", path)
            for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Cookie": "jixiao_session=forged"}):
                r = anonymous.request(method.upper(), url, headers=headers)
                assert r.status_code == 401, f"{method.upper()} {url} {headers} → {r.status_code} {r.text[:200]}"
                assert r.json() == {"detail": "需要登录"}
                assert r.headers.get("www-authenticate") == "Bearer"
            checked.append((method.upper(), path))
    assert set(checked) == _api_routes(api.app) - {("POST", "/api/login")}
    r = anonymous.post("/api/login", json={"username": USER, "password": "wrong-password"})
    assert r.status_code == 401
    assert api.safe.get("/api/me").status_code == 200  # while the bearer token works


def test_cookie_authenticated_api_posts_need_the_csrf_header(api):
    """The browser's session cookie works for the API too, but a POST must then carry X-CSRF-Token
    (from GET /api/me); a bearer token needs none."""
    browser = TestClient(api.app, cookies={"jixiao_session": api.token})
    me = browser.get("/api/me")
    assert me.status_code == 200
    csrf = me.json()["csrf_token"]
    url = f"/api/findings/{api.finding_id}/decision"
    r = browser.post(url, json={"status": "确认", "comment": "无 CSRF"})
    assert r.status_code == 403, r.text
    r = browser.post(url, json={"status": "确认", "comment": "CSRF 不对"}, headers={"X-CSRF-Token": csrf + "x"})
    assert r.status_code == 403, r.text
    r = browser.post(url, json={"status": "确认", "comment": "带 CSRF"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    assert api.safe.post(url, json={"status": "确认", "comment": "bearer"}).status_code == 200


# --- regression tests for what the property test found ---------------------------------------------

def test_out_of_range_ids_are_refused_not_server_errors(api):
    for url in ("/api/reports/2147483648", "/api/reports/2147483648/history", "/api/reports/2147483648/opinion.docx",
                "/api/batches/2147483648", "/api/reports/9223372036854775808", "/api/reports/0"):
        assert api.safe.get(url).status_code == 422, url
    assert api.safe.post("/api/findings/2147483648/decision", json={"status": "确认"}).status_code == 422
    assert api.safe.get("/api/reports/2147483647").status_code == 404


def test_nul_in_text_is_not_a_server_error(api):
    assert api.safe.post("/api/login", json={"username": "a\x00", "password": "x"}).status_code == 422
    r = api.safe.get("/api/reports", params={"region": "岳麓区\x00"})  # the NUL is dropped
    assert r.status_code == 200 and [x["unit_name"] for x in r.json()] == ["岳麓区商务局"]
    r = api.safe.post(f"/api/findings/{api.finding_id}/decision", json={"status": "确认", "comment": "a\x00b"})
    assert r.status_code == 200 and r.json()["comment"] == "a b"


def test_long_region_at_upload_is_refused(api, seed):
    with seed("003").open("rb") as fh:
        r = api.safe.post("/api/uploads", files={"files": ("003.txt", fh, "text/plain")}, data={"region": "区" * 65})
    assert r.status_code == 422, r.text


def test_exports_survive_control_characters_in_a_comment(api):
    import io

    import docx
    from openpyxl import load_workbook

    r = api.safe.post(f"/api/findings/{api.finding_id}/decision",
                      json={"status": "确认", "comment": "第一行\x0b第二行（从 Word 粘贴）"})
    assert r.status_code == 200 and r.json()["comment"] == "第一行 第二行（从 Word 粘贴）", r.text
    with api.store.session() as s:
        report_id = s.get(Finding, api.finding_id).report_id
    r = api.safe.get(f"/api/reports/{report_id}/opinion.docx")
    assert r.status_code == 200
    assert "第一行 第二行（从 Word 粘贴）" in "\n".join(p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs)
    r = api.safe.get("/api/portfolio.xlsx")
    assert r.status_code == 200
    comments = [row[6] for row in load_workbook(io.BytesIO(r.content))["复核结论"].iter_rows(min_row=2, values_only=True)]
    assert "第一行 第二行（从 Word 粘贴）" in comments


def test_decision_time_is_an_rfc3339_date_time(api):
    r = api.safe.post(f"/api/findings/{api.finding_id}/decision", json={"status": "确认", "comment": "好"})
    assert r.status_code == 200, r.text
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", r.json()["at"]), r.text


def test_unparseable_body_status_is_documented(api):
    doc = api.client.get("/api/openapi.json").json()
    r = api.safe.post("/api/login", content=b"\xff\xfe{", headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    for path in ("/api/login", "/api/findings/{finding_id}/decision"):
        assert "400" in doc["paths"][path]["post"]["responses"], path


def test_dismissing_without_a_reason_is_expressed_in_the_schema(api):
    import jsonschema_rs  # schemathesis's own validator

    for body in ({"status": "不采纳"}, {"status": "不采纳", "comment": "  "}):
        r = api.safe.post(f"/api/findings/{api.finding_id}/decision", json=body)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "comment", r.text
    doc = api.client.get("/api/openapi.json").json()
    body = doc["paths"]["/api/findings/{finding_id}/decision"]["post"]["requestBody"]["content"]["application/json"]
    valid = jsonschema_rs.validator_for({**body["schema"], "components": doc["components"]}).is_valid
    assert valid({"status": "确认"}) and valid({"status": "不采纳", "comment": "理由"})
    assert not valid({"status": "待定"}) and not valid({"status": "不采纳"})
