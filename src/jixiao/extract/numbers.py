"""Numbers as the forms write them: amounts, percentages, targets and actuals.

All functions take raw cell or sentence text and return Decimal (万元, points, persons) or a
fraction for percentages, or None when the text holds no such number — never a guess.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from ..decimals import quantize
from ..model import Measure

FULLWIDTH = str.maketrans(
    "０１２３４５６７８９．，％＋－：（）≧≦＜＞＝",
    "0123456789.,%+-:()≥≤<>=",
)


def _traditional_to_simplified() -> dict[int, str]:
    """Traditional → simplified, one character for one (OpenCC's TSCharacters table, shipped
    with opencc-purepy): so that 項目名稱 matches 项目名称 while every position in the text stays
    where it was. Characters that are also simplified (GB2312) are left alone (著, 乾, 干 …)."""
    # the data file is found without importing the package (its converter pulls in
    # multiprocessing: ~10 ms at every start, for a table that is only read here)
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("opencc_purepy")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - dependency missing
        return {}
    try:
        text = (Path(list(spec.submodule_search_locations)[0]) / "dicts" / "TSCharacters.txt").read_text(encoding="utf-8")
    except FileNotFoundError:  # pragma: no cover - dependency missing
        return {}
    table: dict[int, str] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) != 2 or len(parts[0]) != 1:
            continue
        target = parts[1].split()[0]
        if len(target) != 1 or target == parts[0]:
            continue
        if parts[0].encode("gb2312", "ignore"):
            continue  # also a simplified character
        table[ord(parts[0])] = target
    return table


MATCH_TABLE = {**_traditional_to_simplified(), **FULLWIDTH}
EMPTY_MARKS = {"", "—", "——", "-", "--", "/", "／", "……", "...", "无"}
NUM = r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?"
_NUM_RE = re.compile(NUM)
YUAN = re.compile(r"\d元")  # an amount in 元
PERCENT = re.compile(r"(" + NUM + r")%")
STATED_RATE = re.compile(r"(\d+)(?:\.(\d+))?\s*(%?)")
_FULLWIDTH_PAIRS = tuple((chr(k), chr(v)) for k, v in FULLWIDTH.items())
_FULLWIDTH_RX = re.compile("[" + re.escape("".join(chr(k) for k in FULLWIDTH)) + "]")
_gb2312_fast: bool | None = None  # whether no key of MATCH_TABLE beyond FULLWIDTH is in GB2312


def match_chars(text: str) -> str:
    """``text.translate(MATCH_TABLE)``, one character for one.

    The traditional characters of the table are those outside GB2312 (see
    :func:`_traditional_to_simplified`), so a text that encodes as GB2312 holds none — one C
    call says so — and only the couple of dozen full-width marks are replaced, with
    ``str.replace`` instead of a dict lookup per character (about half the time on a line)."""
    global _gb2312_fast
    fast = _gb2312_fast
    if fast is None:  # checked once: the shortcut holds for the table as built
        fast = _gb2312_fast = not any(_in_gb2312(chr(k)) for k in MATCH_TABLE if k not in FULLWIDTH)
    if fast and _in_gb2312(text):
        if _FULLWIDTH_RX.search(text) is None:  # one C scan: nothing to replace (most labels)
            return text
        for a, b in _FULLWIDTH_PAIRS:  # no replacement is itself replaced: the same as translate
            if a in text:
                text = text.replace(a, b)
        return text
    return text.translate(MATCH_TABLE)


def _in_gb2312(text: str) -> bool:
    try:
        text.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def normalize(text: str | None) -> str:
    """Full-width digits/punctuation → ASCII, traditional characters → simplified (one for one),
    whitespace and ideographic spaces removed: the text that labels and patterns match."""
    got = _memo.get(text)
    if got is not None:
        return got
    if text is None:
        return ""
    out = _normalize_text(text)
    if len(text) <= MEMO_CHARS:
        if len(_memo) >= MEMO_ENTRIES:
            _memo.clear()
        _memo[text] = out
    return out


def _normalize_text(text: str) -> str:
    return "".join(match_chars(text).split()).replace("\u3000", "")


# memoised: the extractors and checks normalise the same cell and line texts many times over
# (~2000 calls, ~300 distinct texts per report); bounded in entries and in the length of the
# texts kept, so that memory stays flat over a batch (at most ~5 MB, typically about 1 MB).
# A plain dict emptied when full: a hit is one dict lookup (cheaper than an lru_cache call)
MEMO_CHARS = 256
MEMO_ENTRIES = 4096
_memo: dict[str, str] = {}


def normalize_map(text: str) -> tuple[str, list[int]]:
    """:func:`normalize` plus, for every kept character, its index in ``text`` — so a match in
    the normalised text can be quoted verbatim from the original."""
    t = match_chars(text)  # one character for one: positions in ``t`` are those in ``text``
    runs = t.split()  # the runs of non-whitespace (``str.split`` and ``str.isspace`` agree on whitespace)
    norm = "".join(runs)
    if len(norm) == len(t):
        return norm, list(range(len(t)))
    idx: list[int] = []
    pos = 0
    for run in runs:
        pos = t.find(run, pos)  # only whitespace lies between ``pos`` and the run's start
        idx.extend(range(pos, pos + len(run)))
        pos += len(run)
    return norm, idx


def to_decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "").replace("+", ""))
    except (InvalidOperation, ValueError):
        return None


def parse_amount(text: str | None) -> Decimal | None:
    """A cell holding one amount: ``298.71`` → Decimal('298.71'); ``0　`` → 0; ``——`` → None.

    Cells with text around a single number (``一般公共预算：24``) give that number; cells with
    more than one number give None (ambiguous).
    """
    if text is not None and len(text) > MEMO_CHARS:
        return _parse_amount(text)
    return _parse_amount_memo(text)  # the extractors ask for the same cells again and again


def _parse_amount(text: str | None) -> Decimal | None:
    t = normalize(text)
    if t in EMPTY_MARKS:
        return None
    nums = _NUM_RE.findall(t)
    if len(nums) != 1:
        return None
    scale = Decimal(1)
    if "亿元" in t:
        scale = Decimal(10000)
    elif "万元" not in t and YUAN.search(t):
        scale = Decimal("0.0001")
    value = to_decimal(nums[0])
    return None if value is None else value * scale


_parse_amount_memo = lru_cache(maxsize=4096)(_parse_amount)  # Decimals are immutable: safe to share


def parse_percent(text: str | None, bare_is_percent: bool = True) -> Decimal | None:
    """``66.46%`` → Decimal('0.6646'). A bare number (``100``) in a 执行率 column is read as a
    percentage when ``bare_is_percent`` (seed 004 writes 执行率 ``100``)."""
    t = normalize(text)
    if t in EMPTY_MARKS:
        return None
    m = PERCENT.fullmatch(t)
    if m:
        v = to_decimal(m.group(1))
        return None if v is None else v / 100
    if bare_is_percent:
        v = to_decimal(t) if _NUM_RE.fullmatch(t) else None
        if v is not None:
            return v / 100 if v > 1 else v
    return None


def parse_int(text: str | None) -> int | None:
    v = parse_amount(text)
    if v is None or v != v.to_integral_value():
        return None
    return int(v)


OP_PREFIX = [
    ("≥", ">="), (">=", ">="), ("不低于", ">="), ("不少于", ">="), ("至少", ">="), ("大于等于", ">="),
    ("≤", "<="), ("<=", "<="), ("不超过", "<="), ("不高于", "<="), ("控制在", "<="), ("小于等于", "<="),
    (">", ">"), ("大于", ">"), ("<", "<"), ("小于", "<"), ("=", "="), ("达到", "="),
]
OP_SUFFIX = [("及以上", ">="), ("以上", ">="), ("以内", "<="), ("以下", "<="), ("之内", "<=")]
DATE_FULL = re.compile(r"(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?")
MONTH_ONLY = re.compile(r"^(\d{1,2})月(?:底|末|份)?")
UNIT_RE = re.compile(r"^(" + NUM + r")([%a-zA-Z\u4e00-\u9fff/]*)$")
# A target written as a short phrase around one quantity (标注式指标值): ``社会零售总额增长10%以上``,
# ``实际到位外资5.12亿美元``. Only units from this list count, so that ``培训3次以上的企业`` or a
# sentence with a second clause stays prose.
LABEL_UNITS = (
    r"%|‰|个百分点|(?:千|万|亿|万亿)?(?:美元|元)"
    r"|(?:万|亿)?(?:人次|户次|批次|场次|个|家|次|项|期|场|批|人|名|户|所|座|条|件|份|篇|台|套|辆|天|小时|公里|千米|平方米|米|亩|吨)"
)
LABEL_MAX = 12  # characters of the label before the number
LABELLED_RE = re.compile(
    rf"^(?P<label>[^\d，,；;。！!？?]{{1,{LABEL_MAX}}}?)(?P<num>{NUM})(?P<unit>{LABEL_UNITS})"
    rf"(?P<suffix>{'|'.join(w for w, _ in OP_SUFFIX)})?。?$"
)


def labelled_measure(text: str) -> Measure | None:
    """``社会零售总额增长10%以上`` → Measure(op '>=', number 10, unit '%', qualitative = the text):
    a short label (≤ :data:`LABEL_MAX` characters, no digit, no clause punctuation), exactly one
    number, a unit from :data:`LABEL_UNITS`, then optionally 以上/以内/… . A comparator ending the
    label (``满意度不低于90%``) gives the op too. ``text`` is already normalised. The whole text is
    kept in ``qualitative`` so that what the target measures is not lost; the Measure still counts
    as quantitative (:attr:`Measure.is_quantitative` looks at ``number``/``date`` only). None when
    the text is not of this form (``新引进项目308个，其中100亿元以上项目2个`` has several numbers)."""
    if len(_NUM_RE.findall(text)) != 1:
        return None
    m = LABELLED_RE.match(text)
    if m is None:
        return None
    number = to_decimal(m.group("num"))
    if number is None:
        return None
    op = dict(OP_SUFFIX).get(m.group("suffix") or "")
    label = m.group("label")
    if op is None:
        op = next((o for w, o in OP_PREFIX if label.endswith(w)), None)
    return Measure(op=op, number=number, unit=m.group("unit"), qualitative=text)


def parse_measure(text: str | None) -> Measure | None:
    """Parse a target or actual: ``≥60次``, ``≦100%``, ``12月``, ``2024年12月31日前``,
    ``5000000``, ``社会零售总额增长10%以上`` (:func:`labelled_measure`), ``有效提升``. Returns
    None for empty text; a Measure with only ``qualitative`` set for text that holds no quantity.
    """
    t = normalize(text)
    if t in EMPTY_MARKS:
        return None
    op: str | None = None
    body = t
    for word, o in OP_PREFIX:
        if body.startswith(word):
            op, body = o, body[len(word):]
            break
    # deadlines: "...前" / "...底前" / "...之前" are upper bounds on a date
    m = DATE_FULL.search(body)
    if m and len(body) <= len(m.group(0)) + 3:
        y, mo, d = m.group(1), int(m.group(2)), m.group(3)
        date = f"{y}-{mo:02d}" + (f"-{int(d):02d}" if d else "")
        if body.endswith("前") or body.endswith("底前") or "之前" in body:
            op = op or "<="
        return Measure(op=op, date=date, unit="日期", number=None)
    m = MONTH_ONLY.match(body)
    if m and len(body) <= len(m.group(0)) + 2:
        if body.endswith("前"):
            op = op or "<="
        return Measure(op=op, number=Decimal(int(m.group(1))), unit="月", date=f"{int(m.group(1)):02d}")
    m = UNIT_RE.match(body)
    if m:
        number = to_decimal(m.group(1))
        rest = m.group(2)
        unit = rest
        for word, o in OP_SUFFIX:
            if rest.endswith(word):
                op = op or o
                unit = rest[: -len(word)]
                break
        # "10%以上" etc. handled; anything longer than a unit is prose with a number in it
        if number is not None and len(unit) <= 4:
            return Measure(op=op, number=number, unit=unit or None)
    if op is None:
        labelled = labelled_measure(t)
        if labelled is not None:
            return labelled
    return Measure(op=op, qualitative=t)


def rate_precision(raw: str | None) -> Decimal:
    """Half a unit of the last digit a stated rate was written with, as a fraction: ``98.67%`` →
    0.00005, ``99%`` → 0.005, ``0.9867`` → 0.00005 — so a rate is compared at the precision the
    report states it. Text without a number gives 0.00005 (two decimals of a percentage)."""
    m = STATED_RATE.search(normalize(raw))
    if m is None:
        return Decimal("0.00005")
    decimals = len(m.group(2) or "") + (2 if m.group(3) or Decimal(m.group(1)) > 1 or not m.group(2) else 0)
    return Decimal(5) / Decimal(10) ** (decimals + 1)


def rate_matches(executed: Decimal, budget: Decimal, rate) -> bool:
    """Whether ``rate`` (a Value holding a fraction, as stated) is ``executed / budget`` at the
    precision the report wrote it (``98.67%`` to 0.005%, ``100%`` to 0.5%)."""
    if not budget or rate.value is None:
        return False
    return abs(executed / budget - Decimal(rate.value)) <= rate_precision(rate.raw)


def percent_text(value: Decimal | None) -> str:
    """Fraction → ``66.46%`` (two decimals); None → ``无``."""
    if value is None:
        return "无"
    return f"{quantize(value * 100, Decimal('0.01'))}%"


def money_text(value: Decimal | None) -> str:
    if value is None:
        return "无"
    return f"{value.normalize():f}万元" if value == value.to_integral_value() else f"{value}万元"


class QuotedLine:
    """Mixin of a line of text that evidence may quote (the narrative's and the section finder's
    lines): its ``text``, ``where`` (its Source, or the Source's fields until ``source`` is first
    asked for — few lines are ever quoted) and ``_idx``. Adds no slot of its own."""

    __slots__ = ()

    @property
    def source(self):
        """Where the line was read (a :class:`~jixiao.model.Source`, built when first asked for)."""
        if isinstance(self.where, dict):
            from ..model import Source

            self.where = Source(**self.where)
        return self.where

    @property
    def idx(self) -> list[int]:
        """``normalize(text)`` position → ``text`` position (worked out when first asked for)."""
        if self._idx is None:
            self._idx = normalize_map(self.text)[1]
        return self._idx
