"""The ``jixiao`` command: extract, review, rules, show, serve, user; the unit's template and author."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from .checks import REGISTRY
from .review import collect

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="复核预算绩效自评报告：抽取数据、按规则重新评分、找出自相矛盾之处。")
console = Console()
if not console.is_terminal:  # piped or in CI: rich would assume 80 columns and wrap every cell
    console.width = 160
err = Console(stderr=True)


def _error(label: str, detail: object = "") -> None:
    """An error on stderr: ``label`` in red, then ``detail`` as plain text (never read as rich
    markup, so a reason with brackets prints as it is and no "[red]" ever shows)."""
    err.print(Text.assemble((label, "red"), " " if detail != "" else "", str(detail)), highlight=False, soft_wrap=True)


@app.command()
def extract(file: Path = typer.Argument(..., help="一份报告（.txt）"),
            as_json: bool = typer.Option(False, "--json", help="输出 DESIGN.md §4 的 Report JSON")) -> None:
    """抽取一份报告的结构化记录。"""
    from .extract import extract as do_extract
    from .readers import ReadError, read

    try:
        report = do_extract(read(file))
    except ReadError as exc:
        _error("无法读取", exc)
        raise typer.Exit(1)
    if as_json:
        typer.echo(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    t = Table(title=f"{file.name}（版式：{report.layout}）", show_header=False)
    rows = [
        ("单位", report.unit_name.value), ("年度", report.year.value),
        ("编制数 / 实有人数", f"{report.staffing.authorized.value} / {report.staffing.actual.value}"),
        ("年初 / 全年预算数 / 全年执行数（万元）",
         f"{report.funds.initial_budget.value} / {report.funds.full_year_budget.value} / {report.funds.executed.value}"),
        ("支出合计 / 基本 / 项目（万元）", f"{report.spending.total.value} / {report.spending.basic.value} / {report.spending.project.value}"),
        ("三公经费 预算 / 决算（万元）", f"{report.three_public.total.budget.value} / {report.three_public.total.actual.value}"),
        ("三级指标数", len(report.indicators)), ("评分表项目数", len(report.score_table)),
        ("自评得分 / 等次", f"{report.self_assessment.total.value} / {report.self_assessment.grade.value}"),
    ]
    for k, v in rows:
        t.add_row(k, str(v))
    console.print(t)


def _settings(paths: list[Path], config: Optional[Path], ruleset: Optional[str]):
    """Settings from ``--config`` or the nearest jixiao.toml / [tool.jixiao] above the first path,
    with ``--ruleset`` on top. Exits 2 with the file and line on a bad config."""
    from .config import ConfigError, Settings, find_config, load_config
    from .rules import RULESETS

    if ruleset is not None and ruleset not in RULESETS:
        _error("未知的规则集", f"{ruleset}；可用：{'、'.join(RULESETS)}")
        raise typer.Exit(2)
    found = config or (find_config(paths[0]) if paths else None)
    try:
        settings = load_config(found) if found else Settings()
    except ConfigError as exc:
        _error("配置错误", exc)
        raise typer.Exit(2)
    if found:
        err.print(f"使用配置 {found}", highlight=False)
    if ruleset:
        settings.ruleset, settings.ruleset_origin = ruleset, "指定"
    return settings


RULESET_HELP = "规则集：national_2020、yueyang_ref_2015、hunan_dept_2017、narrative（默认按报告版式检测）"
DB_HELP = "同时存入数据库：SQLAlchemy 地址或 SQLite 文件路径（默认取环境变量 JIXIAO_DB）"
CONFIG_HELP = "配置文件（默认从报告所在文件夹向上查找 jixiao.toml 或含 [tool.jixiao] 的 pyproject.toml）"


JOBS_HELP = "并行复核的进程数（默认为本机可用的 CPU 核数）"
TIMEOUT_HELP = "单个文件的时间限制（秒，默认 30；0 为不限）：超时的文件报告为错误，其余照常复核"
MEMORY_HELP = "单个文件的内存限制（如 1GiB、512MiB，纯数字为 MiB；默认 1GiB；0 为不限）"
CLUSTER_HELP = ("在已有的 Dask 集群上复核：调度器地址，如 tcp://HOST:8786（文件须为各工作节点都能读到的路径，"
                "或 fsspec 地址 s3://… file://…）；结果仍由本机写出")
PAGES_HELP = "review.html 写成索引页、每份报告一页（reports/）；默认超过 100 个文件时如此"


@app.command()
def review(paths: list[str] = typer.Argument(..., help="报告文件和/或文件夹（也可以是 fsspec 地址：s3://… file://…）"),
           out: Path = typer.Option(Path("out"), "-o", "--out", help="输出文件夹"),
           ruleset: Optional[str] = typer.Option(None, "--ruleset", help=RULESET_HELP),
           config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP),
           db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
           jobs: Optional[int] = typer.Option(None, "-j", "--jobs", min=1, help=JOBS_HELP),
           cluster: Optional[str] = typer.Option(None, "--cluster", help=CLUSTER_HELP),
           pages: Optional[bool] = typer.Option(None, "--pages/--one-page", help=PAGES_HELP),
           file_timeout: float | None = typer.Option(None, "--file-timeout", help=TIMEOUT_HELP),
           file_memory: str | None = typer.Option(None, "--file-memory", help=MEMORY_HELP)) -> None:
    """复核一批报告，写出 records.jsonl、review.xlsx、review.html。

    每个文件在子进程（--jobs，至少一个）或 Dask 集群（--cluster）中复核，结果按输入顺序逐个写出，输出与单进程运行
    逐字节相同；内存占用不随文件数增长。每个文件限时 30 秒、限内存 1 GiB（--file-timeout、--file-memory 或
    jixiao.toml 的 limits 一节）：超出的文件报告为错误，工作进程换新，其余文件照常复核。超过 100 个文件时 review.html 是总览和全部记录的索引（可排序、筛选、分页），每份报告
    一页，在 reports/ 下。

    加 --db 时每个文件的复核结果逐个存入数据库（与 jixiao serve 共用，由本进程一处写入）：同一单位同一年度再次复核
    生成新版本并沿用复核结论；中断（包括强行终止）后再次运行同一命令，已存入的文件（按内容哈希）不会重复存入。

    一个文件含部门整体自评报告和所附项目支出绩效自评表时，每份自评表各成一条记录，并与部门记录关联。
    退出码：全部读取成功为 0；有文件无法读取为 1（其余文件照常复核并写出）；配置或参数错误、集群错误为 2；
    有输出（records.jsonl、review.xlsx、review.html、数据库）未能写出为 3（其余输出照常写出）；jixiao 自身出错为 4
    （此前完成的文件照常写出）；按 Ctrl-C 中断为 130（此前完成的文件照常写出）。
    """
    from .batch import Task, default_jobs, run
    from .report.console import batch_tables
    from .report.writer import BatchWriter, OutputError, why

    settings = _settings([Path(p) for p in paths if "://" not in p], config, ruleset)
    settings.limits = _limits(settings.limits, file_timeout, file_memory)
    files = _collect(paths, absolute=cluster is not None)
    if not files:
        _error("没有找到可复核的报告文件")
        raise typer.Exit(2)
    store = _open_store(db) if db is not None else None
    if store is not None:
        err.print(f"数据库：{store.display_url}", highlight=False)
    tasks = [Task(i, f, settings, store=store is not None) for i, f in enumerate(files)]
    try:
        writer = BatchWriter(out, len(files), pages)
    except OutputError as exc:  # nothing could be written: reviewing would be for nothing
        _error("无法写出结果", exc)
        raise typer.Exit(EXIT_OUTPUT)
    saver = _store_writer(store, settings) if store is not None else None
    skipped, broken, interrupted, crashed, unstored, unbounded = 0, None, False, None, None, 0
    try:
        with _progress(len(files)) as progress:
            task = progress.add_task("", total=len(files))
            # the bar counts files finished (in any order), the name is the last one written (in order)
            for fo in run(tasks, jobs or default_jobs(), cluster, on_done=lambda: progress.advance(task)):
                if saver is not None:
                    try:
                        skipped += _save(saver, fo)
                    except Exception as exc:  # noqa: BLE001  the database is down or its disk full: the files go on
                        unstored, saver = why(exc), None
                fo.store = None
                unbounded += fo.unbounded
                writer.add(fo)
                progress.update(task, description=Path(fo.source).name)
    except _cluster_error() as exc:  # the files done so far are still written below
        broken = exc
    except KeyboardInterrupt:  # Ctrl-C: the files done so far are still written below
        interrupted = True
    except Exception as exc:  # noqa: BLE001  a bug outside any one file: still write what was done
        crashed = exc
    finally:
        if saver is not None:
            try:
                saver.close()
            except Exception as exc:  # noqa: BLE001
                unstored = why(exc)
    written = writer.close()
    if skipped:
        err.print(f"{skipped} 个文件此前已存入（内容相同），未重复存入", highlight=False)
    if unbounded:
        err.print(f"{unbounded} 个文件在守护进程式的 Dask worker 上复核，未受单个文件的时间与内存限制"
                  f"（以 DASK_DISTRIBUTED__WORKER__DAEMON=False 或 --no-nanny 启动 dask worker 即可；"
                  f"集群自身的 --memory-limit 仍然有效）", highlight=False)
    for table in batch_tables(writer):
        console.print(table)
    for message in writer.failed[:FAILED_SHOWN]:
        _error("无法复核", message)
    if len(writer.failed) > FAILED_SHOWN:
        err.print(f"另有 {len(writer.failed) - FAILED_SHOWN} 个文件无法复核，见 review.xlsx“汇总”表的“状态”列",
                  highlight=False)
    if written:
        console.print(f"已写出：{'、'.join(str(p) for p in written.values())}"
                      + (f"；每份报告一页：{out / 'reports'}" if writer.pages else ""), highlight=False)
    for problem in writer.problems.values():
        _error("输出失败", problem)
    if unstored is not None:
        _error("数据库写入失败", f"{unstored}；此后的文件未存入数据库（已提交的不受影响，再次运行同一命令可补存）")
    if broken is not None:
        _error("集群错误", f"{broken}（已写出此前完成的 {writer.counts['记录']} 条记录）")
        raise typer.Exit(2)
    if interrupted:
        err.print(f"已中断：写出了此前完成的 {writer.files} 个文件（共 {len(files)} 个）", highlight=False)
        raise typer.Exit(130)
    if crashed is not None:
        _error("jixiao 内部错误", f"{type(crashed).__name__}: {crashed}（已写出此前完成的 {writer.files} 个文件；"
                                f"请报告此问题，设置环境变量 JIXIAO_DEBUG=1 可显示详细信息）")
        if os.environ.get("JIXIAO_DEBUG"):
            err.print_exception(show_locals=False)
        raise typer.Exit(EXIT_CRASH)
    if writer.problems or unstored is not None:
        raise typer.Exit(EXIT_OUTPUT)
    raise typer.Exit(1 if writer.failed else 0)


EXIT_OUTPUT = 3  # an output (records.jsonl, review.xlsx, review.html, the database) could not be written
EXIT_CRASH = 4  # a bug outside the review of any one file


def _limits(limits, file_timeout: float | None, file_memory: str | None):
    """The per-file limits of the config with ``--file-timeout`` / ``--file-memory`` on top;
    exits 2 on a bad value."""
    from pydantic import ValidationError

    from .config import Limits

    given = {k: v for k, v in (("file_timeout", file_timeout), ("file_memory", file_memory)) if v is not None}
    if not given:
        return limits
    try:
        parsed = Limits.model_validate(given)
    except ValidationError as exc:
        e = exc.errors()[0]
        _error("参数错误", f"--{str(e['loc'][0]).replace('_', '-')}：{e['msg'].removeprefix('Value error, ')}")
        raise typer.Exit(2)
    return limits.model_copy(update={k: getattr(parsed, k) for k in given})


FAILED_SHOWN = 20  # unreadable files listed on the terminal; the rest are counted


def _collect(paths: list[str], absolute: bool = False) -> list[str]:
    """Files under ``paths`` (folders recursively, supported suffixes), fsspec URLs listed too;
    local paths made ``absolute`` (for a cluster, whose workers have their own working folder)."""
    if absolute:
        paths = [p if "://" in p else os.path.abspath(p) for p in paths]  # symlinks kept, as given
    if any("://" in p for p in paths):
        from .cluster import ClusterError, expand

        try:
            return expand(paths)
        except ClusterError as exc:
            _error("无法列出文件", exc)
            raise typer.Exit(2)
    return [str(p) for p in collect(paths)]


def _cluster_error() -> type[Exception]:
    try:
        from .cluster import ClusterError
    except ImportError:  # the cluster extra is not installed
        return RuntimeError
    return ClusterError


class RateColumn(ProgressColumn):
    """Files reviewed per second (rich's own estimate over the last 30 s)."""

    def render(self, task) -> Text:
        return Text("—" if not task.speed else f"{task.speed:.1f} 份/秒", style="progress.data.speed")


def _progress(files: int = 2) -> Progress:
    """The progress bar of a batch of ``files``; for one file none is shown, and no refresh thread
    runs (so that the file's worker can be forked from this process, see :func:`.batch._worker_pool`)."""
    return Progress(TextColumn("[bold]复核"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(), RateColumn(),
                    TimeElapsedColumn(), TextColumn("剩余"), TimeRemainingColumn(), TextColumn("{task.description}"),
                    console=err, transient=True, auto_refresh=files > 1, disable=files == 1)


def _open_store(db: Optional[str]):
    from .store import Store, StoreError

    try:
        return Store(db)
    except StoreError as exc:
        _error("数据库错误", exc)
        raise typer.Exit(2)


def _store_writer(store, settings):
    from .store.ingest import StoreWriter

    return StoreWriter(store, settings)


def _save(saver, fo) -> int:
    """Store one file's review unless its content was stored before (1 if skipped, else 0). A
    file changed or gone since it was reviewed is reported and left out of the database."""
    from .store.ingest import FileChanged

    if fo.sha256 is None or fo.store is None:
        return 0  # not read at all (missing, a folder): the error is in the outputs
    if saver.stored(fo.sha256) is not None:
        return 1
    try:
        saver.save(fo.source, fo.sha256, fo.store, fo.source)  # a local path or an fsspec URL
    except (FileChanged, OSError) as exc:
        _error("未存入数据库", f"{fo.source}：{exc}")
    return 0


@app.command()
def rules(code: Optional[str] = typer.Argument(None, help="检查代码，如 JX201"),
          markdown: bool = typer.Option(False, "--markdown", help="输出全部检查的 Markdown 说明（即 docs/rules.md）"),
          out: Optional[Path] = typer.Option(None, "-o", "--out", help="与 --markdown 合用：写入该文件而不是打印")) -> None:
    """列出全部检查；给出代码时打印该检查的说明；--markdown 生成 docs/rules.md 的内容。"""
    from .checks.docs import kinds_text
    from .checks.docs import markdown as rules_markdown
    from .checks.docs import write as write_markdown

    if markdown:
        if out is not None:
            changed = write_markdown(out)
            console.print(f"{'已写出' if changed else '无变化'}：{out}（{len(REGISTRY)} 项检查）")
        else:
            typer.echo(rules_markdown(), nl=False)
        return
    if code:
        c = REGISTRY.get(code.upper())
        if c is None:
            _error(f"没有检查 {code}", "用 `jixiao rules` 查看全部。")
            raise typer.Exit(2)
        console.print(f"[bold]{c.code} {c.title}[/bold]（{c.name}，{c.family}，级别：{c.severity}，适用：{kinds_text(c)}）\n",
                      markup=True, highlight=False)
        console.print(c.doc, markup=False, highlight=False)
        return
    t = Table(title=f"jixiao 检查（{len(REGISTRY)} 项）")
    for col in ("代码", "级别", "类别", "适用", "名称", "标题"):
        t.add_column(col)
    for k in sorted(REGISTRY):
        c = REGISTRY[k]
        t.add_row(c.code, c.severity, c.family, kinds_text(c), c.name, c.title)
    console.print(t)


def _last_year() -> int:
    import datetime

    return datetime.date.today().year - 1


@app.command()
def template(kind: str = typer.Option(..., "--kind", help="department（部门整体支出）或 project（项目支出）"),
             out: Path = typer.Option(..., "-o", "--out", help="写出的工作簿（.xlsx），如 填报.xlsx"),
             ruleset: str = typer.Option("national_2020", "--ruleset", help="规则集（一级/二级指标列表、执行率分值）"),
             year: int = typer.Option(None, "--year", help="自评年度（默认上一年）")) -> None:
    """写出单位填报工作簿：基本信息、基础数据表、资金、绩效指标、文字部分，黄色格子由单位填写。"""
    from .author.template import write_template

    try:
        path = write_template(kind, out, year or _last_year(), ruleset)
    except KeyError as exc:
        err.print(str(exc.args[0]), style="red", markup=False, highlight=False)
        raise typer.Exit(2)
    console.print(f"已写出填报工作簿：{path}（填好后运行 jixiao author {path} -o 文件夹）", markup=False, highlight=False)


@app.command()
def author(workbook: Path = typer.Argument(..., help="填好的填报工作簿（jixiao template 生成）"),
           out: Path = typer.Option(..., "-o", "--out", help="输出文件夹：自评表 .docx/.xlsx、自评报告 .docx、填报检查.md")) -> None:
    """由填报工作簿计算得分，写出自评表、自评报告和填报检查。

    先列出工作簿中的全部问题（每条写明工作表和单元格）；有问题时什么也不写，退出码 2。
    没有问题时按复核所用的同一套规则计算预算执行率、各项指标得分、总分和等次，写出文件，
    并在提交前运行复核时的检查（填报检查）。
    """
    from .author.pipeline import author as do_author
    from .author.workbook import WorkbookError
    from .checks.registry import audit_findings
    from .rules.ruleset import ruleset_basis

    try:
        result = do_author(workbook, out)
    except WorkbookError as exc:
        err.print(str(exc), style="red", markup=False, highlight=False)
        raise typer.Exit(2)
    if not result.ok:
        err.print(f"{workbook}：有 {len(result.problems)} 处需要改正，未写出任何文件：", style="red", markup=False,
                  highlight=False)
        for n, p in enumerate(result.problems, 1):
            err.print(f"{n}. {p.text()}", markup=False, highlight=False)
        raise typer.Exit(2)
    card = result.scorecard
    console.print(f"得分 {card.total}，评价等次“{card.grade}”（按 {ruleset_basis(card.ruleset)} 计算）", markup=False,
                  highlight=False)
    found = audit_findings(result.findings)
    console.print(f"填报检查：{len(found)} 项" + ("，见 " + str(result.files['checklist']) if found else "，没有发现问题"),
                  markup=False, highlight=False)
    for f in found:
        console.print(f"  {f.severity} {f.code} {f.message}", markup=False, highlight=False)
    for path in result.files.values():
        console.print(f"已写出：{path}", markup=False, highlight=False)


@app.command()
def show(file: Path = typer.Argument(..., help="一份报告（.txt .docx .doc .pdf .xlsx .xls .html）"),
         text: bool = typer.Option(False, "--text", help="输出文本视图（与种子文本相同的扁平格式，行号即证据中的行号）"),
         layout: bool = typer.Option(False, "--layout", help="说明每张表格匹配了哪个版式签名、哪一列读成哪个字段、"
                                                             "哪些行被跳过及原因（版式数据见 docs/layouts.md）")) -> None:
    """显示读入的段落与重建的表格（检查解析结果用）：合并单元格标出跨行/跨列，PDF 标出页码，Excel 标出工作表。"""
    from .readers import ReadError, read
    from .readers.document import Table as DocTable

    try:
        doc = read(file)
    except ReadError as exc:
        _error("无法读取", exc)
        raise typer.Exit(1)
    if text:
        for n, line in enumerate(doc.lines, 1):
            console.print(f"{n:>5} {line}", markup=False, highlight=False)
        return
    if layout:
        _show_layout(doc)
        return
    console.print(f"[dim]格式 {doc.format}，{len(doc.blocks)} 块，文本视图 {len(doc.lines)} 行[/dim]")
    for b in doc.blocks:
        where = (f"工作表“{b.sheet}” " if getattr(b, "sheet", None) else "") + (f"第{b.page}页 " if b.page else "")
        if isinstance(b, DocTable):
            nested = f" 嵌套于块{b.parent[0]}" if b.parent else ""
            t = Table(title=f"块{b.index} 表格 {where}（第{b.line}–{b.line_end}行）{nested}", show_header=False,
                      show_lines=True)
            for _ in range(b.width):
                t.add_column(overflow="fold", max_width=24)
            for row in b.rows:
                t.add_row(*[_cell_label(c) for c in row] + [""] * (b.width - len(row)))
            console.print(t)
        else:
            console.print(f"[dim]块{b.index} {where}第{b.line}行[/dim] {b.text[:100]}", markup=True, highlight=False)
    for note in doc.notes:
        err.print(Text.assemble(("提示", "yellow"), " ", note.message))


def _show_layout(doc) -> None:
    """``jixiao show --layout``: the document's kind and identity, then each table as read."""
    from .extract import extract_all
    from .extract.explain import FIELD_ZH, explain
    kinds = {"department": "部门整体支出绩效自评", "project": "项目支出绩效自评"}
    for r in extract_all(doc):
        name = r.project_name.value or r.unit_name.value or "—"
        console.print(f"[bold]{kinds.get(r.kind, r.kind)}[/bold]：{name}；单位 {r.unit_name.value or '未识别'}；"
                      f"年度 {r.year.value or '未识别'}；指标 {len(r.indicators)} 项", highlight=False, soft_wrap=True)
        for g in r.gaps:
            console.print(f"  [yellow]不完整[/yellow] {g.message}", highlight=False, soft_wrap=True)
    for t in explain(doc):
        where = f"工作表“{t.sheet}” " if t.sheet else ""
        console.print(f"\n[bold]块{t.block} 表格[/bold] {where}第{t.line}行", highlight=False, soft_wrap=True)
        if not t.signatures:
            console.print("  未匹配任何版式签名", highlight=False, soft_wrap=True)
        if t.looks_like_selfeval and not {"indicator", "yueyang_score"} & set(t.signatures):
            console.print("  [yellow]表头像自评表，但不符合任何指标表签名[/yellow]（JX905）：" + " | ".join(t.header_row),
                          highlight=False, soft_wrap=True)
        for sig, title in zip(t.signatures, t.titles):
            console.print(f"  签名 [cyan]{sig}[/cyan]：{title}", highlight=False, soft_wrap=True)
            cols = t.columns.get(sig, [])
            if cols:
                console.print("    列：" + "；".join(f"{c.header or '（空）'} → {FIELD_ZH.get(c.field, c.field)}" for c in cols),
                              highlight=False, soft_wrap=True)
            left = [x for x in t.unmapped.get(sig, []) if x]
            if left:
                console.print("    未用的列：" + " | ".join(left), highlight=False, soft_wrap=True)
        for field_name, lab, val in t.labels:
            console.print(f"  标签 {lab} → {FIELD_ZH.get(field_name, field_name)}：{val[:40]}", highlight=False, soft_wrap=True)
        for b in t.breakdowns:
            console.print(f"  资金构成 {b}", highlight=False, soft_wrap=True)
        for note in sorted(t.rows, key=lambda n: n.line):
            console.print(f"    第{note.line}行（表内第{note.row + 1}行）：{note.what}", highlight=False, soft_wrap=True)


def _cell_label(cell) -> str:
    if cell.covered:
        return "↑（合并）"
    spans = "".join(s for s, n in (("⇢%d" % cell.colspan, cell.colspan), ("⇣%d" % cell.rowspan, cell.rowspan)) if n > 1)
    return cell.text[:60] + (f" [{spans}]" if spans else "")


@app.command()
def serve(host: str = typer.Option("127.0.0.1", "--host", help="监听地址（默认只在本机）"),
          port: int = typer.Option(8000, "--port"),
          db: Optional[str] = typer.Option(None, "--db", help=DB_HELP.replace("同时存入数据库：", "数据库：")),
          config: Optional[Path] = typer.Option(None, "--config", help="复核所用配置（jixiao.toml）"),
          insecure_cookies: bool = typer.Option(False, "--insecure-cookies",
                                                help="会话 Cookie 不加 Secure（仅在经 http 从其他主机访问时需要）")) -> None:
    """启动复核工作台（网页 + /api/）：上传报告、组合总览、逐份复核问题、导出复核意见。

    默认数据库为当前文件夹下 jixiao-data/jixiao.db（SQLite），首次启动自动创建；用户用 jixiao user add 创建。
    """
    import uvicorn

    from .web.app import create_app

    settings = _settings([], config, None)
    store = _open_store(db)
    err.print(f"数据库：{store.display_url}；文件：{store.files.root}", highlight=False)
    err.print(f"复核工作台：http://{host}:{port}/", highlight=False)
    uvicorn.run(create_app(store, settings, secure_cookies=not insecure_cookies), host=host, port=port,
                log_level="warning")


user_app = typer.Typer(help="管理复核工作台的用户（管理员 admin / 复核人员 reviewer / 只读 viewer）及其可查看的地区、单位。",
                       no_args_is_help=True)
app.add_typer(user_app, name="user")


_DB_OPTION = typer.Option(None, "--db", help="数据库（默认取 JIXIAO_DB 或 jixiao-data/jixiao.db）")
_ROLE_HELP = "admin（管理员：全部地区与审计日志）、reviewer（复核人员）、viewer（只读）或 unit（单位填报人：只填报 --unit 给出的单位）"
_REGION_OPTION = typer.Option(None, "--region", help="可查看、复核的地区（报告所记的地区，如 岳麓区；可重复）")
_UNIT_OPTION = typer.Option(None, "--unit", help="可查看、复核的单位（报告的单位名称；可重复）")


def _read_password(from_stdin: bool) -> str:
    import sys

    return sys.stdin.readline().rstrip("\n") if from_stdin else typer.prompt(
        "密码", hide_input=True, confirmation_prompt="再次输入密码")


def _user_change(what: str, change, *args) -> None:
    """Run a store.users change; a UserError exits 2 with its reason."""
    from .store import UserError

    try:
        change(*args)
    except UserError as exc:
        _error(f"{what}失败", exc)
        raise typer.Exit(2)


@user_app.command("add")
def user_add(username: str = typer.Argument(..., help="用户名"),
             role: str = typer.Option("reviewer", "--role", help=_ROLE_HELP),
             name: Optional[str] = typer.Option(None, "--name", help="显示的姓名"),
             region: Optional[list[str]] = _REGION_OPTION,
             unit: Optional[list[str]] = _UNIT_OPTION,
             password_stdin: bool = typer.Option(False, "--password-stdin", help="从标准输入读密码（脚本用）"),
             db: Optional[str] = _DB_OPTION) -> None:
    """创建用户（密码以 argon2id 哈希保存）。管理员以外的用户只能看到 --region / --unit 给出的地区和单位。"""
    from functools import partial

    from .store import create_user

    password = _read_password(password_stdin)
    _user_change("创建用户", partial(create_user, regions=region or (), units=unit or ()), _open_store(db), username,
                 password, role, name)
    console.print(f"已创建用户 {username}（{role}）", highlight=False, markup=False)
    if role != "admin" and not (region or unit):
        err.print("提示：尚未分配地区或单位，该用户看不到任何报告；用 jixiao user grant 分配。", highlight=False, markup=False)


@user_app.command("passwd")
def user_passwd(username: str = typer.Argument(..., help="用户名"),
                password_stdin: bool = typer.Option(False, "--password-stdin", help="从标准输入读密码（脚本用）"),
                db: Optional[str] = _DB_OPTION) -> None:
    """重置密码；该用户已登录的会话随即失效。"""
    from .store.users import set_password

    password = _read_password(password_stdin)
    _user_change("重置密码", set_password, _open_store(db), username, password)
    console.print(f"已重置 {username} 的密码", highlight=False, markup=False)


@user_app.command("disable")
def user_disable(username: str = typer.Argument(..., help="用户名"), db: Optional[str] = _DB_OPTION) -> None:
    """停用用户：不能再登录，已登录的会话随即失效；其复核结论保留。"""
    from .store.users import set_active

    _user_change("停用用户", set_active, _open_store(db), username, False)
    console.print(f"已停用用户 {username}", highlight=False, markup=False)


@user_app.command("enable")
def user_enable(username: str = typer.Argument(..., help="用户名"), db: Optional[str] = _DB_OPTION) -> None:
    """重新启用用户。"""
    from .store.users import set_active

    _user_change("启用用户", set_active, _open_store(db), username, True)
    console.print(f"已启用用户 {username}", highlight=False, markup=False)


@user_app.command("role")
def user_role(username: str = typer.Argument(..., help="用户名"),
              role: str = typer.Argument(..., help=_ROLE_HELP),
              db: Optional[str] = _DB_OPTION) -> None:
    """更改用户角色；该用户需重新登录。"""
    from .store.users import set_role

    _user_change("更改角色", set_role, _open_store(db), username, role)
    console.print(f"已将 {username} 的角色改为 {role}", highlight=False, markup=False)


def _scope_change(username: str, region: Optional[list[str]], unit: Optional[list[str]], db: Optional[str],
                  remove: bool) -> None:
    from .store import UserError
    from .store.access import scope_text
    from .store.users import set_scope

    try:
        scope = set_scope(_open_store(db), username, region or (), unit or (), remove=remove)
    except UserError as exc:
        _error(f"{'收回' if remove else '分配'}失败", exc)
        raise typer.Exit(2)
    console.print(f"{username} 现可查看：{scope_text(scope)}", highlight=False, markup=False)


@user_app.command("grant")
def user_grant(username: str = typer.Argument(..., help="用户名"), region: Optional[list[str]] = _REGION_OPTION,
               unit: Optional[list[str]] = _UNIT_OPTION, db: Optional[str] = _DB_OPTION) -> None:
    """给用户分配可查看、复核的地区或单位（记入审计日志）。"""
    _scope_change(username, region, unit, db, remove=False)


@user_app.command("revoke")
def user_revoke(username: str = typer.Argument(..., help="用户名"), region: Optional[list[str]] = _REGION_OPTION,
                unit: Optional[list[str]] = _UNIT_OPTION, db: Optional[str] = _DB_OPTION) -> None:
    """收回用户的地区或单位（记入审计日志）。"""
    _scope_change(username, region, unit, db, remove=True)


@user_app.command("list")
def user_list(db: Optional[str] = _DB_OPTION) -> None:
    """列出用户：用户名、角色、姓名、状态、可查看的地区与单位。"""
    from sqlalchemy import select

    from .store.access import scope_of, scope_text
    from .store.models import User

    store = _open_store(db)
    with store.session() as s:
        for u in s.scalars(select(User).order_by(User.username)):
            console.print(f"{u.username}\t{u.role}\t{u.display_name or ''}\t{'启用' if u.active else '停用'}"
                          f"\t{scope_text(scope_of(s, u))}", highlight=False, markup=False)


if __name__ == "__main__":  # pragma: no cover
    app()
