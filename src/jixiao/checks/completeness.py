"""JX5xx 报告完整性 and JX9xx 解析: required parts, and what could not be read."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import BaseModel

from ..extract.explain import unmatched_tables
from ..model import Source, Value
from ..rules.quality import analyse
from ..rules.report_sections import attached_by_title, listed_attachments
from .registry import ABSURD_CODE, Context, Hit, absurd_number, check


def _first_line(ctx: Context) -> Value:
    for n, line in enumerate(ctx.doc.lines, 1):
        if line.strip():
            return Value(value=line.strip(), raw=line.strip(), source=Source(file=ctx.doc.path, line=n))
    return Value(raw=ctx.doc.path, source=Source(file=ctx.doc.path))


@check("JX501", "no-score-table", "未附绩效自评表，没有可复核的自评得分", "warning", kinds=("department",), needs=("text",))
def no_score_table(ctx: Context) -> Iterator[Hit]:
    """检查什么
    报告是否附有绩效自评表（三级指标、分值、得分）或评分表；只有文字的报告无法复核得分。

    为什么重要
    没有自评表，就没有可以复核的分数和指标；按各地统一格式，自评表是必备附件。

    示例
    一份只有正文的“预算绩效自评报告”，全文没有表格和自评得分。

    依据
    各地自评报告统一格式要求附部门整体支出绩效自评表（RULES.md §4.5，[SEED]/[INF]）。
    """
    r = ctx.report
    if not r.indicators and not r.score_table:
        yield Hit("报告中没有绩效自评表或评分表，只能从正文抽取数据，无法复核得分。", [_first_line(ctx)],
                  expected="附绩效自评表", found="未附")


@check("JX502", "missing-sections", "缺少“存在问题”或“改进措施”部分", "warning", kinds=("department",), needs=("text",))
def missing_sections(ctx: Context) -> Iterator[Hit]:
    """检查什么
    报告正文是否有“存在的问题”和“改进措施/建议”两个部分。

    为什么重要
    这两部分在各地考核评分表中占 35 分（反映问题 20、建议 15），缺少即报告不完整。

    示例
    报告写完绩效情况后直接结束，没有问题与措施。

    依据
    岳阳市部门整体支出绩效自评工作考核评分表（附件5，RULES.md Q-05/Q-07/Q-08，[SEED]）。
    """
    a = analyse(ctx.report, ctx.doc)  # headings of the detected 统一参考格式 (rules/quality.py)
    found = {"存在问题": a.problems.found, "改进措施": a.measures.found}
    missing = [n for n, ok in found.items() if not ok and n not in ctx.report.sections]
    if missing and (ctx.report.sections or ctx.doc.paragraphs):
        yield Hit("正文未找到：" + "、".join(missing) + "。", [_first_line(ctx)], expected="存在问题、改进措施两部分俱全",
                  found="缺少" + "、".join(missing))


@check("JX503", "listed-attachment-missing", "正文所列附件未附", "warning", kinds=("department",), needs=("table", "text"))
def listed_attachment_missing(ctx: Context) -> Iterator[Hit]:
    """检查什么
    正文“附件：1. …表 2. …表”所列的每一张表，是否真的附在报告中（以表名为标题的表格或段落）。

    为什么重要
    列了附件却没有附，复核人员无从核对；按考核评分表每缺一个附件扣 2 分。

    示例
    附件清单列有“3.2024年度项目支出绩效自评表”，报告中没有这张表。

    依据
    附件齐全 7 分，每少一个部分扣 2 分（岳阳附件5，RULES.md Q-05，[SEED]）。
    """
    listed = listed_attachments(ctx.doc)
    skip = {p.index for _, p in listed}
    missing = [(name, para) for name, para in listed
               if "参考格式" not in name and attached_by_title(ctx.doc, re.escape(name), skip) is None]
    for name, para in missing:
        yield Hit(f"附件清单列有“{name}”，报告中未见该表。",
                  [Value(value=name, raw=para.text.strip(), source=Source(file=ctx.doc.path, block=para.index, line=para.line))],
                  expected=f"附“{name}”", found="未附")


@check("JX902", "no-tables", "报告中没有识别到表格", "info")
def no_tables(ctx: Context) -> Iterator[Hit]:
    """检查什么
    读入的文档是否没有任何表格（全部为段落）。

    为什么重要
    表格是数字所在的地方；没有表格时所有数据都来自正文的模式匹配，可靠性较低，需人工核对。

    示例
    由 Word 正文导出的文字稿，表格被转成了图片或未导出。

    依据
    [INF] 解析质量提示。
    """
    if not ctx.doc.tables:
        yield Hit("文档中没有表格，所有数据均从正文文字中抽取。", [_first_line(ctx)], expected="含表格", found="无表格")


@check("JX903", "key-field-missing", "未能识别单位名称或年度", "warning")
def key_field_missing(ctx: Context) -> Iterator[Hit]:
    """检查什么
    是否识别出预算部门（单位）名称和评价年度。

    为什么重要
    没有单位和年度，复核结果无法归档、无法与上年比较。

    示例
    报告标题只写“部门整体支出绩效自评报告”，正文和表格均未写单位全称。

    依据
    [INF] 解析质量提示。
    """
    r = ctx.report
    missing = [n for n, v in (("单位名称", r.unit_name), ("年度", r.year)) if not v.present]
    if missing:
        yield Hit("未能识别：" + "、".join(missing) + "。", [_first_line(ctx)], expected="单位名称、年度", found="缺少" + "、".join(missing))


@check("JX904", "table-incomplete", "报告不完整（可能被截断）", "warning")
def table_incomplete(ctx: Context) -> Iterator[Hit]:
    """检查什么
    自评表有三级指标却没有“总分”（合计）行（并列出已读到和未见的一级指标）；有“年度资金总额”行
    却没有指标表；正文在一句话中间结束，或部门整体报告的正文只到第一、二部分就结束。

    为什么重要
    报告被截断（跨页丢失、只报送了一部分）时，分值合计、得分之和、复核总分、缺少的部分和附件都
    无从判断。这里说一次缺了什么；依赖缺失部分的检查（JX105、JX106、JX207、JX209、JX213、JX5xx）
    不再另报，复核总分不计算，已有的评分项照常复核。

    示例
    自评表只到“时效指标”几行就结束，没有效益、满意度指标和总分：“自评表没有“总分”（合计）行，
    表格可能被截断；已读到的一级指标：产出指标，未见：效益指标、满意度指标。”

    依据
    [INF] 解析质量提示。
    """
    gaps = ctx.report.gaps
    if gaps:
        yield Hit("；".join(g.message.rstrip("。") for g in gaps) + "。", [g.evidence for g in gaps],
                  expected="完整的报告", found="；".join("表格不完整" if g.part == "table" else "正文不完整" for g in gaps))


@check("JX905", "layout-unknown", "未识别的报告版式", "warning")
def layout_unknown(ctx: Context) -> Iterator[Hit]:
    """检查什么
    文档中有表格，表头像自评表（写有“指标”和得分、分值、完成情况等），却不符合任何已知的指标表
    签名（layouts.toml）；或者文档有表格，而没有一张被识别为已知版式（自评表、评分表、基础数据表、
    资金表）。列出未能对应的表头。

    为什么重要
    版式不识别时指标、得分都读不出来，复核结论不能采信，也不能当作“没有问题”；需要为该版式补充
    一条签名（docs/layouts.md）。

    示例
    重庆的清单式自评表，表头为“指标名称 | 指标解释 | 记录 | 未完成原因及改进措施 | 需提供的支撑材料”。

    依据
    [INF] 解析质量提示。
    """
    r = ctx.report
    unmatched = unmatched_tables(ctx.doc)
    if unmatched:
        t = unmatched[0]
        yield Hit(f"块{t.block}（第{t.line}行起）的表格像绩效自评表，表头“{' | '.join(t.header_row)}”不符合任何已知指标表"
                  f"签名，其中的指标和得分未读取。", [_table_evidence(ctx, t.block)], expected="已知版式",
                  found=" | ".join(t.header_row))
    elif (r.layout == "unknown" and not r.basic_data.public_funds.actual.present
          and not r.three_public.total.actual.present and not r.funds.executed.present and not r.breakdowns):
        table = ctx.doc.tables[0] if ctx.doc.tables else None
        head = next((row for row in (table.rows if table else []) if len([c for c in row if c.clean]) >= 2), [])
        yield Hit(f"文档有 {len(ctx.doc.tables)} 个表格，但都不是已知的自评表版式"
                  + (f"（第一张表的表头：{' | '.join(c.clean for c in head if c.clean)}）" if head else "") + "。",
                  [_first_line(ctx)], expected="已知版式", found="未识别")


def _table_evidence(ctx: Context, block: int) -> Value:
    table = next(t for t in ctx.doc.tables if t.index == block)
    return Value(raw=ctx.doc.lines[table.line - 1].strip() if table.line else "",
                 source=Source(file=ctx.doc.path, block=block, line=table.line, page=table.page, sheet=table.sheet))


def _note_evidence(ctx: Context, note) -> list[Value]:
    where = f"第{note.page}页" if note.page else ctx.doc.path
    return [Value(value=note.confidence if note.confidence is not None else where, raw=note.message,
                  source=Source(file=ctx.doc.path, page=note.page, line=note.line))]


def _note_hits(ctx: Context, codes: tuple[str, ...], expected: str, found: str) -> Iterator[Hit]:
    """One hit per reader note whose code is in ``codes``: the note's message, the note as evidence."""
    for note in ctx.doc.notes:
        if note.code in codes:
            yield Hit(note.message, _note_evidence(ctx, note), expected=expected, found=found)


UNREAD = ("no_text_layer", "garbled_page", "ocr_unavailable", "sheet_truncated", "html_truncated",
          "undecodable_bytes", "charset_fallback", "cell_as_text", "bad_index", "content_truncated")


@check("JX906", "content-unread", "有内容未能读入（无文字层、乱码或超出读取上限）", "warning")
def content_unread(ctx: Context) -> Iterator[Hit]:
    """检查什么
    PDF 中是否有页面的文字层为空（扫描件）或是乱码（字体未嵌入映射，提取出 ``(cid:123)`` 之类），
    且没有经 OCR 识别；Excel 工作表、Word 文档或网页是否超出读取上限（段落、单元格、字符、工作表、
    嵌套层数）而被截断；文本中是否有无法解码的字节；Excel 中是否有按文字读入的数值单元格（“1,234”
    去掉分隔符按数字读入，“inf”按文字）、无效的行号或共享字符串下标（按位置读入、读作空单元格）。

    为什么重要
    这些页面上的数字没有被读入：自评表恰在扫描页上时，得分和指标都无法复核，
    审阅结论只覆盖了其余页面。

    示例
    一份 PDF 前 5 页由 Word 导出，第 6 页的自评表是盖章后扫描插入的图片。

    依据
    [INF] 解析质量提示；安装 OCR 组件（pip install 'jixiao[ocr]'）后这些页面会被识别。
    """
    return _note_hits(ctx, UNREAD, expected="全部内容可读取", found="部分未读入")


@check("JX910", "ocr-page", "页面内容由 OCR 识别，数字需对照原件", "info")
def ocr_page(ctx: Context) -> Iterator[Hit]:
    """检查什么
    文件中是否有页面没有可用的文字层（扫描件，或文字层是乱码），其内容是由 OCR 识别出来的；
    图片文件（.png、.jpg）的全部内容都是如此。

    为什么重要
    OCR 识别的数字即使置信度不低（低的另见 JX907）也可能与原件不同；据这些页面得出的合计、
    执行率和得分结论，需对照原件核实后才能下结论。

    示例
    一份 PDF 的第 6 页是盖章后扫描插入的自评表图片，安装 OCR 组件后由 OCR 识别读入。

    依据
    [INF] 解析质量提示。
    """
    return _note_hits(ctx, ("ocr_page",), expected="文字层", found="OCR 识别")


@check("JX911", "hidden-sheet", "工作簿含隐藏工作表（已一并读取）", "info")
def hidden_sheet(ctx: Context) -> Iterator[Hit]:
    """检查什么
    Excel 工作簿中是否有隐藏的工作表，且其中有内容。隐藏工作表照常读取、参与复核。

    为什么重要
    在 Excel 中打开时看不到隐藏工作表，而它的表格（往往是旧版本或草稿）可能与可见的自评表
    不一致；复核结论引用到它时，审阅人应知道数字来自隐藏工作表，并与单位核实以哪张为准。

    示例
    一个自评工作簿除“自评表”外还有隐藏工作表“Sheet2（旧）”，存着上一轮修改前的得分。

    依据
    [INF] 解析质量提示。
    """
    return _note_hits(ctx, ("hidden_sheet",), expected="工作表均可见", found="含隐藏工作表")


@check("JX907", "ocr-low-confidence", "OCR 识别置信度低，数字需人工核对", "warning")
def ocr_low_confidence(ctx: Context) -> Iterator[Hit]:
    """检查什么
    扫描页经 OCR 识别的文字中，是否有置信度低于 0.8 的单元格或段落。

    为什么重要
    OCR 会把“8”认成“3”、“0.”认成“6”；置信度低处的数字可能与原件不同，
    据此得出的问题需对照原件核实后才能下结论。

    示例
    扫描件第 2 页“全年执行数”单元格识别为“2S8.71”，置信度 0.62。

    依据
    [INF] 解析质量提示。
    """
    for note in ctx.doc.notes:
        if note.code == "ocr_low_confidence":
            yield Hit(note.message, _note_evidence(ctx, note), expected="置信度≥0.8",
                      found=f"置信度{note.confidence:.2f}" if note.confidence is not None else "置信度低")


def _values(root: object) -> Iterator[Value]:
    """Every Value in a Report (fields, lists, dicts), depth first, in field order; a Value whose
    ``value`` is itself a model, list or dict is walked into too."""
    stack = [root]
    pop, push = stack.pop, stack.extend
    while stack:
        node = pop()
        if isinstance(node, Value):
            yield node
            if not isinstance(node.value, (BaseModel, list, dict)):
                continue  # its source (Source) and parsed (Measure) hold no Value
            children = [node.value]
        elif isinstance(node, BaseModel):
            children = [c for c in node.__dict__.values() if isinstance(c, (BaseModel, list, dict))]
        elif isinstance(node, list):
            children = node
        elif isinstance(node, dict):
            children = list(node.values())
        else:
            continue
        push(reversed(children))



@check(ABSURD_CODE, "number-out-of-range", "数值超出合理范围（疑似录入或转换错误）", "warning")
def number_out_of_range(ctx: Context) -> Iterator[Hit]:
    """检查什么
    读入的金额、得分、比率或指标值中，是否有绝对值不小于 10^15（万元、分或比率）的数，
    例如三十位数字的“全年预算数”、几千位数字的“总分”。

    为什么重要
    这样的数不可能是真实的填报值，多半是单元格粘连、导出或录入错误。由它算出的合计、执行率、
    得分等差异没有意义：以它为证据的其他检查结果不再报告，由这一条提示一次，需对照原件核实。
    它照常写入各项输出（records.jsonl 中写成字符串，Excel 中写成文本，图中不画），不会使复核中断。

    示例
    自评表“总分”一栏为 400 位的 999…9；“全年预算数”为 1234567890123456789012345678901.5。

    依据
    [INF] 解析质量提示。
    """
    seen: set[tuple[str | None, int | None]] = set()
    for v in _values(ctx.report):
        x = absurd_number(v)
        if x is None:
            continue
        key = (v.raw, v.source.line if v.source else None)
        if key in seen:
            continue
        seen.add(key)
        raw = v.raw if v.raw is not None else str(x)
        shown = raw if len(raw) <= 40 else f"{raw[:20]}…（共 {len(raw)} 个字符）"
        yield Hit(f"数值“{shown}”超出合理范围（绝对值不小于 10^15），不可能是真实的金额、得分或比率；"
                  "以它为依据的其他检查结果不再列出，需对照原件核实。", [v], expected="合理的数值", found=shown)


@check("JX909", "table-capped", "表格超出读取上限（行数或每行单元格数）", "warning")
def table_capped(ctx: Context) -> Iterator[Hit]:
    """检查什么
    读入的表格是否超过每张表 10000 行或每行 1000 个单元格的读取上限（readers/limits.py）；
    超出的行或单元格没有读入，这里说明是哪张表、从第几行起未读取、有几行的单元格只读取了前 1000 个。

    为什么重要
    真实的自评表不过几十行、二十几列；上万行或一行上千格的表格多半是导出错误、单元格粘连或
    恶意构造的文件。照单全收会让复核耗时成倍增加；截去部分后，依赖被截去行列的合计、得分
    核对只覆盖了读入的部分，需对照原件。

    示例
    一份文本报告的项目表有一行 100000 个单元格（导出时分隔符错乱）：只读取该行前 1000 个单元格。

    依据
    [INF] 解析质量提示（issue 14：每个文件在有限的时间和内存内读完）。
    """
    return _note_hits(ctx, ("table_capped",), expected="表格在读取上限之内", found="部分行或单元格未读入")
