"""The reviewer workspace in a real browser: ``jixiao serve`` as a subprocess, Debian's Chromium
driven by Playwright, on SQLite and on PostgreSQL.

One walk through the work a reviewer does: log in, upload the five seeds, watch the batch finish,
read / filter / sort the portfolio, open 岳麓区商务局 and see the cited cell of a finding
highlighted, confirm one finding and dismiss another, list what is still 待复核, upload the unit's
corrected file, see the decisions carried to 第2版 (and the one whose problem vanished listed
apart), export the 复核意见 (.docx) and the portfolio (.xlsx), look at 历年对比 and the 审计日志.

A full-page screenshot of every page visited goes to
``build/test-output/browser/<backend>/NN_<page>.png`` (``build/`` is git-ignored).

Never downloads a browser: skips when ``/usr/bin/chromium`` is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("/usr/bin/chromium 不存在：浏览器测试只用 Debian 的 Chromium（apt install chromium），不下载浏览器",
                allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright 未安装（pip install -e .[test]）")
expect = playwright_api.expect

REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "build" / "test-output" / "browser"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
USER, PASSWORD = "fuhe01", "browser-test-密码-1"
TIMEOUT_MS = 30_000

UNIT = "岳麓区商务局"
CONFIRM_CODE, CONFIRM_TITLE = "JX305", "预算执行率偏低"  # 执行率 66.46%: stays in the corrected file
CONFIRM_COMMENT = "执行率仅66.46%，请单位说明1700.94万元未执行的原因。"
DISMISS_CODE = "JX408"  # 以预计数作为完成情况: gone from the corrected file
DISMISS_REASON = "正文“预计”系年中口径的表述，绩效目标表已填报实际完成值，不影响评分。"
ORPHANS_HEADING = "以往版本的复核结论（问题在本版本中已不存在）"


# --- the server -----------------------------------------------------------------------------------

def _jixiao() -> list[str]:
    exe = Path(sys.executable).with_name("jixiao")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "jixiao.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(store_url, tmp_path):
    """``jixiao serve`` on 127.0.0.1 and a free port over ``store_url`` with one administrator (who
    sees every region and the 审计日志); its base URL."""
    env = {k: v for k, v in os.environ.items() if k != "JIXIAO_DB"}
    env["JIXIAO_DATA"] = str(tmp_path)
    added = subprocess.run([*_jixiao(), "user", "add", USER, "--role", "admin", "--password-stdin",
                            "--db", store_url], input=PASSWORD + "\n", text=True, capture_output=True,
                           cwd=tmp_path, env=env, timeout=60, check=False)
    assert added.returncode == 0, added.stderr + added.stdout
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([*_jixiao(), "serve", "--host", "127.0.0.1", "--port", str(port), "--db", store_url],
                            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jixiao serve 退出（{proc.returncode}）：{(tmp_path / 'serve.log').read_text()}")
            try:
                with urllib.request.urlopen(base + "/login", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jixiao serve 30 秒内没有应答：{(tmp_path / 'serve.log').read_text()}")
            time.sleep(0.1)
        yield base
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        log.close()


@pytest.fixture
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class Shots:
    """Numbered full-page screenshots: ``NN_<page>.png``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.n = 0
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)

    def __call__(self, page, name: str) -> Path:
        self.n += 1
        path = self.folder / f"{self.n:02d}_{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


# --- helpers --------------------------------------------------------------------------------------

def corrected_003(seed_path: Path, tmp_path: Path) -> Path:
    """Seed 003 as the unit sends it back: its 预计 (forecast) figures restated as final results.
    Same unit, same year, another file name → 第2版; JX408 goes, JX305 stays."""
    text = seed_path.read_text(encoding="utf-8")
    assert "预计完成" in text
    out = tmp_path / f"{seed_path.stem}_更正.txt"
    out.write_text(text.replace("预计", ""), encoding="utf-8")
    return out


def upload(page, base: str, files: list[Path]) -> None:
    page.goto(base + "/upload")
    page.locator("input[type=file][name=files]").set_input_files([str(f) for f in files])
    page.get_by_role("button", name="上传并复核").click()
    page.wait_for_url(re.compile(r"/batches/\d+$"))


def wait_batch(page, n: int) -> None:
    """The batch page polls /api/batches/{id} and reloads when done; wait for the reloaded rows."""
    expect(page.locator("#items tbody tr.st-done")).to_have_count(n, timeout=TIMEOUT_MS)
    expect(page.locator("#state")).to_have_text("已完成")
    expect(page.locator("#count")).to_have_text(f"{n} / {n}")


def portfolio_rows(page) -> list[list[str]]:
    return [[c.strip() for c in row] for row in
            page.locator("#portfolio tbody tr").evaluate_all("rs => rs.map(r => [...r.cells].map(c => c.innerText))")]


def finding(page, code: str):
    loc = page.locator(f"article.finding[data-code={code}]")
    expect(loc).to_have_count(1)
    return loc


# --- the walk -------------------------------------------------------------------------------------


def _new_page(browser):
    """A Chinese-locale page that takes downloads, and the list of its script errors and of every
    answer of 400 or more (the test asserts it stays empty)."""
    context = browser.new_context(accept_downloads=True, locale="zh-CN", viewport={"width": 1400, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"页面脚本错误：{e}"))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return context, page, problems

def test_reviewer_workflow(server, browser, store_url, seeds_dir, tmp_path):
    backend = "sqlite" if store_url.startswith("sqlite") else "postgresql"
    shot = Shots(SHOTS / backend)
    seeds = sorted(seeds_dir.glob("*.txt"))
    assert len(seeds) == 5, seeds
    seed_003 = next(p for p in seeds if p.name.startswith("003"))
    corrected = corrected_003(seed_003, tmp_path)
    from jixiao.review import review_file

    codes = {f.code for f in review_file(corrected).record.findings}  # the correction does what we rely on
    assert CONFIRM_CODE in codes and DISMISS_CODE not in codes, codes

    context, page, problems = _new_page(browser)

    # log in (an anonymous visit is sent to /login)
    page.goto(server + "/")
    page.wait_for_url(server + "/login")
    shot(page, "login")
    page.get_by_label("用户名").fill(USER)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(server + "/")
    expect(page.locator("header .who")).to_contain_text(f"{USER}（管理员）")
    cookie = next(c for c in context.cookies() if c["name"] == "jixiao_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    expect(page.locator("#portfolio tbody")).to_contain_text("没有符合条件的报告")
    shot(page, "portfolio_empty")

    # upload the five seeds; the batch page polls and reloads until all are reviewed
    page.locator("header nav").get_by_role("link", name="上传报告").click()
    page.wait_for_url(server + "/upload")
    shot(page, "upload")
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/api/batches/" in r.url else None)
    upload(page, server, seeds)
    shot(page, "batch_started")
    started_pending = page.locator("#state").inner_text() == "复核中…"
    wait_batch(page, 5)
    if started_pending:  # the page showed the batch unfinished: it must have polled the API
        assert polls and all(re.search(r"/api/batches/\d+$", u) for u in polls), polls
    for p in seeds:
        expect(page.locator("#items tbody")).to_contain_text(p.name)
    expect(page.locator("#items tbody a", has_text=UNIT)).to_have_count(1)
    shot(page, "batch_done")

    # the portfolio: five units, 得分差 descending (no score last)
    page.get_by_role("link", name="查看组合总览").click()
    page.wait_for_url(server + "/")
    rows = portfolio_rows(page)
    assert len(rows) == 5, rows
    expect(page.locator("p.count")).to_have_text("共 5 份报告（各取最新版本）")
    top = rows[0]
    assert top[0] == UNIT and top[2] == "2019" and top[3] == "岳麓区", top
    assert (top[5], top[6], top[7]) == ("98.50", "95.30", "3.20"), top
    assert top[14] == "0" and top[15] == "已决定 0 / 待复核 13" and top[16] == "第1版", top  # 14: 解析提示
    drops = [r[7] for r in rows]
    known = [float(d) for d in drops if d != "—"]
    assert known == sorted(known, reverse=True) and drops[len(known):] == ["—"] * (len(drops) - len(known)), drops
    assert {r[0] for r in rows} == {UNIT, "中国国际贸易促进委员会岳阳市君山区委员会", "中国国际贸易促进委员会娄底支会",
                                    "君山区工商业联合会", "益阳市资阳区商务局"}
    shot(page, "portfolio")

    # filter by 年度, then by 地区, then sort by 年度
    form = page.locator("#filters")
    form.locator("select[name=year]").select_option("2019")
    form.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"year=2019"))
    rows = portfolio_rows(page)
    assert [r[0] for r in rows] == [UNIT], rows
    shot(page, "portfolio_year_2019")

    form.locator("select[name=year]").select_option("")
    form.locator("select[name=region]").select_option(label="君山区")
    form.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"region=%E5%90%9B%E5%B1%B1%E5%8C%BA"))
    rows = portfolio_rows(page)
    assert sorted(r[0] for r in rows) == ["中国国际贸易促进委员会岳阳市君山区委员会", "君山区工商业联合会"], rows
    assert all(r[3] == "君山区" for r in rows), rows
    shot(page, "portfolio_region")

    form.locator("select[name=region]").select_option("")
    form.locator("select[name=sort]").select_option("year")
    form.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"sort=year"))
    rows = portfolio_rows(page)
    years = [int(r[2]) for r in rows]
    assert len(rows) == 5 and years == sorted(years, reverse=True) and years[-1] == 2019, rows
    shot(page, "portfolio_sorted_by_year")

    # one unit: the cited cells of 执行率 66.46% are highlighted in the cited table
    page.locator("#portfolio a", has_text=UNIT).click()
    page.wait_for_url(re.compile(r"/reports/\d+$"))
    report_v1 = page.url
    expect(page.locator("h1")).to_have_text(f"{UNIT} · 2019年度")
    expect(page.locator("p.meta")).to_contain_text("第1版（共1版）")
    low = finding(page, CONFIRM_CODE)
    expect(low).to_contain_text(CONFIRM_TITLE)
    expect(low).to_contain_text("执行率 66.46%")
    table = low.locator("details.cited-table[open] table.source")
    expect(table).to_have_count(1)
    hl = table.locator("td.hl")
    expect(hl).to_have_count(2)
    assert sorted(hl.all_inner_texts()) == ["3370.55", "5071.49"]  # 全年执行数 ÷ 全年预算数
    hl.first.scroll_into_view_if_needed()
    for cell in hl.all():
        expect(cell).to_be_visible()
    assert hl.first.evaluate("td => getComputedStyle(td).backgroundColor") != \
        table.locator("td:not(.hl)").first.evaluate("td => getComputedStyle(td).backgroundColor"), "引用单元格没有高亮"
    shot(page, "report_v1")

    # the export warns while findings are pending
    expect(page.locator("#pending-warning")).to_be_visible()
    expect(page.locator("#pending-warning")).to_contain_text("尚有 13 条问题待复核")
    # 不采纳 without a reason is stopped in the page, at the finding (nothing is sent)
    card = finding(page, DISMISS_CODE)
    card.get_by_role("button", name="不采纳").click()
    assert card.locator("textarea[name=comment]").evaluate("t => t.validationMessage") == "不采纳须说明理由"
    assert card.locator("textarea[name=comment]").evaluate("t => document.activeElement === t")
    assert re.search(r"/reports/\d+$", page.url)
    expect(card.locator("header .decision")).to_have_text("待复核")

    # confirm one finding, dismiss another (with a reason)
    for code, status, comment in ((CONFIRM_CODE, "确认", CONFIRM_COMMENT), (DISMISS_CODE, "不采纳", DISMISS_REASON)):
        card = finding(page, code)
        card.locator("textarea[name=comment]").fill(comment)
        card.get_by_role("button", name=status).click()
        page.wait_for_url(re.compile(r"/reports/\d+#f\d+$"))
        card = finding(page, code)
        expect(card.locator("header .decision")).to_have_text(status)
        expect(card.locator("p.decided")).to_contain_text(f"复核结论：{status}，意见：{comment}")
    expect(finding(page, CONFIRM_CODE).locator("header .decision")).to_have_text("确认")
    expect(page.locator("header .decision", has_text="待复核")).to_have_count(11)
    shot(page, "report_v1_decided")

    # narrow the list to what is still 待复核: the decided two drop out of the list and the index
    page.locator("#finding-filter a[data-show=pending]").click()
    page.wait_for_url(re.compile(r"\?show=pending$"))
    expect(page.locator("#finding-filter a.on[data-show=pending]")).to_have_text("待复核 11")
    expect(page.locator("article.finding")).to_have_count(11)
    expect(page.locator("#finding-index tbody tr")).to_have_count(11)
    expect(page.locator(f"article.finding[data-code={CONFIRM_CODE}]")).to_have_count(0)
    shot(page, "report_v1_pending")

    # the unit sends a corrected file: a new version, decisions carried where the problem remains
    upload(page, server, [corrected])
    wait_batch(page, 1)
    expect(page.locator("#items tbody")).to_contain_text(corrected.name)
    shot(page, "batch_corrected")
    page.locator("#items tbody a", has_text=UNIT).click()
    page.wait_for_url(re.compile(r"/reports/\d+$"))
    assert page.url != report_v1
    expect(page.locator("p.meta")).to_contain_text("第2版（共2版）")
    expect(page.locator("p.meta")).to_contain_text(corrected.name)
    low = finding(page, CONFIRM_CODE)
    expect(low.locator("header .decision")).to_have_text("确认")
    expect(low.locator("p.decided")).to_contain_text(f"复核结论：确认，意见：{CONFIRM_COMMENT}")
    expect(low.locator("p.decided")).to_contain_text("沿用自上一版本")
    expect(page.locator(f"article.finding[data-code={DISMISS_CODE}]")).to_have_count(0)
    orphans = page.locator("section.orphans")
    expect(orphans.locator("h2")).to_have_text(ORPHANS_HEADING)
    orphan = orphans.locator("tbody tr", has_text=DISMISS_CODE)
    expect(orphan).to_have_count(1)
    expect(orphan).to_contain_text("第1版")
    expect(orphan).to_contain_text("不采纳")
    expect(orphan).to_contain_text(DISMISS_REASON)
    expect(orphan.get_by_role("button", name="沿用")).to_have_count(1)  # may be put on a reworded finding
    expect(page.locator("section:has(> h2:text-is('版本')) li")).to_have_count(2)
    shot(page, "report_v2")

    # 复核意见 (.docx) of 第2版
    with page.expect_download() as dl:
        page.locator("#export-opinion").click()
    download = dl.value
    assert download.suggested_filename == f"复核意见_{UNIT}_2019年度_第2版.docx", download.suggested_filename
    docx_path = tmp_path / "opinion.docx"
    download.save_as(docx_path)
    import docx

    doc = docx.Document(str(docx_path))
    text = "\n".join([p.text for p in doc.paragraphs] +
                     [c.text for t in doc.tables for row in t.rows for c in row.cells])
    for wanted in (UNIT, CONFIRM_TITLE, CONFIRM_COMMENT):
        assert wanted in text, f"复核意见中没有“{wanted}”"

    # 历年对比
    page.get_by_role("link", name="历年对比").click()
    page.wait_for_url(re.compile(r"/reports/\d+/history$"))
    expect(page.locator("h1")).to_have_text(f"历年对比 · {UNIT}")
    expect(page.locator("#years tbody tr")).to_have_count(1)
    expect(page.locator("#years tbody tr").first).to_contain_text("2019")
    expect(page.locator("#years tbody tr").first).to_contain_text("第2版")
    expect(page.get_by_text("只有一个年度的报告，无法比较。")).to_be_visible()
    shot(page, "history")

    # the portfolio again, and its .xlsx with the sheet 复核结论
    page.locator("header nav").get_by_role("link", name="组合总览").click()
    page.wait_for_url(server + "/")
    top = portfolio_rows(page)[0]
    assert top[0] == UNIT and top[16] == "第2版" and top[15] == "已决定 1 / 待复核 11", top
    shot(page, "portfolio_final")
    with page.expect_download() as dl:
        page.locator("#export-xlsx").click()
    xlsx_path = tmp_path / "portfolio.xlsx"
    dl.value.save_as(xlsx_path)
    assert dl.value.suggested_filename.endswith(".xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(xlsx_path, read_only=True)
    assert "复核结论" in wb.sheetnames, wb.sheetnames
    rows = [list(r) for r in wb["复核结论"].iter_rows(values_only=True)]
    assert rows[0][:7] == ["单位/项目", "年度", "版本", "代码", "问题", "复核结论", "意见"], rows[0]
    confirmed = [r for r in rows[1:] if r[3] == CONFIRM_CODE]
    assert len(confirmed) == 1, rows
    assert confirmed[0][:7] == [UNIT, 2019, 2, CONFIRM_CODE, CONFIRM_TITLE, "确认", CONFIRM_COMMENT], confirmed
    assert confirmed[0][7] == USER
    wb.close()

    # 审计日志: the decisions and exports just made, newest first
    page.locator("header nav").get_by_role("link", name="审计日志").click()
    page.wait_for_url(server + "/audit")
    expect(page.locator("#audit tbody tr").first).to_contain_text("导出")
    decided = page.locator("#audit tbody tr[data-action=decide]")
    expect(decided).to_have_count(2)
    expect(decided.filter(has_text=DISMISS_REASON)).to_have_count(1)
    page.locator("#audit-filters select[name=action]").select_option(label="沿用结论")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"action=carried"))
    expect(page.locator("#audit tbody tr")).to_have_count(1)
    expect(page.locator("#audit tbody tr")).to_contain_text(CONFIRM_CODE)
    shot(page, "audit")

    # /api/docs: Swagger UI from the package, no request leaves the server, no script error
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
    page.goto(server + "/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("jixiao 绩效自评复核")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert not outside, outside
    shot(page, "api_docs")

    assert not problems, problems
    context.close()
    assert len(list(shot.folder.glob("*.png"))) == shot.n


# --- 单位填报: a unit user fills and submits, a reviewer sees it ------------------------------------

UNIT_USER, UNIT_PASSWORD = "qsn01", "unit-test-密码-2"
PALACE = REPO / "examples" / "填报" / "planted_2025_示例区青少年宫_填报.xlsx"  # planted JX301 JX305 JX405
DEVIATION = "受场馆维修影响，两场科普活动未能举办；明年提前安排场地，按季度检查进度。"


def field(page, name: str):
    """The form's input for ``sheet!ref`` (its id: f-sheet-ref)."""
    return page.locator(f'[id="f-{name.replace("!", "-")}"]')


def test_unit_fills_and_submits(server, browser, store_url, tmp_path):
    backend = "sqlite" if store_url.startswith("sqlite") else "postgresql"
    shot = Shots(SHOTS / f"{backend}_unit")
    env = {k: v for k, v in os.environ.items() if k != "JIXIAO_DB"} | {"JIXIAO_DATA": str(tmp_path)}
    added = subprocess.run([*_jixiao(), "user", "add", UNIT_USER, "--role", "unit", "--unit", "示例区青少年宫",
                            "--password-stdin", "--db", store_url], input=UNIT_PASSWORD + "\n", text=True,
                           capture_output=True, cwd=tmp_path, env=env, timeout=60, check=False)
    assert added.returncode == 0, added.stderr + added.stdout
    context, page, problems = _new_page(browser)

    # the unit user lands on 填报, not on the reviewers' 组合总览
    page.goto(server + "/login")
    page.get_by_label("用户名").fill(UNIT_USER)
    page.get_by_label("密码").fill(UNIT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(server + "/unit")
    expect(page.locator("header .who")).to_contain_text(f"{UNIT_USER}（单位填报人）")
    expect(page.locator("header nav")).not_to_contain_text("组合总览")
    expect(page.locator("#drafts tbody")).to_contain_text("还没有填报")
    shot(page, "unit_home")

    # a filled workbook read into a draft: the score computed, the 填报检查 beside the fields
    page.locator("#upload-workbook input[type=file]").set_input_files(str(PALACE))
    page.get_by_role("button", name="上传并读入").first.click()
    page.wait_for_url(re.compile(r"/unit/drafts/\d+$"))
    expect(page.locator("#total")).to_have_text("94.6")
    expect(page.locator("#grade")).to_have_text("优")
    expect(page.locator("#findings article.finding[data-code=JX405]")).to_have_count(1)
    expect(page.locator("#findings article.finding[data-code=JX405]")).to_contain_text("举办青少年科普活动场次")
    expect(field(page, "基本信息!B6")).to_have_value("示例区青少年宫")
    shot(page, "unit_draft")

    # as the unit types: text in a money cell is marked at once (checked, not saved)
    executed = field(page, "资金!D6")
    executed.fill("四百三十")
    expect(executed).to_have_class(re.compile(r"\bbad\b"))
    expect(page.locator("#problems")).to_contain_text("须为数字")
    expect(page.locator("#total")).to_have_count(0)
    expect(page.locator("form .field-finding")).to_have_count(0)  # no check runs until it is a number
    shot(page, "unit_live_problem")
    executed.fill("430")
    expect(page.locator("#total")).to_have_text("94.6")
    expect(page.locator('[id="f-资金-C6"] ~ .field-finding')).to_have_text("JX305 预算执行率偏低")  # back beside it
    expect(executed).not_to_have_class(re.compile(r"\bbad\b"))

    # the finding fixed: 偏差原因 written for the indicator that lost points; saved
    field(page, "绩效指标!J8").fill(DEVIATION)
    expect(page.locator("#findings article.finding[data-code=JX405]")).to_have_count(0)
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_url(re.compile(r"saved=1"))
    expect(page.locator("#message")).to_have_text("已保存。")
    expect(field(page, "绩效指标!J8")).to_have_value(DEVIATION)
    expect(page.locator("#findings article.finding[data-code=JX405]")).to_have_count(0)
    expect(page.locator("#findings article.finding[data-code=JX301]")).to_have_count(1)
    expect(page.locator("#total")).to_have_text("94.6")

    # the documents of the draft, then submit
    with page.expect_download() as dl:
        page.get_by_role("link", name="自评表（Word）").click()
    assert dl.value.suggested_filename == "2025年度示例区青少年宫部门整体支出绩效自评表.docx", dl.value.suggested_filename
    page.get_by_role("button", name="保存并提交").click()
    page.wait_for_url(re.compile(r"saved=sub"))
    expect(page.locator("#status")).to_have_text("已提交（第1版）")
    shot(page, "unit_submitted")
    page.locator("header nav").get_by_role("link", name="填报").click()
    expect(page.locator("#drafts tbody tr")).to_have_count(1)
    expect(page.locator("#drafts tbody tr")).to_contain_text("已提交（第1版）")
    expect(page.locator("#drafts tbody tr")).to_contain_text("94.6")
    # the reviewers' workspace stays closed to it
    assert page.goto(server + "/upload").status == 403
    page.goto(server + "/unit")
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(server + "/login")

    # a reviewer sees the submission in the queue like any other report
    page.get_by_label("用户名").fill(USER)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(server + "/")
    rows = portfolio_rows(page)
    assert len(rows) == 1 and "示例区青少年宫" in rows[0][0] and "在线填报" in rows[0][0], rows
    assert rows[0][5] == "94.60" and rows[0][-1] == "第1版", rows
    shot(page, "reviewer_portfolio")
    page.locator("#portfolio tbody a", has_text="示例区青少年宫").click()
    page.wait_for_url(re.compile(r"/reports/\d+$"))
    expect(page.locator("body")).to_contain_text("在线填报：2025年度示例区青少年宫")
    expect(finding(page, "JX301")).to_contain_text("在线填报·基础数据表·3、公务接待·2025年决算数")
    expect(page.locator("article.finding[data-code=JX405]")).to_have_count(0)
    shot(page, "reviewer_report")
    assert problems == [f"403 {server}/upload"], problems
    context.close()


# --- the index of a large batch (review.html, no server) --------------------------------------------

def test_review_index_sorts_filters_and_pages(browser, tmp_path, seeds_dir):
    """review.html of a batch reviewed with --pages: 72 records (6 copies of the 5 seeds and 5
    examples, two examples with project tables), 50 to a page, sorted by a click on 得分差,
    filtered by a unit's name, each file name opening the file's own page."""
    import json as _json

    from typer.testing import CliRunner

    from jixiao.cli import app

    inbox = tmp_path / "in"
    inbox.mkdir()
    sources = sorted(seeds_dir.glob("*.txt")) + sorted((REPO / "examples").glob("*.txt"))
    for k in range(6):
        for src in sources:
            shutil.copy(src, inbox / f"{k}_{src.name}")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["review", str(inbox), "-o", str(out), "--pages", "--jobs", "2"])
    assert res.exit_code == 0, res.output
    html = (out / "review.html").read_text("utf-8")
    data = _json.loads(re.search(r'id="data">(.*?)</script>', html, re.S).group(1))
    assert len(data) == 72
    page = browser.new_page()
    page.goto((out / "review.html").as_uri())
    rows = page.locator("#rows tr")
    expect(page.locator("#shown")).to_have_text("显示 72 / 72 条")
    expect(rows).to_have_count(50)
    expect(page.locator("#page")).to_have_text("第 1 / 2 页")
    page.get_by_role("button", name="下一页").click()
    expect(rows).to_have_count(22)
    page.locator("table.records th", has_text="得分差").click()  # largest first
    top = max(data, key=lambda r: (r[8] is not None, r[8] or 0))
    expect(rows.first.locator("td").nth(8)).to_have_text(format(top[8], "g"))
    expect(page.locator("#page")).to_have_text("第 1 / 2 页")
    page.fill("#q", "示例区商务服务中心")
    expect(page.locator("#shown")).to_have_text("显示 6 / 72 条")
    expect(rows).to_have_count(6)
    page.check("#errors-only")
    expect(rows).to_have_count(6)  # the planted example has errors
    rows.first.locator("a").click()
    section = page.locator("section.file")
    expect(section.locator("h2")).to_contain_text("planted_2024_示例区商务服务中心.txt")
    assert re.search(r"/reports/\d{5}\.html#f\d+$", page.url)
    expect(page.get_by_role("link", name="← 返回复核总览")).to_be_visible()
