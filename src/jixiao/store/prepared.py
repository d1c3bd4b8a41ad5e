"""What the store keeps of one reviewed file, as plain data: :func:`prepare` turns a
:class:`~jixiao.review.ReviewedFile` into a :class:`PreparedFile` of strings, ints, Decimals,
None and lists of dataclasses — picklable, no database, no pydantic or Document — so it can be
computed in a worker process (``jixiao review --jobs``, a Dask worker) and stored by the one
writer in the main process (:class:`~jixiao.store.ingest.StoreWriter`).

Also the pure keys the store groups by: :func:`fingerprint` (the same finding across versions),
:func:`report_keys` (the versions of one report) and :func:`region_of` (地区 from a unit name).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

from ..model import Record
from ..review import ReviewedFile
from .views import document_view

__all__ = [
    "PreparedFile",
    "PreparedFinding",
    "PreparedIndicator",
    "PreparedReport",
    "fingerprint",
    "prepare",
    "region_of",
    "renamed",
    "report_keys",
]

_NUMBER = re.compile(r"\d+(?:[.,，]\d+)*%?")
_SPACE = re.compile(r"\s+")
_REGION = re.compile(r"([\u4e00-\u9fa5]{2,4}?(?:自治州|自治县|地区|市|县|区|州|旗))")
_REGION_PREFIXES = ("中国国际贸易促进委员会", "中国共产党", "中共", "湖南省", "中国")
# 湖南省的市州, for names that give the city without 市 (中国国际贸易促进委员会娄底支会)
_HUNAN_PREFECTURES = {name: name + "市" for name in (
    "长沙", "株洲", "湘潭", "衡阳", "邵阳", "岳阳", "常德", "张家界", "益阳", "郴州", "永州", "怀化", "娄底")}
_HUNAN_PREFECTURES["湘西"] = "湘西土家族苗族自治州"
KEY_LENGTH = 600  # unit_key / series_key column width (characters)


def fingerprint(code: str, message: str) -> str:
    """What identifies "the same finding" across versions of a report: the check code and its
    message with every number and line number masked (a corrected figure is the same problem,
    a different indicator or row is not). 64 hex digits."""
    text = _NUMBER.sub("#", _SPACE.sub("", message))
    return hashlib.sha256(f"{code}|{text}".encode()).hexdigest()


def region_of(unit: str | None) -> str | None:
    """地区 from a unit name: the first 市/县/区/州 in it after a national prefix
    (岳麓区商务局 → 岳麓区, 中国国际贸易促进委员会岳阳市君山区委员会 → 君山区: the most
    specific of a leading chain); a 湖南 市州 named without 市 at the start (…娄底支会 → 娄底市);
    None when absent.
    A heuristic [INF]; an upload may name the region instead."""
    if not unit:
        return None
    name = _SPACE.sub("", unit)
    for prefix in _REGION_PREFIXES:
        name = name.removeprefix(prefix)
    region = None
    while m := _REGION.match(name):  # 岳阳市君山区… → the most specific: 君山区
        region, name = m.group(1), name[m.end():]
    if region is None and (m := _REGION.search(name)):
        region = m.group(1)
    if region is None:
        region = next((full for short, full in _HUNAN_PREFECTURES.items() if name.startswith(short)), None)
    return region


def report_keys(record: Record) -> tuple[str, str] | None:
    """(unit_key, series_key): kind|单位|年度|项目 groups the versions of one report,
    kind|单位|项目 the same report across years (whitespace removed, at most 600 characters).
    None for a document without 单位 or 年度: it is its own series (``file:<sha256>#<part>``,
    see :func:`jixiao.store.ingest.unit_key`)."""
    rep = record.report
    unit = rep.unit_name.value if rep else None
    year = rep.year.value if rep else None
    if rep is None or not unit or year is None:
        return None
    project = rep.project_name.value if rep.kind == "project" else ""
    kind, unit, year, project = (_SPACE.sub("", str(x or "")) for x in (rep.kind, unit, year, project))
    return f"{kind}|{unit}|{year}|{project}"[:KEY_LENGTH], f"{kind}|{unit}|{project}"[:KEY_LENGTH]


def renamed(text: str, path: str, name: str) -> str:
    """``text`` showing the upload's ``name`` instead of the reviewed ``path`` (in sources and
    error messages; also where the path appears JSON-escaped)."""
    if path == name:
        return text
    return text.replace(json.dumps(path)[1:-1], json.dumps(name, ensure_ascii=False)[1:-1])


@dataclass
class PreparedIndicator:
    """One 三级指标 row (columns of ``indicators``); numbers as Decimal, points for weight/self_score."""

    position: int
    level1: str | None
    level2: str | None
    name: str | None
    target_raw: str | None
    target_op: str | None
    target_number: Decimal | None
    target_unit: str | None
    actual_raw: str | None
    actual_number: Decimal | None
    weight: Decimal | None
    self_score: Decimal | None


@dataclass
class PreparedFinding:
    """One finding (columns of ``findings``): ``position`` is its index in Record.findings,
    ``fingerprint`` :func:`fingerprint` of the code and the message as reviewed."""

    position: int
    code: str
    severity: str
    title: str
    message: str
    fingerprint: str


@dataclass
class PreparedReport:
    """One document of the file (columns of ``reports``). ``keys`` is :func:`report_keys` (None:
    its own series, keyed by the content hash when stored); ``region`` the one derived from the
    unit name (an upload's region overrides it). Scores in points, ``execution_rate`` a fraction."""

    part: int
    kind: str
    unit_name: str | None
    project_name: str | None
    year: int | None
    region: str | None
    keys: tuple[str, str] | None
    ruleset: str | None
    self_total: Decimal | None
    total: Decimal | None
    self_grade: str | None
    grade: str | None
    score_drop: Decimal | None
    execution_rate: Decimal | None
    errors: int
    warnings: int
    infos: int
    record_json: str  # Record.model_dump_json(), sources renamed to the file's name
    indicators: list[PreparedIndicator] = field(default_factory=list)
    findings: list[PreparedFinding] = field(default_factory=list)


@dataclass
class PreparedFile:
    """Everything the store keeps of one reviewed file. ``reports[0]`` is the main document, the
    rest the project tables attached to it (stored with the main report as parent). ``error`` is
    the reason the file could not be reviewed (renamed to ``name``), None when it was;
    ``lines_json``/``tables_json`` the text view and tables (:func:`~jixiao.store.views.document_view`),
    None when nothing was read."""

    name: str
    format: str | None
    error: str | None
    lines_json: str | None
    tables_json: str | None
    reports: list[PreparedReport] = field(default_factory=list)


def _dec(x) -> Decimal | None:
    if x is None or isinstance(x, bool):
        return None
    try:
        return Decimal(str(x))
    except Exception:
        return None


def _text(v) -> str | None:
    x = v.value if v.value is not None else v.raw
    return None if x is None else str(x)


def _indicators(record: Record) -> list[PreparedIndicator]:
    out = []
    for i, ind in enumerate(record.report.indicators if record.report else []):
        t = ind.target.parsed
        a = ind.actual.parsed
        out.append(PreparedIndicator(
            position=i, level1=_text(ind.level1), level2=_text(ind.level2), name=_text(ind.name),
            target_raw=ind.target.raw, target_op=t.op if t else None, target_number=t.number if t else None,
            target_unit=t.unit if t else None, actual_raw=ind.actual.raw,
            actual_number=a.number if a else None, weight=_dec(ind.weight.value),
            self_score=_dec(ind.self_score.value)))
    return out


def _report(rf: ReviewedFile, rec: Record, parents: dict, name: str) -> PreparedReport:
    from ..report.portfolio import unit_row

    path = str(rec.source)
    row = unit_row(rf, rec, parents)
    rep = rec.report
    year = rep.year.value if rep else None
    return PreparedReport(
        part=rec.part, kind=rep.kind if rep else "department", unit_name=row.unit, project_name=row.project,
        year=year if isinstance(year, int) else None,
        region=region_of(row.unit if not row.parent_unit else row.parent_unit), keys=report_keys(rec),
        ruleset=rec.ruleset, self_total=row.self_total, total=row.total, self_grade=row.self_grade,
        grade=row.grade, score_drop=row.drop, execution_rate=row.rate, errors=row.errors,
        warnings=row.warnings, infos=row.infos, record_json=renamed(rec.model_dump_json(), path, name),
        indicators=_indicators(rec),
        findings=[PreparedFinding(position=i, code=f.code, severity=f.severity, title=f.title,
                                  message=renamed(f.message, path, name), fingerprint=fingerprint(f.code, f.message))
                  for i, f in enumerate(rec.findings or [])],
    )


def prepare(rf: ReviewedFile, name: str | None = None) -> PreparedFile:
    """What the store keeps of ``rf`` (a file's main document with its ``parts``), shown as
    ``name`` (default: the reviewed path, ``rf.record.source``). Pure: reads neither the file nor
    the database, so it runs in a worker process.

    Raises ValueError for a file that was reviewed without its Document (``rf.ok`` but
    ``rf.document`` is None): the tables of the view need ``review_file(..., keep_document=True)``.
    """
    from ..report.summary import parent_units

    path = str(rf.record.source)
    name = path if name is None else name
    if rf.ok and rf.document is None:
        raise ValueError(f"{path}: prepare() needs review_file(..., keep_document=True)")
    error = renamed(rf.record.error, path, name) if rf.record.error else None
    lines_json = tables_json = None
    if rf.document is not None or rf.lines:
        lines_json, tables_json = document_view(rf.lines, rf.document)
    parents = parent_units([rf])
    return PreparedFile(name=name, format=rf.record.format, error=error, lines_json=lines_json,
                        tables_json=tables_json,
                        reports=[_report(doc, doc.record, parents, name) for doc in rf.documents()])
