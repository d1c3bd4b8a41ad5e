"""Figures, claims and sections taken from the report's prose (正文).

Works on every layout: paragraphs, and the lines of long table cells (seed 000 keeps its whole
综述 inside one cell). Each mention becomes a :class:`Figure` with its line; whether an amount is
a budget (预算) or an actual (决算 / 实际) is decided by the nearest keyword before it in the same
sentence, else by the section heading above it. Patterns are deliberately narrow: a figure we are
not sure of is left out, never guessed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from ..model import Claim, Figure, Report, Source, Value
from ..readers.document import Document, Paragraph
from .layouts import AMT, layouts
from .numbers import QuotedLine, normalize, rate_matches, to_decimal

HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|第[一二三四五六七八九十]+[章部分])")
INITIAL_WORDS = re.compile(r"年初(?:预算)?")
ADJUST_WORDS = re.compile(r"追加|调增|调减|追减|年中调整")
BUDGET_WORDS = re.compile(r"预算(?!执行)|安排|调整后")
ACTUAL_WORDS = re.compile(r"决算|实际|执行数|全年支出|整体支出|支出合计|支出总计|累计支出")
# figure key prefix for each kind of amount; adjustments are not compared with anything
KIND_PREFIX = {"budget_initial": "budget_initial.", "budget": "budget.", "actual": "spending."}
KIND_LABEL = {"budget_initial": "（年初预算）", "budget": "（预算）", "actual": ""}

# The amount, staff and rate patterns are data: layouts.toml [[narrative.amounts]] (key prefix
# "spending." split into budget./actual by context), [[narrative.staff]], [[narrative.rates]].


@dataclass(slots=True)
class Line(QuotedLine):
    text: str  # as written
    where: Source | dict  # the Source, or its fields until ``source`` is first asked for
    heading: str  # the section heading governing this line ("" if none)
    norm: str = ""  # normalize(text): what the patterns run on
    _idx: list[int] | None = None

    def original(self, start: int, end: int) -> str:
        """The source text behind ``norm[start:end]``, verbatim (full-width punctuation kept)."""
        if end <= start or not self.idx:
            return ""
        return self.text[self.idx[start]: self.idx[end - 1] + 1]


def text_lines(doc: Document) -> list[Line]:
    """Every prose line with its source: paragraphs, and lines of long table cells."""
    out: list[Line] = []
    heading = ""
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            items = [(block.text, {"file": doc.path, "block": block.index, "line": block.line, "page": block.page})]
        else:
            items = []
            for cell in block.cells():
                if len(cell.clean) < 40 and ("\n" not in cell.text or "\n" not in cell.text.strip()):
                    continue
                for k, part in enumerate(cell.text.split("\n")):
                    if part.strip():
                        items.append((part.strip(), {"file": doc.path, "block": block.index, "row": cell.row,
                                                     "col": cell.col, "line": cell.line + k, "page": cell.page,
                                                     "sheet": block.sheet, "ref": cell.ref}))
        for text, src in items:
            t = normalize(text)
            if HEADING.match(t) and len(t) <= 40 and "万元" not in t:
                heading = t
            out.append(Line(text, src, heading, t))
    return out


def _kind(prefix: str, heading: str) -> str:
    """'budget_initial' (年初), 'adjustment' (追加/调减), 'budget' (全年/调整后预算) or 'actual', from
    the nearest keyword before the figure in its sentence, else from the section heading."""
    best = None  # (end of the keyword, specificity, kind): "年初预算" beats the "预算" inside it
    for rank, (rx, kind) in enumerate(((ACTUAL_WORDS, "actual"), (BUDGET_WORDS, "budget"),
                                       (ADJUST_WORDS, "adjustment"), (INITIAL_WORDS, "budget_initial"))):
        for m in rx.finditer(prefix):
            cand = (m.end(), rank, kind)
            if best is None or cand[:2] > best[:2]:
                best = cand
    if best is not None:
        return best[2]
    if "决算" in heading:
        return "actual"
    if "预算" in heading and "执行" not in heading:
        return "budget"
    return "actual"


def _sentence_prefix(text: str, pos: int) -> str:
    start = max(text.rfind(ch, 0, pos) for ch in "。；;")
    return text[start + 1:pos]


def extract_narrative(doc: Document, report: Report, lines: list[Line] | None = None) -> None:
    """Figures, claims, unit, year and sections of the prose of ``doc`` (``lines``: its
    :func:`text_lines`, when the caller has them already)."""
    lines = text_lines(doc) if lines is None else lines
    for ln in lines:
        t = ln.norm
        _amounts(ln, t, report)
        _three_public(ln, t, report)
        _staff(ln, t, report)
        _scores(ln, t, report)
        _claims(ln, t, report)
    _unit_and_year(doc, lines, report)
    _sections(lines, report)


def _v(ln: Line, where: "re.Match[str] | tuple[int, int] | str", value) -> Value:
    """A Value from a match (or span) in ``ln.norm``, quoting the original text as ``raw``."""
    if isinstance(where, str):
        return Value(value=value, raw=where, source=ln.source)
    start, end = where.span() if isinstance(where, re.Match) else where
    return Value(value=value, raw=ln.original(start, end), source=ln.source)


def _amounts(ln: Line, t: str, report: Report) -> None:
    lay = layouts()
    if _holds(t, lay.narrative_needs["amounts"]):  # else no amount pattern can match the line
        seen: set[int] = set()
        for p in lay.narrative["amounts"]:
            key, zh = p.key, p.label
            for m in p.finditer(t):
                if m.start(1) in seen:
                    continue
                seen.add(m.start(1))
                kind = _kind(_sentence_prefix(t, m.start(1)), ln.heading)
                if kind == "adjustment":
                    continue
                if key.startswith("spending."):
                    key2, zh2 = key.replace("spending.", KIND_PREFIX[kind]), zh + KIND_LABEL[kind]
                elif key == "income.total" and kind != "actual":
                    key2, zh2 = "budget.income_total", "收入合计（预算）"
                else:
                    key2, zh2 = key, zh
                report.figures.append(Figure(key=key2, label=zh2, where="正文",
                                             value=_v(ln, m, to_decimal(m.group(1)))))
    if "万元" in t:  # every pattern there ends in an amount in 万元
        _basic_project_amounts(ln, t, report)
    if _holds(t, lay.narrative_needs["rates"]):
        for p in lay.narrative["rates"]:
            for m in p.finditer(t):
                report.figures.append(Figure(key=p.key, label=p.label, where="正文",
                                             value=_v(ln, m, to_decimal(m.group(1)) / 100)))


def _holds_any(text: str, words: tuple[str, ...]) -> bool:
    """Whether ``text`` holds one of ``words`` at least."""
    for w in words:
        if w in text:
            return True
    return False


def _holds(text: str, words: tuple[str, ...]) -> bool:
    """Whether ``text`` holds every one of ``words``."""
    for w in words:
        if w not in text:
            return False
    return True


BASIC_PROJECT = re.compile(r"(基本|项目)支出(?:(全年|年初|调整后)?预算(?:数)?(?:为)?" + AMT
                           + r")?[，,]?(?:全年)?(?:实际支出|决算数?|执行数)(?:为)?" + AMT)
MIDYEAR = re.compile(r"年中调整(?:预算)?" + AMT)
SPECIAL_BUDGET = re.compile(r"预算安排专项资金" + AMT)


def _basic_project_amounts(ln: Line, t: str, report: Report) -> None:
    # "基本支出全年预算228.00万元，实际支出210.00万元"
    for m in BASIC_PROJECT.finditer(t):
        part = "basic" if m.group(1) == "基本" else "project"
        zh = m.group(1) + "支出"
        if m.group(3):
            k = "budget_initial" if m.group(2) == "年初" else "budget"
            report.figures.append(Figure(key=KIND_PREFIX[k] + part, label=zh + KIND_LABEL[k], where="正文",
                                         value=_v(ln, m, to_decimal(m.group(3)))))
        report.figures.append(Figure(key=f"spending.{part}", label=zh, where="正文",
                                     value=_v(ln, m, to_decimal(m.group(4)))))
    m = MIDYEAR.search(t)
    if m:
        report.budget_adjustment = _v(ln, m, to_decimal(m.group(1)))
    m = SPECIAL_BUDGET.search(t)
    if m:
        report.project_initial_budget = _v(ln, m, to_decimal(m.group(1)))


_TP = r"[\"“”']?三公[\"“”']?经费[\"“”']?"


THREE_PUBLIC = [(key, zh, re.compile(pat)) for key, zh, pat in (
    ("three_public.total.budget", "三公经费年初预算", r"(?:年初(?:公共)?预算[^。；]{0,12}?(?:" + _TP + r")[^。；\d]{0,6}?|(?:" + _TP + r")年初预算)" + AMT),
    ("three_public.total.adjusted_budget", "三公经费调整预算", r"(?:" + _TP + r")调整预算[^。；\d]{0,12}" + AMT),
    ("three_public.total.actual", "三公经费决算", r"(?:" + _TP + r")[^。；]{0,30}?(?:决算支出|实际支出)[^。；\d]{0,12}?" + AMT),
    ("three_public.total.actual", "三公经费支出", r"(?:" + _TP + r")支出合计" + AMT),
)]
CONTROL_RATE = re.compile(r"为年初预算的(\d+(?:\.\d+)?)%")


def _three_public(ln: Line, t: str, report: Report) -> None:
    if "三公" not in t:
        return
    for key, zh, rx in THREE_PUBLIC:
        m = rx.search(t)
        if m:
            report.figures.append(Figure(key=key, label=zh, where="正文",
                                         value=_v(ln, m, to_decimal(m.group(1)))))
    m = CONTROL_RATE.search(t)
    if m:
        report.figures.append(Figure(key="three_public.total.control_rate", label="三公经费控制率",
                                     where="正文", value=_v(ln, m, to_decimal(m.group(1)) / 100)))


def _staff(ln: Line, t: str, report: Report) -> None:
    for p in layouts().narrative["staff"]:
        m = p.search(t)
        if m:
            report.figures.append(Figure(key=p.key, label=p.label, where="正文", value=_v(ln, m, int(m.group(1)))))


SELF_SCORE = re.compile(r"自评(?:得分)?得?(\d+(?:\.\d+)?)分")
GRADE = re.compile(r"(?:绩效为|等次为|评价为|等级为)[“\"]?(优秀|良好|合格|优|良|中|差)[”\"]?")
EXTERNAL_RATING = re.compile(r"绩效办[^。]{0,40}?(?:考核)?结果为[“\"]?(优秀|良好|合格|一般|优|良|中|差)")


def _scores(ln: Line, t: str, report: Report) -> None:
    m = SELF_SCORE.search(t) if "自评" in t else None
    if m:
        v = _v(ln, m, to_decimal(m.group(1)))
        report.figures.append(Figure(key="self.total", label="自评得分", where="正文", value=v))
        if not report.self_assessment.total.present:
            report.self_assessment.total = v
    m = GRADE.search(t) if "为" in t else None
    if m and not report.self_assessment.grade.present:
        report.self_assessment.grade = _v(ln, m, m.group(1))
    m = EXTERNAL_RATING.search(t) if "绩效办" in t else None
    if m:
        report.self_assessment.external_rating = _v(ln, m, m.group(1))


# (kind, pattern, words one of which every match contains: a line without any is passed over)
CLAIMS = [
    ("all_done", re.compile(r"(?:目标|任务|指标)[^。；，]{0,10}(?:均已完成|全面完成|全部完成|均已达成|圆满完成)"
                            r"|(?:均已完成|全面完成|全部完成|均较好地完成|圆满完成)[^。；，]{0,8}(?:目标|任务|指标)"),
     ("完成", "达成")),
    ("three_public_controlled", re.compile(r"严格控制[^。；]{0,6}三公[”\"]?经?费?[”\"]?(?:开支|支出)?|三公[^。；]{0,8}(?:从严控制|严格控制)"),
     ("三公",)),
    ("budget_followed", re.compile(r"严格按预算执行|严格执行预算|支出严格按预算"), ("严格",)),
    ("estimate", re.compile(r"预计(?:完成|满意度|达到|全年|可|能)"), ("预计",)),
]


def _claims(ln: Line, t: str, report: Report) -> None:
    for kind, rx, words in CLAIMS:
        m = rx.search(t) if _holds_any(t, words) else None
        if m:
            s = max(0, m.start() - 20)
            report.claims.append(Claim(kind=kind, value=_v(ln, (s, min(len(t), m.end() + 20)), m.group(0))))




@cache
def _unit_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A title naming the unit before the year (``XX局2024年度…``), and a line opening with the
    unit (``XX局为全额拨款…``): unit names end in layouts.toml ``[document] unit_suffixes``."""
    suffix = layouts().unit_suffix_rx
    return (re.compile(r"^(?:20\d\d年度)?(.{2,30}?" + suffix + r")(?:20\d\d年度|整体支出|部门整体)"),
            re.compile(r"^([\u4e00-\u9fff]{2,20}?" + suffix + r")为(?:财政)?(?:全额拨款|正|副|参公|行政|事业)"))


UNIT_ALIAS = re.compile(r"([^，。,；、“”]{4,40}?)[（(]以下简称")
TITLE_YEAR = re.compile(r"(20\d\d)年度")
REPORT_YEAR = re.compile(r"(20\d\d)年度.{0,30}(绩效|自评|评价|报告|决算)")
ANY_YEAR = re.compile(r"(20\d\d)年")


def _unit_and_year(doc: Document, lines: list[Line], report: Report) -> None:
    unit_title, unit_opening = _unit_patterns()
    head = lines[:12]
    if not report.unit_name.present:
        for ln in head:
            t = ln.norm
            m = unit_title.match(t)
            if m and not m.group(1).startswith(("部门", "单位")):
                report.unit_name = _v(ln, m, m.group(1))
                break
    if not report.unit_name.present:
        for ln in lines:
            t = ln.norm
            m = UNIT_ALIAS.search(t) if "以下简称" in t else None
            if m is None and "为" in t:
                m = unit_opening.match(t)
            if m:
                report.unit_name = _v(ln, m, m.group(1))
                break
    if not report.year.present:
        for ln in lines[:40]:
            # a title line, not a project named after an earlier year in a long sentence
            # ("…主要包括2018年度便民生鲜农产品供应体系建设资金…")
            m = TITLE_YEAR.search(ln.norm)
            if m and (len(ln.norm) <= 60 or REPORT_YEAR.search(ln.norm)):
                report.year = _v(ln, m, int(m.group(1)))
                return


def year_fallback(doc: Document, report: Report, lines: list[Line] | None = None) -> None:
    """The year most often written in the text, when no title, cover or table line gave one."""
    if report.year.present:
        return
    lines = text_lines(doc) if lines is None else lines
    counts = Counter(ANY_YEAR.findall("".join(ln.norm for ln in lines)))
    for year, _ in counts.most_common():  # a year written across a line break ("于2022" / "年完成") has no line
        ln = next((ln for ln in lines if f"{year}年" in ln.norm), None)
        if ln is not None:
            report.year = _v(ln, re.search(f"{year}年", ln.norm), int(year))
            return


SECTION_NAMES = {
    "概况": r"概况|基本情况",
    "支出情况": r"支出情况|收支情况|财务情况|支出管理",
    "绩效情况": r"绩效情况|绩效自评情况|支出绩效",
    "存在问题": r"存在的?(?:主要)?问题",
    "改进措施": r"改进措施|改进建议|有关建议|下一步",
    "结果应用": r"结果.{0,4}应用|公开情况",
}
_SECTION_RX = {name: re.compile(pat) for name, pat in SECTION_NAMES.items()}
_ANY_SECTION = re.compile("|".join(f"(?:{pat})" for pat in SECTION_NAMES.values()))


def _sections(lines: list[Line], report: Report) -> None:
    for ln in lines:
        t = ln.norm
        if len(t) > 40 or "万元" in t or t.endswith(("表", "报告")):
            continue
        if not (HEADING.match(t) or len(t) <= 16) or not _ANY_SECTION.search(t):
            continue  # not a heading, or one naming none of the sections
        for name, rx in _SECTION_RX.items():
            if name not in report.sections and rx.search(t):
                report.sections[name] = _v(ln, ln.text.strip(), t)



def project_funds(doc: Document, report: Report, lines: list[Line] | None = None) -> None:
    """The funds of a project report's text (layouts.toml ``[[narrative.funds]]`` and
    ``[[narrative.project_rates]]``): 年初预算数, 全年预算数, 全年执行数 and 执行率 where the text
    names them, filling only what the tables left empty. A quantity the text gives two different
    values for (sub-items' 实际支出, several sources' 预算) is ambiguous and left out. A budget not
    labelled 年初 or 全年 (``经费预算数30075万元``) is taken as the 全年预算数 only when it is the
    base of the stated execution rate (执行数 / 预算数 = 执行率). The figures (not the rate, which
    :func:`extract_narrative` records) go into ``report.figures`` for JX102."""
    lay = layouts()
    mentions: dict[str, list[tuple[str, Value]]] = {}
    for ln in text_lines(doc) if lines is None else lines:
        for group in ("funds", "project_rates"):
            if not _holds(ln.norm, lay.narrative_needs[group]):
                continue  # no pattern of the group can match the line
            for p in lay.narrative[group]:
                for m in p.finditer(ln.norm):
                    number = to_decimal(m.group(1))
                    if number is not None:
                        value = number / 100 if p.key.endswith("rate") else number
                        mentions.setdefault(p.key, []).append((p.label, _v(ln, m, value)))
    first: dict[str, Value] = {}
    for key, found in mentions.items():
        if len({v.value for _, v in found}) != 1:
            continue  # two different amounts for one quantity: not ours to choose
        first[key] = found[0][1]
        if not key.endswith("rate") and key != "funds.budget":
            report.figures.extend(Figure(key=key, label=label, where="正文", value=v) for label, v in found)
    f = report.funds
    for key in ("initial_budget", "full_year_budget", "executed", "execution_rate"):
        v = first.get(f"funds.{key}")
        if v is not None and not getattr(f, key).present:
            setattr(f, key, v)
    budget = first.get("funds.budget")
    if (budget is not None and not f.full_year_budget.present and f.executed.number is not None
            and f.execution_rate.present and rate_matches(f.executed.number, budget.value, f.execution_rate)):
        f.full_year_budget = budget
