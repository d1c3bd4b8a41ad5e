"""The typed records every stage reads and writes (DESIGN.md §4, the output contract).

Readers produce a :class:`jixiao.readers.document.Document`; extraction turns it into a
:class:`Report`; scoring gives :class:`Scorecard` objects; checks give :class:`Finding` objects;
renderers only read these models.

Units: money in 万元 as :class:`~decimal.Decimal`; ratios as fractions (0.6646 = 66.46%);
scores in points as Decimal. Every extracted field is a :class:`Value` carrying the raw text and
its :class:`Source`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializationInfo,
    field_serializer,
    model_serializer,
)

from .decimals import is_absurd


def json_number(value: Any) -> Any:
    """Decimal → int or float for JSON output (two-decimal amounts round-trip exactly); a number
    no report can hold (:func:`jixiao.decimals.is_absurd`: ≥ 10^15, not finite — JX908 names it)
    → its text, which reads back as the same Decimal (an int of 5,000 digits would not, nor a
    float of 400)."""
    if isinstance(value, Decimal):
        if is_absurd(value):
            return str(value)
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class Source(BaseModel):
    """Where a value was read: file, block index, table row and column, 1-based line of the
    document's text view, and the native position where the format has one: PDF ``page``
    (1-based) and ``bbox`` (x0, top, x1, bottom in points), spreadsheet ``sheet`` and A1 ``ref``."""

    model_config = ConfigDict(frozen=True)

    file: str | None = None
    block: int | None = None
    row: int | None = None
    col: int | None = None
    line: int | None = None
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    sheet: str | None = None
    ref: str | None = None
    # where in the report, in its own words: 表名·行标签·列标题 of a cell (基础数据表·三公经费·决算数)
    # or the section heading of a line of text; set on a finding's evidence (extract.places)
    place: str | None = None

    @model_serializer(mode="wrap")
    def _compact(self, handler, info: SerializationInfo) -> dict[str, Any]:
        """Serialised with ``context={"record_source": path}`` (records.jsonl): null fields left
        out, and ``file`` too when it is ``path`` (a source with no file keeps ``"file": null``)."""
        data = handler(self)
        ctx = info.context
        if not ctx or "record_source" not in ctx:
            return data
        out = {k: v for k, v in data.items() if v is not None or k == "file"}
        if out.get("file") == ctx["record_source"]:
            del out["file"]
        return out

    def where(self) -> str:
        """The shortest location a reader of the original can find, with the place in the report
        where known: ``基础数据表·三公经费·决算数（第248行）``, ``第3页``, ``工作表“自评表”C7`` or
        ``第248行`` (of the text view)."""
        if self.sheet is not None:
            loc = f"工作表“{self.sheet}”{self.ref or ''}"
        elif self.page is not None:
            loc = f"第{self.page}页"
        else:
            loc = f"第{self.line}行" if self.line is not None else ""
        if self.place:
            return f"{self.place}（{loc}）" if loc else self.place
        return loc

    def label(self, line: bool = True) -> str:
        """Where the value stands, as a person finds it: the place in the report's own words
        (``基础数据表·三公经费·决算数``, see extract.places; else ``表格第4行第5列``), the page or
        sheet cell where the format has one, and ``原文第52行`` (of the text view) when ``line`` or
        when nothing else is known. Never the internal block index; "" when nothing is known."""
        parts = []
        if self.place:
            parts.append(self.place)
        elif self.row is not None and self.col is not None:
            parts.append(f"表格第{self.row + 1}行第{self.col + 1}列")
        if self.sheet is not None:
            parts.append(f"工作表“{self.sheet}”{self.ref or ''}")
        elif self.page is not None:
            parts.append(f"第{self.page}页")
        if self.line is not None and (line or not parts):
            parts.append(f"原文第{self.line}行")
        return " ".join(parts)


class Value(BaseModel):
    """One extracted datum: ``value`` (null when absent), the ``raw`` text and its ``source``."""

    value: Any = None
    raw: str | None = None
    source: Source | None = None

    @field_serializer("value")
    def _ser_value(self, v: Any) -> Any:
        return json_number(v)

    @property
    def present(self) -> bool:
        return self.value is not None

    @property
    def number(self) -> Decimal | None:
        return self.value if isinstance(self.value, Decimal) else None


Op = Literal[">=", "<=", "=", ">", "<"]


class Measure(BaseModel):
    """A parsed target or actual: ``≥60次`` → op ``>=``, number 60, unit ``次``.

    ``qualitative`` holds the text of a non-numeric value (``有效提升``); ``date`` holds an ISO
    date or ``YYYY-MM`` / ``MM`` for deadline values (``2024年12月31日前``, ``12月``). A quantity
    read out of a short phrase (``社会零售总额增长10%以上`` → ``>=`` 10 ``%``) keeps the phrase in
    ``qualitative`` beside ``number``: whether a Measure is quantitative is decided by
    :attr:`is_quantitative` alone, never by ``qualitative`` being set.
    """

    op: Op | None = None
    number: Decimal | None = None
    unit: str | None = None
    qualitative: str | None = None
    date: str | None = None

    @field_serializer("number")
    def _ser_number(self, v: Any) -> Any:
        return json_number(v)

    @property
    def is_quantitative(self) -> bool:
        return self.number is not None or self.date is not None


class MeasureValue(Value):
    """A Value whose text was parsed into a :class:`Measure`."""

    parsed: Measure | None = None


class Staffing(BaseModel):
    authorized: Value = Field(default_factory=Value)  # 编制数 (persons)
    actual: Value = Field(default_factory=Value)  # 实有人数 / 实际在职人数 (persons)
    control_rate: Value = Field(default_factory=Value)  # 控制率 (fraction, as stated)


class FundSource(BaseModel):
    """One 资金 row by source (当年财政拨款 / 上年结转资金 / 其他资金 / 一般公共预算 …)."""

    name: Value = Field(default_factory=Value)
    initial_budget: Value = Field(default_factory=Value)  # 年初预算数 (万元)
    full_year_budget: Value = Field(default_factory=Value)  # 全年预算数 (万元)
    executed: Value = Field(default_factory=Value)  # 全年执行数 (万元)
    weight: Value = Field(default_factory=Value)  # 分值 (points; usually only on 年度资金总额)
    execution_rate: Value = Field(default_factory=Value)  # 执行率 (fraction, as stated)
    self_score: Value = Field(default_factory=Value)  # 得分 (points)


class Funds(BaseModel):
    """年度资金总额 row of the self-evaluation table (万元; execution_rate as a fraction)."""

    initial_budget: Value = Field(default_factory=Value)  # 年初预算数
    full_year_budget: Value = Field(default_factory=Value)  # 全年预算数
    executed: Value = Field(default_factory=Value)  # 全年执行数
    execution_rate: Value = Field(default_factory=Value)  # 预算执行率 (stated)
    weight: Value = Field(default_factory=Value)  # 分值 of the 预算执行率 row
    self_score: Value = Field(default_factory=Value)  # 得分 of the 预算执行率 row
    by_source: list[FundSource] = Field(default_factory=list)  # 按收入性质 / 资金来源
    by_nature: dict[str, Value] = Field(default_factory=dict)  # 按支出性质: 基本支出, 项目支出


class BreakdownPart(BaseModel):
    name: Value = Field(default_factory=Value)  # 中央补助 / 市级资金 …
    amount: Value = Field(default_factory=Value)  # 万元


class Breakdown(BaseModel):
    """A total and the parts the report states under it (资金构成: 年度预算资金总额 1084.25,
    其中：中央补助 668.00, 市级资金 343.00 …), for the sum checks."""

    name: str  # what is broken down: the heading above the total (计划生育家庭特别扶助制度补助资金)
    total: Value = Field(default_factory=Value)  # 万元
    parts: list[BreakdownPart] = Field(default_factory=list)


class Gap(BaseModel):
    """What an incomplete document lacks — a self-evaluation table cut before its 总分 row, a text
    that stops mid-sentence — found at extraction (:mod:`jixiao.extract.gaps`). Checks that need
    the missing part stay quiet (``check(..., needs=...)``); JX904 says it once."""

    part: Literal["table", "text"]  # the table (scores, weights) or the text (sections, attachments)
    message: str  # 中文: what is missing, and what cannot be checked because of it
    evidence: Value = Field(default_factory=Value)  # where the document stops


class Income(BaseModel):
    """收入 (万元)."""

    total: Value = Field(default_factory=Value)  # 收入合计
    prior_carryover: Value = Field(default_factory=Value)  # 上年结转
    fiscal: Value = Field(default_factory=Value)  # 公共财政拨款 / 财政拨款
    fund: Value = Field(default_factory=Value)  # 政府性基金拨款
    special_account: Value = Field(default_factory=Value)  # 纳入专户管理的非税收入拨款
    other: Value = Field(default_factory=Value)  # 其他收入


class Spending(BaseModel):
    """支出 (万元)."""

    total: Value = Field(default_factory=Value)  # 支出合计
    basic: Value = Field(default_factory=Value)  # 基本支出
    personnel: Value = Field(default_factory=Value)  # 人员支出
    public: Value = Field(default_factory=Value)  # 公用支出
    project: Value = Field(default_factory=Value)  # 项目支出 / 专项支出
    balance: Value = Field(default_factory=Value)  # 结余 (当年结余)
    accumulated_balance: Value = Field(default_factory=Value)  # 累计结余


class Control(BaseModel):
    """One controlled expense line of the 基础数据表 (万元): 上年决算 / 本年预算 / 本年决算."""

    prior_actual: Value = Field(default_factory=Value)
    budget: Value = Field(default_factory=Value)
    actual: Value = Field(default_factory=Value)


class ThreePublic(BaseModel):
    """三公经费 and its categories (万元)."""

    total: Control = Field(default_factory=Control)  # 三公经费合计
    vehicle: Control = Field(default_factory=Control)  # 公务用车购置和维护经费
    vehicle_purchase: Control = Field(default_factory=Control)  # 公车购置
    vehicle_operation: Control = Field(default_factory=Control)  # 公车运行维护
    overseas: Control = Field(default_factory=Control)  # 因公出国(境)
    reception: Control = Field(default_factory=Control)  # 公务接待


class BasicData(BaseModel):
    """Other lines of the 部门整体支出绩效评价基础数据表 (万元)."""

    project_spending: Control = Field(default_factory=Control)  # 项目支出
    public_funds: Control = Field(default_factory=Control)  # 公用经费
    procurement: Control = Field(default_factory=Control)  # 政府采购金额
    basic_adjustment: Control = Field(default_factory=Control)  # 部门基本支出预算调整


class FixedAssets(BaseModel):
    total: Value = Field(default_factory=Value)  # 固定资产合计 (万元)
    in_use: Value = Field(default_factory=Value)  # 在用固定资产
    leased: Value = Field(default_factory=Value)  # 出租固定资产


class Indicator(BaseModel):
    """One 三级指标 row: targets and actuals parsed, weight and score in points."""

    level1: Value = Field(default_factory=Value)  # 一级指标
    level2: Value = Field(default_factory=Value)  # 二级指标
    name: Value = Field(default_factory=Value)  # 三级指标
    target: MeasureValue = Field(default_factory=MeasureValue)  # 年度指标值
    actual: MeasureValue = Field(default_factory=MeasureValue)  # 实际完成值
    weight: Value = Field(default_factory=Value)  # 分值
    self_score: Value = Field(default_factory=Value)  # 得分
    deviation: Value = Field(default_factory=Value)  # 偏差原因分析及改进措施

    @property
    def not_applicable(self) -> bool:
        """A "/" row (指标不适用): excluded and re-based (按百分制折算)."""
        texts = [self.name.raw, self.target.raw, self.weight.raw]
        return all((t or "").strip() in {"/", "／", "—", "-", ""} for t in texts) and any(
            (t or "").strip() in {"/", "／"} for t in texts
        )


class ScoreItem(BaseModel):
    """One row of a printed scoring table (附件4-1 评分表): 分值 and 自评得分 in points."""

    level1: Value = Field(default_factory=Value)
    level2: Value = Field(default_factory=Value)
    name: Value = Field(default_factory=Value)  # 三级指标
    criterion: Value = Field(default_factory=Value)  # 评分标准
    weight: Value = Field(default_factory=Value)  # 分值
    self_score: Value = Field(default_factory=Value)  # 自评得分
    note: Value = Field(default_factory=Value)  # 扣分原因和其他说明


class SelfAssessment(BaseModel):
    total: Value = Field(default_factory=Value)  # 自评得分 / 总分得分 (points)
    total_weight: Value = Field(default_factory=Value)  # 总分 column 分值 (normally 100)
    grade: Value = Field(default_factory=Value)  # 评价等次 as written
    external_rating: Value = Field(default_factory=Value)  # 市绩效办等外部考核结果


class Figure(BaseModel):
    """One mention of a quantity. ``key`` names the quantity (``spending.basic``), ``where``
    names the part of the report (正文 / 自评表 / 基础数据表 / 收支表). Two mentions of one key that
    differ are a finding, never silently reconciled."""

    key: str
    label: str
    where: str
    value: Value


class Claim(BaseModel):
    """A narrative assertion that numbers can contradict (``均已完成``, ``严格控制三公经费``)."""

    kind: str
    value: Value


class Report(BaseModel):
    """The structured record of one self-evaluation report (DESIGN.md §4)."""

    kind: Literal["department", "project"] = "department"
    layout: str = "unknown"  # yueyang_ref / selfeval_table / narrative
    unit_name: Value = Field(default_factory=Value)  # 预算部门（单位）名称
    project_name: Value = Field(default_factory=Value)  # 项目名称
    managing_department: Value = Field(default_factory=Value)  # 主管部门 (project tables)
    implementing_unit: Value = Field(default_factory=Value)  # 实施单位 (project tables)
    year: Value = Field(default_factory=Value)  # 年度
    staffing: Staffing = Field(default_factory=Staffing)
    funds: Funds = Field(default_factory=Funds)
    income: Income = Field(default_factory=Income)
    spending: Spending = Field(default_factory=Spending)
    three_public: ThreePublic = Field(default_factory=ThreePublic)
    basic_data: BasicData = Field(default_factory=BasicData)
    fixed_assets: FixedAssets = Field(default_factory=FixedAssets)
    budget_adjustment: Value = Field(default_factory=Value)  # 年中调整 (万元)
    project_initial_budget: Value = Field(default_factory=Value)  # 年初预算安排专项资金 (万元)
    breakdowns: list[Breakdown] = Field(default_factory=list)  # 资金构成 (totals with their parts)
    gaps: list[Gap] = Field(default_factory=list)  # what an incomplete document lacks
    indicators: list[Indicator] = Field(default_factory=list)
    score_table: list[ScoreItem] = Field(default_factory=list)  # 附件4-1 评分表
    qualitative_goals: list[Value] = Field(default_factory=list)  # 定性目标 / 年度总体目标
    goal_expected: Value = Field(default_factory=Value)  # 年度总体目标：预期目标 (project tables)
    goal_actual: Value = Field(default_factory=Value)  # 年度总体目标：实际完成情况 (project tables)
    conclusion: Value = Field(default_factory=Value)  # 自评结论 / 评价结论 as written
    self_assessment: SelfAssessment = Field(default_factory=SelfAssessment)
    sections: dict[str, Value] = Field(default_factory=dict)  # 报告正文各部分 headings
    figures: list[Figure] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)

    def figures_for(self, key: str) -> list[Figure]:
        return [f for f in self.figures if f.key == key]


class ScoredItem(BaseModel):
    """One recomputed item: the formula, its inputs (Values with sources) and the result."""

    indicator: str | None = None  # 三级指标 name, for indicator rows
    rule: str | None = None  # RULES.md ID, e.g. N-03, Y-04
    tag: str | None = None  # provenance tag of the rule: OFF-R, OFF-2, OFF-M, SEED, IMPL, INF
    source: str | None = None  # the rule's source (document number / table), from the rule set
    weight: Decimal | None = None
    self_score: Decimal | None = None
    score: Decimal | None = None  # None = 无法计算
    formula: str = ""
    inputs: dict[str, Value] = Field(default_factory=dict)
    status: Literal["计算", "不适用", "无法计算"] = "计算"
    reason: str | None = None

    @field_serializer("weight", "self_score", "score")
    def _ser_dec(self, v: Any) -> Any:
        return json_number(v)


class Scorecard(BaseModel):
    """The score recomputed under one rule set (total in points, grade 优/良/中/差)."""

    ruleset: str
    items: list[ScoredItem] = Field(default_factory=list)
    total: Decimal | None = None
    grade: str | None = None
    self_total: Decimal | None = None
    self_grade: str | None = None
    unverified_points: Decimal = Decimal(0)  # 无法计算 items whose self-score was carried over
    note: str | None = None

    @field_serializer("total", "self_total", "unverified_points")
    def _ser_dec(self, v: Any) -> Any:
        return json_number(v)


Severity = Literal["error", "warning", "info"]


class Finding(BaseModel):
    """A reviewer-facing problem: stable ``code``, Chinese ``title`` and ``message``, the
    ``evidence`` Values with their sources, what was ``expected`` vs ``found``, and the
    ``score_impact`` in points (negative = the self-score is too high) where it has one."""

    code: str
    severity: Severity
    title: str
    message: str
    evidence: list[Value] = Field(default_factory=list)
    expected: str | None = None
    found: str | None = None
    score_impact: Decimal | None = None

    @field_serializer("score_impact")
    def _ser_dec(self, v: Any) -> Any:
        return json_number(v)


class Deduction(BaseModel):
    """One deduction of the report-quality score: points taken off, why, and where."""

    points: Decimal
    reason: str
    evidence: list[Value] = Field(default_factory=list)

    @field_serializer("points")
    def _ser_dec(self, v: Any) -> Any:
        return json_number(v)


class QualityItem(BaseModel):
    """One item of the 绩效自评工作考核评分表 (附件5, RULES.md §4.4): Q-01 … Q-08.

    ``judged`` is False for the items that need outside facts (自评通知, 工作小组, 报送时间):
    those have ``score`` None and a ``note`` saying what a reviewer must check."""

    id: str
    name: str  # 完整性
    weight: Decimal  # 分值
    score: Decimal | None = None
    judged: bool = True
    tag: str = "SEED"  # provenance of the criterion; heuristics are INF
    deductions: list[Deduction] = Field(default_factory=list)
    note: str | None = None

    @field_serializer("weight", "score")
    def _ser_dec(self, v: Any) -> Any:
        return json_number(v)


class QualityScore(BaseModel):
    """The report-quality score (附件5): the items judged from the document and those not judged."""

    basis: str  # which 统一参考格式 / section list was applied
    items: list[QualityItem] = Field(default_factory=list)
    score: Decimal | None = None  # sum over judged items
    judged_weight: Decimal = Decimal(0)  # sum of the judged items' 分值

    @field_serializer("score", "judged_weight")
    def _ser_dec(self, v: Any) -> Any:
        return json_number(v)


class Record(BaseModel):
    """One line of ``records.jsonl``: a reviewed document, or a file's error.

    A file holding a department report with attached 项目支出绩效自评表 gives several records:
    ``part`` 0 is the file's main document, parts 1… are the project tables, whose ``parent``
    is the main record's ``id`` (``"<source>#0"``)."""

    source: str
    id: str | None = None  # "<source>#<part>"
    part: int = 0
    parent: str | None = None  # id of the department record a project table is attached to
    format: str | None = None  # what the reader found in the file: text, docx, doc, pdf, xlsx, xls, html, image
    ruleset: str | None = None  # the rule set applied (national_2020, yueyang_ref_2015, hunan_dept_2017, narrative)
    ruleset_origin: str | None = None  # 检测 (from the document) / 指定 (--ruleset) / 配置 (jixiao.toml)
    quality: QualityScore | None = None  # 附件5 report-quality score (department reports)
    report: Report | None = None
    scorecards: list[Scorecard] | None = None
    findings: list[Finding] | None = None
    error: str | None = None
