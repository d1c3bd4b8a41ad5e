"""Issue 14: no hostile file takes down a batch, and the outputs are always written.

Each class of hostile input is built here, from the bundled examples or from nothing (no copied
files): a zip member with a bad CRC, numbers of 31 and 5,000 digits, a year split across a line
break, control characters in a cell, a file beyond the per-file time or memory budget, an output
folder that cannot be written, an output whose disk fills up, formula-like cell texts; and one
batch holding several of them, which writes all three outputs and exits with the right code."""

from __future__ import annotations

import errno
import io
import json
import os
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from jixiao.batch import Task, _pool, review_task
from jixiao.cli import app
from jixiao.config import Limits, Settings
from jixiao.decimals import is_absurd, quantize
from jixiao.readers import ReadError, read
from jixiao.report.cleantext import NOTE, append_row
from jixiao.report.jsonl import read_records
from jixiao.review import review_file

ROOT = Path(__file__).resolve().parents[1]
CLEAN = ROOT / "examples" / "clean_2024_示例区文化馆.txt"
PLANTED = ROOT / "examples" / "planted_2024_示例区商务服务中心.txt"
runner = CliRunner()
OUTPUTS = ("records.jsonl", "review.xlsx", "review.html")


def _edited(path: Path, old: str, new: str, to: Path) -> Path:
    """The example ``path`` with its one ``old`` replaced by ``new``, written to ``to``."""
    text = path.read_text("utf-8")
    assert text.count(old) == 1, old
    to.write_text(text.replace(old, new), "utf-8")
    return to


def _bad_crc(tmp: Path, name: str, good: bytes, member: str) -> Path:
    """The zip ``good`` rewritten with ``member`` stored (not deflated) and one byte of it changed:
    the member's CRC-32 no longer matches its bytes."""
    src = zipfile.ZipFile(io.BytesIO(good))
    out = tmp / name
    with zipfile.ZipFile(out, "w") as zf:
        for info in src.infolist():
            zf.writestr(info.filename, src.read(info), zipfile.ZIP_STORED if info.filename == member else zipfile.ZIP_DEFLATED)
    data = bytearray(out.read_bytes())
    info = zipfile.ZipFile(out).getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.file_size // 2] ^= 0x01
    out.write_bytes(bytes(data))
    return out


def _docx_bytes() -> bytes:
    from docx import Document

    doc = Document()
    doc.add_paragraph("示例区文化馆2024年度部门整体支出绩效自评报告")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _xlsx_bytes() -> bytes:
    wb = Workbook()
    wb.active.append(["项目名称", "示例项目"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("name, make, member", [
    ("bad_crc.docx", _docx_bytes, "word/document.xml"),
    ("bad_crc.xlsx", _xlsx_bytes, "xl/styles.xml"),  # read by the zip pre-check before openpyxl
])
def test_a_bad_crc_is_a_read_error_naming_the_file(tmp_path, name, make, member):
    bad = _bad_crc(tmp_path, name, make(), member)
    with pytest.raises(ReadError) as err:
        read(bad)
    assert name in str(err.value) and "损坏" in err.value.reason
    rec = review_file(bad).record
    assert rec.error is not None and name in rec.error and rec.report is None


def test_every_reader_exception_becomes_a_read_error(tmp_path, monkeypatch):
    """A bug or a library's exception anywhere inside a reader (here RecursionError and
    StopIteration from the text reader) is a ReadError with the file and the reason."""
    from jixiao import readers

    f = tmp_path / "a.txt"
    f.write_text("示例\n", "utf-8")
    for exc, lead in ((RecursionError("maximum recursion depth exceeded"), "嵌套过深"),
                      (StopIteration(), "读取时出错"), (UnicodeError("undefined"), "编码")):
        def boom(path, exc=exc):
            raise exc
        monkeypatch.setattr(readers, "read_text", boom)
        with pytest.raises(ReadError) as err:
            read(f)
        assert err.value.path == str(f) and lead in err.value.reason and type(exc).__name__ in err.value.reason


def test_a_31_digit_amount_is_reviewed_and_named(tmp_path):
    big = "1234567890123456789012345678901.5"
    f = _edited(PLANTED, "\t272.00\n", f"\t{big}\n", tmp_path / "big.txt")  # 全年执行数 of the 自评表
    rec = review_file(f).record
    assert rec.error is None  # was decimal.InvalidOperation in percent_text
    executed = rec.report.funds.executed
    assert executed.raw == big and executed.value.adjusted() == 30  # kept (to Decimal's 28 digits)
    (jx908,) = [x for x in rec.findings if x.code == "JX908"]
    assert big in jx908.message and jx908.evidence[0].source.line == 172
    assert rec.scorecards[0].total is not None
    assert quantize(Decimal(big), Decimal("0.01")) == Decimal("1234567890123456789012345678901.50")


def test_what_is_computed_from_an_absurd_amount_is_said_once_by_jx908(tmp_path):
    """A 25-digit 全年执行数 of the 整体支出 table: JX908 names it; the sums, rate and budget
    comparisons computed from it (JX101 JX103 JX306, the 结转结余率 of JX311) are not listed. The
    same place a plausible 354.10 over its budget of 262.50 does give them."""
    huge = _edited(CLEAN, "\t262.50\n\t254.10\n", "\t262.50\n\t2541000000000000000000000.10\n", tmp_path / "huge.txt")
    over = _edited(CLEAN, "\t262.50\n\t254.10\n", "\t262.50\n\t354.10\n", tmp_path / "over.txt")
    codes = {x.code for x in review_file(over).record.findings}
    assert {"JX101", "JX103", "JX306", "JX311"} <= codes and "JX908" not in codes
    rec = review_file(huge).record
    codes = {x.code for x in rec.findings}
    assert "JX908" in codes and not {"JX101", "JX103", "JX306", "JX311"} & codes
    assert {"JX310", "JX312", "JX313"} <= codes  # what does not cite it stays


@pytest.mark.parametrize(("x", "absurd"), [
    (Decimal("999999999999999.99"), False), (Decimal("-999999999999999"), False), (Decimal("1E15"), True),
    (Decimal("-1000000000000000.0"), True), (Decimal("0"), False), (Decimal("0E-30"), False),
    (Decimal("Infinity"), True), (Decimal("NaN"), True), (10**15, True), (10**15 - 1, False), (1e15, True),
    (True, False), ("1E20", False), (None, False)])
def test_absurd_is_a_magnitude_of_ten_to_the_fifteen(x, absurd):
    assert is_absurd(x) is absurd


def test_a_year_split_across_a_line_break(tmp_path):
    f = tmp_path / "split.txt"
    f.write_text("示例县农业服务站部门整体支出绩效自评报告\n一、基本情况\n本站全年支出86.40万元，其中基本支出70.10万元。\n"
                 "该项目于2022\n年完成验收。\n二、存在的问题\n预算编制不够精细。\n", "utf-8")
    rec = review_file(f).record
    assert rec.error is None  # was StopIteration in year_fallback
    assert rec.report.year.value is None  # no line holds the year whole: not taken
    assert "JX903" in {x.code for x in rec.findings}


def test_a_5000_digit_total_keeps_records_jsonl_whole(tmp_path):
    f = _edited(CLEAN, "\t96.85\n", "\t" + "9" * 5000 + "\n", tmp_path / "total.txt")
    out = tmp_path / "out"
    res = runner.invoke(app, ["review", str(f), "-o", str(out)])
    assert res.exit_code == 0, res.output
    (line,) = (out / "records.jsonl").read_text("utf-8").splitlines()
    data = json.loads(line)  # an int of 5,001 digits would exceed Python's conversion limit
    written = data["scorecards"][0]["self_total"]
    assert isinstance(written, str) and Decimal(written) > Decimal(10) ** 4999  # written as text
    (rec,) = read_records(out / "records.jsonl")
    assert rec.scorecards[0].self_total == Decimal(written)
    assert rec.report.self_assessment.total.raw == "9" * 5000
    assert "JX908" in {x.code for x in rec.findings}
    wb = load_workbook(out / "review.xlsx")
    summary = wb["汇总"]
    col = [c.value for c in summary[1]].index("自评得分") + 1
    assert summary.cell(2, col).value == written  # text: Excel has no such number


def test_a_400_digit_total_does_not_stop_the_chart(tmp_path):
    f = _edited(CLEAN, "\t96.85\n", "\t" + "9" * 400 + "\n", tmp_path / "total.txt")
    ok = tmp_path / "ok.txt"
    ok.write_bytes(PLANTED.read_bytes())
    out = tmp_path / "out"
    res = runner.invoke(app, ["review", str(f), str(ok), "-o", str(out)])
    assert res.exit_code == 0, res.output
    wb = load_workbook(out / "review.xlsx")
    assert len(wb["总览"]._images) == 1
    html = (out / "review.html").read_text("utf-8")
    assert "data:image/png;base64," in html
    assert "示例区商务服务中心 自评 99.5 复核 94.92" in html  # the chart's alt text: the sane unit is drawn
    assert "示例区文化馆 自评" not in html  # the absurd one is not


def test_control_characters_are_dropped_with_a_note(tmp_path):
    f = tmp_path / "ctrl.html"
    f.write_text("<html><body><p>示例区文&#1;化馆2024年度部门整体支出绩效自评&#x1b;报告</p>"
                 "<p>本馆全年支出86.40万元，其中基本支出70.10万元。</p></body></html>", "utf-8")
    out = tmp_path / "out"
    res = runner.invoke(app, ["review", str(f), "-o", str(out)])
    assert res.exit_code == 0, res.output
    raw = "".join(zipfile.ZipFile(out / "review.xlsx").read(n).decode("utf-8")
                  for n in zipfile.ZipFile(out / "review.xlsx").namelist() if n.endswith(".xml"))
    assert "_x0001_" not in raw and "_x001B_" not in raw and "\x01" not in raw
    wb = load_workbook(out / "review.xlsx")  # openpyxl reads it back
    texts = [c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    noted = [t for t in texts if "示例区文化馆2024年度" in t]
    assert noted and all(t.endswith(NOTE.format(n=2)) for t in noted)
    html = (out / "review.html").read_text("utf-8")
    assert "\x01" not in html and "\x1b" not in html and "示例区文化馆2024年度部门整体支出绩效自评报告" in html
    assert NOTE.format(n=2) in html
    assert "\\u0001" in (out / "records.jsonl").read_text("utf-8")  # the record keeps the text as read


def test_formula_like_texts_stay_text(tmp_path):
    f = _edited(PLANTED, "\t示例区商务服务中心\n", '\t=HYPERLINK("http://example.invalid","x")\n', tmp_path / "f.txt")
    out = tmp_path / "out"
    res = runner.invoke(app, ["review", str(f), "-o", str(out)])
    assert res.exit_code == 0, res.output
    zf = zipfile.ZipFile(out / "review.xlsx")
    sheets = [zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("xl/worksheets/")]
    assert not any("<f>" in s or "<f " in s for s in sheets)
    assert any("=HYPERLINK(" in s.replace("&quot;", '"') for s in sheets)
    # what openpyxl writes (portfolio.xlsx's 复核结论): text, numbers still numbers
    wb = Workbook()
    append_row(wb.active, ["=1+1", "+A1", "-A1", "@SUM(A1)", "\t=1", "a\x01b", 3, Decimal("2.5")])
    wb.save(tmp_path / "p.xlsx")
    sheet = zipfile.ZipFile(tmp_path / "p.xlsx").read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet and "<f " not in sheet
    values = [c.value for c in load_workbook(tmp_path / "p.xlsx").active[1]]
    assert values == ["=1+1", "+A1", "-A1", "@SUM(A1)", "\t=1", "ab" + NOTE.format(n=1), 3, 2.5]


# --- the per-file budget ------------------------------------------------------------------------


def _slow_or_hungry(task: Task):
    """Review the task, except: a file named slow* sleeps past any budget, hungry* allocates 2 GiB,
    and each output says which worker process made it."""
    name = Path(task.path).name
    if name.startswith("slow"):
        time.sleep(60)
    if name.startswith("hungry"):
        hog = bytearray(2 << 30)
        hog[-1] = 1
    out = review_task(task)
    out.sha256 = str(os.getpid())
    out.parent = os.getppid()
    return out


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_beyond_its_budget_gets_an_error_naming_the_limit(tmp_path, jobs):
    names = ["a.txt", "slow.txt", "b.txt", "hungry.txt", "c.txt"]
    for n in names:
        (tmp_path / n).write_bytes(CLEAN.read_bytes())
    limits = Limits(file_timeout=2, file_memory="256MiB")
    settings = Settings(limits=limits)
    tasks = [Task(i, str(tmp_path / n), settings, html=False) for i, n in enumerate(names)]
    started = time.monotonic()
    outs = list(_pool(tasks, jobs, {}, _slow_or_hungry))
    assert time.monotonic() - started < 40  # the sleeper was stopped, not waited for
    assert [o.index for o in outs] == list(range(5))
    assert [o.ok for o in outs] == [True, False, True, False, True]
    assert outs[1].error == f"{tasks[1].path}: 超出单个文件时间限制（2 秒），已停止处理此文件"
    assert outs[3].error == f"{tasks[3].path}: 超出单个文件内存限制（256 MiB），已停止处理此文件"
    if jobs == 1:  # one worker: replaced after each breach
        pids = [o.sha256 for o in outs]
        assert pids[0] != pids[2] != pids[4]


def _late_head(task: Task):
    """Review the task; a file named late* first waits 5 s (within the budget)."""
    if Path(task.path).name.startswith("late"):
        time.sleep(5)
    return review_task(task)


def test_files_are_counted_done_as_they_finish_not_behind_a_slow_one(tmp_path):
    """The progress bar's count (run's on_done) follows the files that finished, in any order:
    behind a first file that takes 5 s, the four after it are counted before its output is yielded."""
    import threading

    names = ["late.txt", "a.txt", "b.txt", "c.txt", "d.txt"]
    for n in names:
        (tmp_path / n).write_bytes(CLEAN.read_bytes())
    tasks = [Task(i, str(tmp_path / n), Settings(), html=False) for i, n in enumerate(names)]
    count, lock = [0], threading.Lock()

    def done():
        with lock:
            count[0] += 1

    seen = []
    for out in _pool(tasks, 2, {}, _late_head, on_done=done):
        seen.append((out.index, count[0]))
    assert [i for i, _ in seen] == list(range(5))  # outputs still in input order
    assert seen[0][1] >= 4  # the four quick files were counted while the first was still running
    assert count[0] == 5


@pytest.mark.parametrize(("name", "error"), [
    ("slow.txt", "超出单个文件时间限制（2 秒），已停止处理此文件"),
    ("hungry.txt", "超出单个文件内存限制（256 MiB），已停止处理此文件"),
    ("a.txt", None)])
def test_one_file_is_forked_from_this_process_under_the_same_limits(tmp_path, name, error):
    """A batch of one file (with no other thread running here) has its worker forked from this
    process, with no forkserver to start; the time and memory limits hold as in any batch."""
    (tmp_path / name).write_bytes(CLEAN.read_bytes())
    task = Task(0, str(tmp_path / name), Settings(limits=Limits(file_timeout=2, file_memory="256MiB")), html=False)
    (out,) = list(_pool([task], 1, {}, _slow_or_hungry, fork=True))
    if error is None:
        assert out.ok and out.records[0].json
        assert out.parent == os.getpid()  # not the forkserver's
    else:
        assert out.error == f"{task.path}: {error}"


def test_only_a_lone_file_in_a_threadless_process_is_forked(tmp_path, monkeypatch):
    import threading

    from jixiao.batch import _can_fork

    one = [Task(0, str(tmp_path / "a.txt"), Settings())]
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert _can_fork(one) and not _can_fork(one * 2)
    monkeypatch.setattr(threading, "active_count", lambda: 2)  # a progress bar's thread, a web server's
    assert not _can_fork(one)


def test_a_real_file_beyond_the_memory_budget(tmp_path):
    """A flat text table of 190,000 cells (under the text reader's cell cap; about 1.5 MB) needs
    far more than 30 MiB to read and review."""
    f = tmp_path / "cells.txt"
    f.write_text("项目支出绩效自评表\n\n" + "".join(f"\t{i}\n\n" for i in range(190_000)), "utf-8")
    ok = tmp_path / "ok.txt"
    ok.write_bytes(CLEAN.read_bytes())
    out = tmp_path / "out"
    res = runner.invoke(app, ["review", str(f), str(ok), "-o", str(out), "--jobs", "1", "--file-memory", "30MiB"])
    assert res.exit_code == 1, res.output
    by = {Path(json.loads(l)["source"]).name: json.loads(l) for l in (out / "records.jsonl").read_text("utf-8").splitlines()}
    assert "超出单个文件内存限制（30 MiB）" in by["cells.txt"]["error"]
    assert by["ok.txt"]["error"] is None


def test_limits_from_the_config_and_bad_values(tmp_path):
    cfg = tmp_path / "jixiao.toml"
    cfg.write_text('[limits]\nfile_timeout = 5\nfile_memory = "2GiB"\n', "utf-8")
    from jixiao.config import load_config

    assert load_config(cfg).limits == Limits(file_timeout=5, file_memory="2GiB")
    assert load_config(cfg).limits.file_memory == 2 << 30
    cfg.write_text('[limits]\nfile_memory = "lots"\n', "utf-8")
    res = runner.invoke(app, ["review", str(CLEAN), "--config", str(cfg), "-o", str(tmp_path / "o")])
    assert res.exit_code == 2 and "jixiao.toml:2" in res.output and "[red]" not in res.output
    res = runner.invoke(app, ["review", str(CLEAN), "--file-memory", "-1", "-o", str(tmp_path / "o")])
    assert res.exit_code == 2 and "--file-memory" in res.output and "[red]" not in res.output


# --- outputs ------------------------------------------------------------------------------------


def test_an_output_folder_that_cannot_be_written(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x", "utf-8")
    res = runner.invoke(app, ["review", str(CLEAN), "-o", str(blocker / "out")])
    assert res.exit_code == 3
    assert "无法写出结果" in res.output and "输出位置不是文件夹" in res.output
    assert "Traceback" not in res.output and "[red]" not in res.output


def test_a_read_only_output_disk(tmp_path, monkeypatch):
    """As root a chmod'ed folder is still writable: the read-only disk is the file system's
    answer (EROFS) to every file opened for writing in the output folder."""
    out = tmp_path / "out"
    real_open = Path.open

    def read_only(self, mode="r", *args, **kwargs):
        if any(m in mode for m in "wax+") and out in self.parents:
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", read_only)
    res = runner.invoke(app, ["review", str(CLEAN), "-o", str(out)])
    assert res.exit_code == 3
    assert "输出位置所在的磁盘为只读" in res.output and "Traceback" not in res.output


def test_a_full_disk_stops_only_its_output(tmp_path, monkeypatch):
    import xlsxwriter

    def full(self):
        raise OSError(errno.ENOSPC, "No space left on device", self.filename)

    out = tmp_path / "out"
    out.mkdir()
    (out / "review.xlsx").write_bytes(b"an earlier run's workbook")
    monkeypatch.setattr(xlsxwriter.Workbook, "close", full)
    res = runner.invoke(app, ["review", str(CLEAN), "-o", str(out)])
    assert res.exit_code == 3, res.output
    assert "未能写出 review.xlsx：磁盘空间已满" in res.output and "Traceback" not in res.output
    assert sorted(p.name for p in out.iterdir()) == ["records.jsonl", "review.html"]  # no stale workbook, no .part
    (rec,) = read_records(out / "records.jsonl")
    assert rec.error is None


def test_a_crash_outside_any_file_writes_what_was_done(tmp_path, monkeypatch):
    from jixiao.report.writer import BatchWriter

    real_add = BatchWriter.add

    def add(self, fo):
        if self.files == 1:
            raise RuntimeError("a bug in the writer")
        real_add(self, fo)

    monkeypatch.setattr(BatchWriter, "add", add)
    out = tmp_path / "out"
    res = runner.invoke(app, ["review", str(CLEAN), str(PLANTED), "-o", str(out)])
    assert res.exit_code == 4
    assert "jixiao 内部错误" in res.output and "RuntimeError: a bug in the writer" in res.output
    assert len((out / "records.jsonl").read_text("utf-8").splitlines()) == 1
    assert all((out / n).is_file() for n in OUTPUTS)


def test_a_hostile_batch_writes_all_three_outputs(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _bad_crc(inbox, "a_bad_crc.docx", _docx_bytes(), "word/document.xml")
    _edited(PLANTED, "\t272.00\n", "\t1234567890123456789012345678901.5\n", inbox / "b_31_digits.txt")
    _edited(CLEAN, "\t96.85\n", "\t" + "9" * 5000 + "\n", inbox / "c_5000_digits.txt")
    (inbox / "d_control.html").write_text("<html><body><p>示例区文&#1;化馆2024年度部门整体支出绩效自评报告</p>"
                                          "<p>本馆全年支出86.40万元。</p></body></html>", "utf-8")
    (inbox / "e_split_year.txt").write_text("示例县农业服务站部门整体支出绩效自评报告\n本站于2022\n年完成验收。\n", "utf-8")
    (inbox / "f_cells.txt").write_text("项目支出绩效自评表\n\n" + "".join(f"\t{i}\n\n" for i in range(190_000)), "utf-8")
    (inbox / "g_clean.txt").write_bytes(CLEAN.read_bytes())
    out = tmp_path / "out"
    res = runner.invoke(app, ["review", str(inbox), "-o", str(out), "--file-memory", "30MiB"])
    assert res.exit_code == 1, res.output  # files unreadable, every output written
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    lines = (out / "records.jsonl").read_text("utf-8").splitlines()
    by = {Path(r["source"]).name: r for r in map(json.loads, lines)}
    assert sorted(by) == sorted(p.name for p in inbox.iterdir())
    assert {n for n, r in by.items() if r["error"]} == {"a_bad_crc.docx", "f_cells.txt"}
    assert "超出单个文件内存限制（30 MiB）" in by["f_cells.txt"]["error"]
    load_workbook(out / "review.xlsx")
    assert "g_clean.txt" in (out / "review.html").read_text("utf-8")


def test_stores_opened_at_once_on_a_new_database(tmp_path):
    """Several processes (here threads, each its own connection) creating one new SQLite store at
    once: one migrates, the others wait and find the schema there (was: "table alembic_version
    already exists")."""
    import threading

    from jixiao.store import Store

    url = f"sqlite:///{tmp_path / 'j.db'}"
    start, errors, stores = threading.Barrier(4), [], []

    def open_store():
        start.wait()
        try:
            stores.append(Store(url))
        except Exception as exc:  # noqa: BLE001  collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(stores) == 4
    assert "alembic_version" in stores[0].tables()


def test_two_db_runs_on_one_sqlite_file_both_finish(tmp_path):
    import subprocess
    import sys

    db = tmp_path / "j.db"
    examples = ROOT / "examples"
    procs = [subprocess.Popen([sys.executable, "-m", "jixiao.cli", "review", str(examples), "--db", str(db),
                               "-o", str(tmp_path / f"out{k}")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for k in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    import sqlite3

    with sqlite3.connect(db) as c:
        files = len(list(examples.glob("*.txt")))
        assert c.execute("select count(*) from reviews").fetchone() == (files,)  # each stored once
        assert c.execute("select count(*) from blobs").fetchone() == (files,)


def test_the_web_intake_reviews_under_the_same_limits(tmp_path):
    """An uploaded file is reviewed in a worker under the per-file limits (the web app's intake
    thread calls review_blob): the file beyond the memory budget is stored with the limit named,
    the next one is reviewed as usual."""
    from jixiao.config import Limits
    from jixiao.store import Store, add_blob, review_blob

    store = Store(f"sqlite:///{tmp_path / 'store.db'}", files_dir=tmp_path / "files")
    big = tmp_path / "cells.txt"
    big.write_text("项目支出绩效自评表\n\n" + "".join(f"\t{i}\n\n" for i in range(190_000)), "utf-8")
    settings = Settings(limits=Limits(file_timeout=20, file_memory="30MiB"))
    hungry = review_blob(store, add_blob(store, big), "上传/cells.txt", settings)
    assert hungry.error.startswith("上传/cells.txt: 超出单个文件内存限制（30 MiB）")  # (or: aborted allocating)
    fine = review_blob(store, add_blob(store, CLEAN), "上传/clean.txt", settings)
    assert fine.error is None and len(fine.report_ids) == 1
