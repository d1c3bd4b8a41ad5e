"""One report, every input format, the same record.

Each case (the two examples and the five seeds, read by path at test time) is read from its
text, written out by ``tests/formats.py`` as .docx (real gridSpan/vMerge merges, a page-number
footer), .html (utf-8, and GBK with ``<meta charset="gbk">``, behind a ``<nav>`` menu and above a
footer) and .xlsx (one sheet per table, numbers stored as numbers with their number format);
LibreOffice then makes .doc and .pdf from the .docx and .xls from the .xlsx (one soffice run per
target format for all cases: the ``slow`` tests). Every file goes through
``jixiao.readers.read`` → ``extract`` → ``score`` → ``run_checks`` and must give the record of
the .txt:

- the same Report (every figure, indicator, fund, basic-data and self-assessment value, parsed
  targets and actuals), the same Scorecards (items, totals, grades) and the same Findings (codes,
  evidence values, expected/found, score impacts, messages);
- compared as values: ``source`` (file, block, row, col, line) is left out, whitespace is
  squashed out of every string, locations in messages (``第N行`` of the text view, ``第N页`` of
  a PDF, ``工作表“…”C7`` of a workbook) and the file's own path are masked. Line numbers differ
  between formats by design (each format has its own text view and native positions).

What a format cannot carry is not compared:

- .xlsx/.xls carry the tables, not the narrative paragraphs (正文): their record is compared with
  the record of the text Document *without its paragraphs* (``formats.tables_only``), and seed
  001 (no table at all) has nothing a workbook can carry;
- .pdf does not carry paragraph boundaries (a wrapped line and a new paragraph look alike), so at
  the Document level only the running paragraph text is compared, not its segmentation, and no
  cell's line breaks (for every format, cell texts are compared with whitespace squashed);
- scans are not in this matrix: OCR text is not exact, and its confidence exists only there
  (the OCR reader has its own tests; ``bench/bench_readers.py`` times it).
"""

from __future__ import annotations

import functools
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from conftest import SEEDS_DIR
from formats import (convert, expected_covered, soffice, squash, tables_only, write_docx, write_html,
                     write_xlsx)
from jixiao.checks import run_checks
from jixiao.extract import extract
from jixiao.readers import Document, read
from jixiao.rules import score

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CASES = {
    "clean": EXAMPLES / "clean_2024_示例区文化馆.txt",
    "planted": EXAMPLES / "planted_2024_示例区商务服务中心.txt",
    **{p: None for p in ("000", "001", "002", "003", "004")},  # seeds, found in ../shared/seeds
}
# format → (reader module that must be present, needs LibreOffice)
FORMATS = {
    "docx": ("jixiao.readers.docx", False),
    "html": ("jixiao.readers.html", False),
    "html-gbk": ("jixiao.readers.html", False),
    "xlsx": ("jixiao.readers.xlsx", False),
    "doc": ("jixiao.readers.office", True),
    "pdf": ("jixiao.readers.pdf", True),
    "xls": ("jixiao.readers.xlsx", True),
}
TABLES_ONLY = {"xlsx", "xls"}
needs_soffice = pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) 未安装")


def case_source(case: str) -> Path:
    path = CASES[case]
    if path is not None:
        return path
    if not SEEDS_DIR.is_dir():
        pytest.skip("../shared/seeds 不存在：种子报告仅在 CI 与开发机上提供")
    matches = sorted(p for p in SEEDS_DIR.glob(f"{case}*.txt"))
    if len(matches) != 1:
        pytest.skip(f"{SEEDS_DIR} 中没有唯一以 {case} 开头的种子报告")
    return matches[0]


# ---------------------------------------------------------------------------------------------
# fixtures: every case built once per session; LibreOffice run once per target format


@dataclass
class Built:
    case: str
    txt: Path
    doc: Document  # the text Document
    files: dict[str, Path] = field(default_factory=dict)  # format → file


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, Built]:
    """Every available case written as .docx, .html (utf-8 and GBK) and .xlsx (when it has tables)."""
    out = tmp_path_factory.mktemp("formats")
    built: dict[str, Built] = {}
    for case in CASES:
        try:
            txt = case_source(case)
        except pytest.skip.Exception:
            continue
        doc = read(txt)
        b = Built(case, txt, doc)
        b.files["docx"] = write_docx(doc, out / f"{case}.docx")
        b.files["html"] = write_html(doc, out / f"{case}.html")
        b.files["html-gbk"] = write_html(doc, out / f"{case}.gbk.html", encoding="gbk")
        if doc.tables:
            b.files["xlsx"] = write_xlsx(doc, out / f"{case}.xlsx")
        built[case] = b
    return built


def _office(corpus: dict[str, Built], tmp_path_factory, source: str, target: str) -> None:
    if soffice() is None:
        pytest.skip("LibreOffice (soffice) 未安装")
    inputs = {b.files[source]: b for b in corpus.values() if source in b.files}
    result = convert(list(inputs), target, tmp_path_factory.mktemp(f"office-{target}"))
    for src, b in inputs.items():
        if result.get(src) is not None:
            b.files[target] = result[src]


@pytest.fixture(scope="session")
def office_files(corpus, tmp_path_factory) -> Iterator[dict[str, Built]]:
    """.pdf and .doc from every .docx, .xls from every .xlsx: three soffice runs; then the .doc
    files are read back inside one batch conversion (``office.converted``, a fourth run), as
    ``jixiao review`` does, instead of one LibreOffice start per read."""
    _office(corpus, tmp_path_factory, "docx", "pdf")
    _office(corpus, tmp_path_factory, "docx", "doc")
    _office(corpus, tmp_path_factory, "xlsx", "xls")
    try:
        from jixiao.readers.office import converted
    except ImportError:
        converted = None
    docs = [b.files["doc"] for b in corpus.values() if "doc" in b.files]
    if converted is None or not docs:
        yield corpus
        return
    with converted(docs):
        yield corpus


def built_file(request, case: str, fmt: str) -> tuple[Built, Path]:
    module, slow = FORMATS[fmt]
    pytest.importorskip(module, reason=f"{module} 尚未提供")
    corpus = request.getfixturevalue("office_files" if slow else "corpus")
    case_source(case)  # skips when the seed is absent
    b = corpus[case]
    if fmt not in b.files:
        if fmt in TABLES_ONLY and not b.doc.tables:
            pytest.skip(f"{case} 没有表格：工作簿无内容可承载")
        pytest.fail(f"{case}: LibreOffice 未能生成 {fmt}")
    return b, b.files[fmt]


# ---------------------------------------------------------------------------------------------
# the record, as values

# a location in a message: the text view's line, a PDF page, a worksheet cell (Source.where)
LOCATION = re.compile(r"第\d+(?:[–\-~～]\d+)?[行页]|工作表“[^”]*”(?:[A-Z]{1,3}\d+)?")


@dataclass
class Reviewed:
    doc: Document
    record: dict  # {"report": …, "scorecards": …, "findings": …}, normalised


def pipeline(doc: Document, masks: tuple[str, ...]) -> Reviewed:
    report = extract(doc)
    cards = score(report)
    findings = run_checks(report, cards, doc)
    raw = {"report": report.model_dump(mode="json"),
           "scorecards": [c.model_dump(mode="json") for c in cards],
           "findings": [f.model_dump(mode="json") for f in findings]}
    return Reviewed(doc, normalise(raw, masks))


# Mentions compared as multisets: their order follows the text view (one paragraph's figures come
# pattern by pattern, a PDF's wrapped lines one by one), which is not part of the record's meaning.
UNORDERED = ("figures", "claims")


def normalise(obj, masks: tuple[str, ...]):
    """Sources dropped; in strings: the file's path and locations (第N行, 第N页, 工作表“…”C7)
    masked, whitespace removed."""
    if isinstance(obj, dict):
        out = {k: normalise(v, masks) for k, v in obj.items() if k != "source"}
        for k in UNORDERED:
            if isinstance(out.get(k), list):
                out[k] = sorted(out[k], key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
        return out
    if isinstance(obj, list):
        return [normalise(v, masks) for v in obj]
    if isinstance(obj, str):
        for m in masks:
            obj = obj.replace(m, "<file>")
        return squash(LOCATION.sub("<loc>", obj))
    return obj


@functools.cache
def expected(txt: str, tables: bool = False) -> Reviewed:
    doc = read(txt)
    if tables:
        doc = tables_only(doc)
    return pipeline(doc, (txt,))


def got(path: Path) -> Reviewed:
    return pipeline(read(path), (str(path),))


def diff(a, b, where: str = "", out: list[str] | None = None, limit: int = 40) -> list[str]:
    """Differences between two normalised records as ``where: expected … got …`` lines."""
    out = [] if out is None else out
    if len(out) >= limit:
        return out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            diff(a.get(k, "<absent>"), b.get(k, "<absent>"), f"{where}.{k}" if where else k, out, limit)
    elif isinstance(a, list) and isinstance(b, list) and where.rsplit(".", 1)[-1] in UNORDERED:
        ka = [json.dumps(v, ensure_ascii=False, sort_keys=True) for v in a]
        kb = [json.dumps(v, ensure_ascii=False, sort_keys=True) for v in b]
        missing = [json.loads(k) for k in ka if k not in kb]
        extra = [json.loads(k) for k in kb if k not in ka]
        for v in missing:
            out.append(f"{where}: missing {_short(v, 300)}")
        for v in extra:
            out.append(f"{where}: extra {_short(v, 300)}")
        if not missing and not extra and len(a) != len(b):
            out.append(f"{where}: {len(a)} items expected, got {len(b)} (duplicates differ)")
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{where}: {len(a)} items expected, got {len(b)}: "
                       f"expected {_short(a)} got {_short(b)}")
            if where.endswith("findings"):
                return out
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{where}[{i}]", out, limit)
    elif a != b:
        out.append(f"{where}: expected {_short(a)} got {_short(b)}")
    return out


def _short(v, n: int = 160) -> str:
    if isinstance(v, list) and v and isinstance(v[0], dict) and "code" in v[0]:
        v = [f["code"] for f in v]
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= n else s[:n] + "…"


def finding_codes(rec: dict) -> list[str]:
    return [f["code"] for f in rec["findings"]]


# ---------------------------------------------------------------------------------------------
# the tests

# Known differences, each explained (and reported to the owner of the code at fault). strict: the
# test fails as soon as the difference is gone, so the mark is removed with the fix.
KNOWN_RECORD: dict[tuple[str, str], str] = {}


def params(known: dict[tuple[str, str], str] | None = None):
    """(fmt, case) pairs with id ``fmt-case``; LibreOffice formats marked slow."""
    for fmt, (_, slow) in FORMATS.items():
        for case in CASES:
            marks = [pytest.mark.slow, needs_soffice] if slow else []
            if known and (fmt, case) in known:
                marks.append(pytest.mark.xfail(strict=True, reason=known[(fmt, case)]))
            yield pytest.param(fmt, case, marks=marks, id=f"{fmt}-{case}")


@pytest.mark.parametrize(("fmt", "case"), list(params()))
def test_same_cells(request, fmt, case):
    """Read back, the file gives the text Document's tables cell for cell (same cells per row,
    same texts, vertical-merge continuations as empty ``covered`` cells where the builder put
    them) and its paragraphs (not for workbooks; for PDF as running text)."""
    b, path = built_file(request, case, fmt)
    doc = read(path)
    exp_tables = [[[squash(c.text) for c in row] for row in t.rows] for t in b.doc.tables]
    got_tables = [[[squash(c.text) for c in row] for row in t.rows] for t in doc.tables]
    problems: list[str] = []
    if len(exp_tables) != len(got_tables):
        problems.append(f"{len(exp_tables)} tables expected, got {len(got_tables)}")
    for ti, (et, gt) in enumerate(zip(exp_tables, got_tables)):
        if len(et) != len(gt):
            problems.append(f"table {ti}: {len(et)} rows expected, got {len(gt)}")
        for ri, (er, gr) in enumerate(zip(et, gt)):
            if er != gr:
                problems.append(f"table {ti} row {ri}: expected {er} got {gr}")
    cov_exp = expected_covered(b.doc)
    cov_got = [[[c.covered for c in row] for row in t.rows] for t in doc.tables]
    if not problems and cov_exp != cov_got:
        for ti, (et, gt) in enumerate(zip(cov_exp, cov_got)):
            for ri, (er, gr) in enumerate(zip(et, gt)):
                if er != gr:
                    problems.append(f"table {ti} row {ri}: covered expected {er} got {gr}")
    for t in doc.tables:  # covered placeholders are empty, and the cell above carries the rowspan
        for row in t.rows:
            for c in row:
                if c.covered and c.text:
                    problems.append(f"table {t.index} row {c.row} col {c.col}: covered cell has text {c.text!r}")
    if fmt not in TABLES_ONLY:
        exp_par = [squash(p.text) for p in b.doc.paragraphs]
        got_par = [squash(p.text) for p in doc.paragraphs]
        if fmt == "pdf":  # a PDF does not carry paragraph boundaries: compare the running text
            exp_par, got_par = ["".join(exp_par)], ["".join(got_par)]
        if exp_par != got_par:
            for i, (e, g) in enumerate(zip(exp_par, got_par)):
                if e != g:
                    k = next((j for j, (x, y) in enumerate(zip(e, g)) if x != y), min(len(e), len(g)))
                    problems.append(f"paragraph {i}: expected …{e[max(0, k - 20):k + 40]}… got …{g[max(0, k - 20):k + 40]}…")
                    break
            if len(exp_par) != len(got_par):
                problems.append(f"{len(exp_par)} paragraphs expected, got {len(got_par)}")
    # native positions kept beside the text view
    if fmt in TABLES_ONLY:
        problems += [f"table {t.index}: no sheet name" for t in doc.tables if not t.sheet]
    if fmt == "pdf":
        problems += [f"table {t.index}: no page" for t in doc.tables if not t.page]
    assert doc.lines, "no text view"
    assert not problems, f"{path.name} ({fmt}) vs {b.txt.name}:\n" + "\n".join(problems[:30])


@pytest.mark.parametrize(("fmt", "case"), list(params(KNOWN_RECORD)))
def test_same_record(request, fmt, case):
    """read → extract → score → check gives the .txt's record (as values; see module doc)."""
    b, path = built_file(request, case, fmt)
    exp = expected(str(b.txt), fmt in TABLES_ONLY)
    res = got(path)
    problems = diff(exp.record, res.record)
    assert not problems, (f"{path.name} ({fmt}) vs {b.txt.name}"
                          f"{' (tables only)' if fmt in TABLES_ONLY else ''}:\n" + "\n".join(problems))


def test_tables_only_drops_only_the_narrative(corpus):
    """The workbook expectation is meaningful: the planted example's table findings survive
    without its paragraphs, the narrative ones (正文 vs 自评表) do not."""
    b = corpus["planted"]
    full = finding_codes(expected(str(b.txt)).record)
    tables = finding_codes(expected(str(b.txt), True).record)
    assert {"JX103", "JX201", "JX203", "JX204", "JX105", "JX301", "JX101"} <= set(tables)
    assert "JX102" in full and "JX102" not in tables  # 基本支出: 正文 210.00 vs 自评表 200.00


# ---------------------------------------------------------------------------------------------
# a mixed folder through the CLI


@pytest.mark.slow
@needs_soffice
def test_mixed_folder_review(office_files, tmp_path):
    """``jixiao review DIR -o OUT`` over the planted example as .txt, .docx, .doc, .pdf, .html
    and .xlsx: every file read, per file the .txt's finding codes (the workbook: the tables-only
    ones), and nothing written into the input folder."""
    for mod in ("jixiao.readers.docx", "jixiao.readers.office", "jixiao.readers.pdf",
                "jixiao.readers.html", "jixiao.readers.xlsx"):
        pytest.importorskip(mod, reason=f"{mod} 尚未提供")
    from jixiao.cli import app

    b = office_files["planted"]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copyfile(b.txt, inbox / "planted.txt")
    for fmt in ("docx", "doc", "pdf", "html", "xlsx"):
        assert fmt in b.files, f"{fmt} was not built"
        shutil.copyfile(b.files[fmt], inbox / f"planted.{fmt}")
    before = {p.name: p.read_bytes() for p in inbox.iterdir()}
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["review", str(inbox), "-o", str(out)])
    records = [json.loads(line) for line in (out / "records.jsonl").read_text("utf-8").splitlines()]
    by = {Path(r["source"]).name: r for r in records}
    assert sorted(by) == sorted(before), "every file in the folder is reviewed once"
    errors = {n: r["error"] for n, r in by.items() if r["error"]}
    assert not errors, errors
    assert res.exit_code == 0, res.output
    full = finding_codes(expected(str(b.txt)).record)
    tables = finding_codes(expected(str(b.txt), True).record)
    codes = {n: [f["code"] for f in r["findings"]] for n, r in by.items()}
    want = {n: (tables if n.endswith(".xlsx") else full) for n in by}
    assert codes == want
    assert {p.name: p.read_bytes() for p in inbox.iterdir()} == before, "the input folder was modified"


def test_the_comparison_sees_a_changed_cell(corpus, tmp_path):
    """The normalisation masks locations and whitespace, not values: one actual changed in the
    .docx (15场 → 18场) shows up in the indicator, the scorecard and the findings."""
    pytest.importorskip("jixiao.readers.docx")
    b = corpus["planted"]
    doc = read(b.txt)
    cell = next(c for t in doc.tables for c in t.cells() if c.text == "15场")
    cell.text = "18场"
    path = write_docx(doc, tmp_path / "changed.docx")
    problems = diff(expected(str(b.txt)).record, got(path).record)
    assert any(p.startswith("report.indicators[0].actual") for p in problems), problems
    assert any(p.startswith("scorecards[0]") for p in problems), problems
    assert any(p.startswith("findings") for p in problems), problems
