"""The ``jixiao`` command: extract, review, rules, show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .checks import REGISTRY
from .review import ReviewedFile, collect

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="复核预算绩效自评报告：抽取数据、按规则重新评分、找出自相矛盾之处。")
console = Console()
if not console.is_terminal:  # piped or in CI: rich would assume 80 columns and wrap every cell
    console.width = 160
err = Console(stderr=True)


@app.command()
def extract(file: Path = typer.Argument(..., help="一份报告（.txt）"),
            as_json: bool = typer.Option(False, "--json", help="输出 DESIGN.md §4 的 Report JSON")) -> None:
    """抽取一份报告的结构化记录。"""
    from .extract import extract as do_extract
    from .readers import ReadError, read

    try:
        report = do_extract(read(file))
    except ReadError as exc:
        err.print(f"[red]无法读取[/red] {exc}")
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
        err.print(f"[red]未知的规则集[/red] {ruleset}；可用：{'、'.join(RULESETS)}")
        raise typer.Exit(2)
    found = config or (find_config(paths[0]) if paths else None)
    try:
        settings = load_config(found) if found else Settings()
    except ConfigError as exc:
        err.print(f"[red]配置错误[/red] {exc}", markup=False, highlight=False)
        raise typer.Exit(2)
    if found:
        err.print(f"使用配置 {found}", highlight=False)
    if ruleset:
        settings.ruleset, settings.ruleset_origin = ruleset, "指定"
    return settings


RULESET_HELP = "规则集：national_2020、yueyang_ref_2015、hunan_dept_2017、narrative（默认按报告版式检测）"
CONFIG_HELP = "配置文件（默认从报告所在文件夹向上查找 jixiao.toml 或含 [tool.jixiao] 的 pyproject.toml）"


@app.command()
def review(paths: list[Path] = typer.Argument(..., help="报告文件和/或文件夹"),
           out: Path = typer.Option(Path("out"), "-o", "--out", help="输出文件夹"),
           ruleset: Optional[str] = typer.Option(None, "--ruleset", help=RULESET_HELP),
           config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP)) -> None:
    """复核一批报告，写出 records.jsonl、review.xlsx、review.html。

    一个文件含部门整体自评报告和所附项目支出绩效自评表时，每份自评表各成一条记录，并与部门记录关联。
    退出码：全部读取成功为 0；有文件无法读取为 1（其余文件照常复核并写出）；配置错误为 2。
    """
    from .report import rich_table, write_all
    from .review import review_paths

    settings = _settings(paths, config, ruleset)
    files = collect(paths)
    if not files:
        err.print("[red]没有找到可复核的报告文件[/red]")
        raise typer.Exit(2)
    results: list[ReviewedFile] = []
    with Progress(TextColumn("[bold]复核"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err, transient=True) as progress:
        task = progress.add_task("", total=len(files))
        for rf in review_paths(files, settings):
            progress.update(task, description=Path(rf.record.source).name)
            results.extend(rf.documents())
            progress.advance(task)
    written = write_all(results, out)
    console.print(rich_table(results))
    failed = [r for r in results if not r.ok]
    for r in failed:
        err.print(f"[red]无法复核[/red] {r.record.error}")
    console.print(f"已写出：{'、'.join(str(p) for p in written.values())}")
    raise typer.Exit(1 if failed else 0)


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
            err.print(f"[red]没有检查 {code}[/red]；用 `jixiao rules` 查看全部。")
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


@app.command()
def show(file: Path = typer.Argument(..., help="一份报告（.txt .docx .doc .pdf .xlsx .xls .html）"),
         text: bool = typer.Option(False, "--text", help="输出文本视图（与种子文本相同的扁平格式，行号即证据中的行号）")) -> None:
    """显示读入的段落与重建的表格（检查解析结果用）：合并单元格标出跨行/跨列，PDF 标出页码，Excel 标出工作表。"""
    from .readers import ReadError, read
    from .readers.document import Table as DocTable

    try:
        doc = read(file)
    except ReadError as exc:
        err.print(f"[red]无法读取[/red] {exc}")
        raise typer.Exit(1)
    if text:
        for n, line in enumerate(doc.lines, 1):
            console.print(f"{n:>5} {line}", markup=False, highlight=False)
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
        err.print(f"[yellow]提示[/yellow] {note.message}")


def _cell_label(cell) -> str:
    if cell.covered:
        return "↑（合并）"
    spans = "".join(s for s, n in (("⇢%d" % cell.colspan, cell.colspan), ("⇣%d" % cell.rowspan, cell.rowspan)) if n > 1)
    return cell.text[:60] + (f" [{spans}]" if spans else "")


if __name__ == "__main__":  # pragma: no cover
    app()
