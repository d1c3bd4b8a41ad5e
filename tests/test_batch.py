"""A batch on all cores: --jobs gives the outputs of --jobs 1 byte for byte; the outputs of a large
batch (review.html an index, one page per report; review.xlsx split past a sheet's rows); the
compact records.jsonl reads back as the records reviewed; a worker that dies loses only its file.

Real documents: the seeds (../shared/seeds, by path) and the bundled examples."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import xlsxwriter
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import SEEDS_DIR
from jixiao.batch import Task, _pool, review_task
from jixiao.cli import app
from jixiao.config import Settings
from jixiao.report.jsonl import read_records, record_line
from jixiao.report.xlsx import SheetStream
from jixiao.review import collect, review_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def inputs() -> list[str]:
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"seeds not found at {SEEDS_DIR}")
    return [str(SEEDS_DIR), str(EXAMPLES)]


def _review(tmp: Path, inputs: list[str], *extra: str) -> Path:
    out = tmp / "out"
    res = CliRunner().invoke(app, ["review", *inputs, "-o", str(out), *extra])
    assert res.exit_code == 0, res.output
    return out


def _cells(path: Path) -> dict[str, list[tuple]]:
    wb = load_workbook(path)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


@pytest.fixture(scope="module")
def one_and_two(tmp_path_factory, inputs) -> tuple[Path, Path]:
    one = _review(tmp_path_factory.mktemp("jobs1"), inputs, "--jobs", "1", "--pages")
    two = _review(tmp_path_factory.mktemp("jobs2"), inputs, "--jobs", "2", "--pages")
    return one, two


def test_jobs_give_the_same_outputs(one_and_two):
    one, two = one_and_two
    assert (one / "records.jsonl").read_bytes() == (two / "records.jsonl").read_bytes()
    assert (one / "review.html").read_bytes() == (two / "review.html").read_bytes()
    pages = sorted(p.name for p in (one / "reports").iterdir())
    assert pages == sorted(p.name for p in (two / "reports").iterdir()) and len(pages) == 10  # 5 seeds, 5 examples
    assert all((one / "reports" / p).read_bytes() == (two / "reports" / p).read_bytes() for p in pages)
    # the workbook's zip stores the time it was written; its cells are the same
    assert _cells(one / "review.xlsx") == _cells(two / "review.xlsx")
    records = [json.loads(line) for line in (one / "records.jsonl").read_text("utf-8").splitlines()]
    assert len(records) == 12  # the 体育事业发展中心 example has two project tables attached
    names = [Path(r["source"]).name for r in records]
    assert names == sorted(names) and names[0].startswith("000_")  # input order


def test_index_links_every_record_to_its_page(one_and_two):
    out = one_and_two[0]
    html = (out / "review.html").read_text("utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', html, re.S).group(1))
    assert len(data) == 12
    by_file = {row[1]: row for row in data}
    sport = [row for row in data if row[1].startswith("planted_2024_示例区体育事业发展中心")]
    assert [row[3] for row in sport] == ["部门整体", "项目", "项目"] and [row[-1] for row in sport] == [False, True, True]
    for row in data:
        page, anchor = row[-2].split("#")
        text = (out / page).read_text("utf-8")
        assert f'id="{anchor}"' in text, row
        assert '<a href="../review.html">' in text
        assert not re.search(r'<(script|link|iframe)\b|src="http', text)  # self-contained
    seed001 = next(row for name, row in by_file.items() if name.startswith("001_"))
    assert seed001[7] is None and seed001[15] == "已复核"  # no scorecard to recompute: shown, not dropped
    planted = by_file["planted_2024_示例区商务服务中心.txt"]
    assert planted[2] == "示例区商务服务中心" and planted[6:10] == [99.5, 94.92, 4.58, "优"] and planted[10] == "85.00%"
    # the 总览 without the tables that list every record (the index's table does)
    assert "预算执行率分布" in html and "各单位得分差" not in html


def test_small_batch_is_one_page(tmp_path, inputs):
    out = _review(tmp_path, inputs, "--jobs", "2")
    html = (out / "review.html").read_text("utf-8")
    assert not (out / "reports").exists()
    assert html.count('<section class="file"') == 10 and html.count('<section class="project"') == 2
    assert '<a href="#f1">000_' in html and 'id="f1-1"' not in html  # seed 000 has no project table


def test_large_batch_prints_a_short_summary(tmp_path, inputs):
    res = CliRunner().invoke(app, ["review", *inputs, "-o", str(tmp_path / "o"), "--pages"])
    assert "得分差最大的 10 份" in res.output and "错误最多的 10 份" in res.output
    assert "示例区商务服务中心" in res.output


def test_compact_jsonl_reads_back_as_reviewed(seeds_dir):
    for path in [*sorted(seeds_dir.glob("*.txt")), EXAMPLES / "planted_2024_示例区体育事业发展中心_附项目表.txt"]:
        for doc in review_file(path).documents():
            line = record_line(doc.record)
            assert f'"file": "{path}"' not in line  # every source is the record's own
            full = json.dumps(doc.record.model_dump(mode="json"), ensure_ascii=False)
            assert len(line) < 0.75 * len(full)
            tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"jixiao-rt-{os.getpid()}.jsonl"
            tmp.write_text(line + "\n", encoding="utf-8")
            try:
                (back,) = read_records(tmp)
            finally:
                tmp.unlink()
            assert back.model_dump(mode="json") == doc.record.model_dump(mode="json")


def test_sheet_goes_on_past_its_rows(tmp_path):
    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"), {"constant_memory": True})
    sheet = SheetStream(wb, "指标", ["文件", "说明", "来源可信度"], "来源可信度", max_rows=4)
    for i in range(7):
        sheet.append([f"{i}.txt", "说明" * 20, "推断" if i == 5 else "官方原文"], marked=i == 5)
    sheet.close()
    wb.close()
    book = load_workbook(tmp_path / "x.xlsx")
    assert book.sheetnames == ["指标", "指标（2）", "指标（3）"]
    rows = [[r for r in ws.iter_rows(values_only=True)] for ws in book.worksheets]
    assert [len(r) for r in rows] == [4, 4, 2]  # header + 3 rows each, the last one header + 1
    assert all(r[0] == ("文件", "说明", "来源可信度") for r in rows)
    assert [r[0] for ws in rows for r in ws[1:]] == [f"{i}.txt" for i in range(7)]
    second = book["指标（2）"]
    assert second["C4"].fill.fgColor.rgb.endswith("FFE8CC") and second["C3"].fill.fill_type is None  # 5.txt
    assert second.freeze_panes == "A2" and second.auto_filter.ref == "A1:C4"
    assert round(book["指标"].column_dimensions["B"].width) == 61 == round(second.column_dimensions["B"].width)  # MAX_WIDTH (+ XlsxWriter's padding)
    assert second["B2"].alignment.wrap_text


def _dies_on_second(task: Task):
    """Review the task, except that the second file kills its worker (a crash in a library)."""
    if task.index == 1:
        os._exit(3)
    return review_task(task)


def test_a_dying_worker_loses_only_its_file(seeds_dir):
    files = [str(p) for p in collect([seeds_dir])]
    tasks = [Task(i, f, Settings(), html=False) for i, f in enumerate(files)]
    outputs = list(_pool(tasks, 2, {}, _dies_on_second))
    assert [o.index for o in outputs] == list(range(len(files)))
    assert [o.ok for o in outputs] == [True, False, True, True, True]
    assert "工作进程异常退出" in outputs[1].error and files[1] in outputs[1].error
    assert outputs[1].records[0].summary["状态"] == outputs[1].error


def _conversions_seen(task: Task):
    """What a worker knows of the batch's LibreOffice conversions."""
    from jixiao.readers import office

    return task.index, {k: (str(v) if v else None) for k, v in office._cache.items()}


def test_workers_take_the_batch_conversions(tmp_path):
    """.doc files are converted once for the batch in the main process; every worker starts with
    those conversions (and so never starts LibreOffice for them)."""
    done = {str(tmp_path / "a.doc"): str(tmp_path / "a.docx"), str(tmp_path / "b.doc"): None}
    tasks = [Task(i, str(tmp_path / f"{i}.txt"), Settings(), html=False) for i in range(6)]
    seen = list(_pool(tasks, 2, done, _conversions_seen))
    assert [i for i, _ in seen] == list(range(6))
    assert all(cache == done for _, cache in seen)


def test_ctrl_c_writes_what_was_done(tmp_path, inputs):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) in the middle of a
    batch: exit 130, every output written, records.jsonl the first files of the batch, whole."""
    import shutil
    import signal
    import subprocess
    import sys
    import time

    inbox = tmp_path / "in"
    inbox.mkdir()
    sources = [p for d in inputs for p in sorted(Path(d).glob("*.txt"))]
    for k in range(30):
        for src in sources:
            shutil.copy(src, inbox / f"{k:02d}_{src.name}")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "jixiao.cli", "review", str(inbox), "-o", str(out), "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    jsonl, part = out / "records.jsonl", out / "records.jsonl.part"  # renamed when the batch closes
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not part.exists() or part.stat().st_size < 200_000):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "已中断" in stderr and "Traceback" not in stderr
    lines = jsonl.read_text("utf-8").splitlines()
    names = [Path(json.loads(line)["source"]).name for line in lines]
    everything = sorted(p.name for p in inbox.iterdir())
    files = list(dict.fromkeys(names))
    assert 0 < len(files) < len(everything) and files == everything[:len(files)]
    assert (out / "review.xlsx").stat().st_size > 0 and (out / "review.html").stat().st_size > 0
    assert not part.exists()
    assert len(list((out / "reports").iterdir())) == len(files)
