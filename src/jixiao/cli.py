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
from .review import ReviewedFile, collect, review_file

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


@app.command()
def review(paths: list[Path] = typer.Argument(..., help="报告文件和/或文件夹"),
           out: Path = typer.Option(Path("out"), "-o", "--out", help="输出文件夹")) -> None:
    """复核一批报告，写出 records.jsonl、review.xlsx、review.html。

    退出码：全部读取成功为 0；有文件无法读取为 1（其余文件照常复核并写出）。
    """
    from .report import rich_table, write_all

    files = collect(paths)
    if not files:
        err.print("[red]没有找到可复核的报告文件（.txt）[/red]")
        raise typer.Exit(2)
    results: list[ReviewedFile] = []
    with Progress(TextColumn("[bold]复核"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err, transient=True) as progress:
        task = progress.add_task("", total=len(files))
        for f in files:
            progress.update(task, description=f.name)
            results.append(review_file(f))
            progress.advance(task)
    written = write_all(results, out)
    console.print(rich_table(results))
    failed = [r for r in results if not r.ok]
    for r in failed:
        err.print(f"[red]无法复核[/red] {r.record.error}")
    console.print(f"已写出：{'、'.join(str(p) for p in written.values())}")
    raise typer.Exit(1 if failed else 0)


@app.command()
def rules(code: Optional[str] = typer.Argument(None, help="检查代码，如 JX201")) -> None:
    """列出全部检查；给出代码时打印该检查的说明。"""
    if code:
        c = REGISTRY.get(code.upper())
        if c is None:
            err.print(f"[red]没有检查 {code}[/red]；用 `jixiao rules` 查看全部。")
            raise typer.Exit(2)
        console.print(f"[bold]{c.code} {c.title}[/bold]（{c.name}，{c.family}，级别：{c.severity}）\n")
        console.print(c.doc, markup=False, highlight=False)
        return
    t = Table(title=f"jixiao 检查（{len(REGISTRY)} 项）")
    for col in ("代码", "级别", "类别", "标题"):
        t.add_column(col)
    for k in sorted(REGISTRY):
        c = REGISTRY[k]
        t.add_row(c.code, c.severity, c.family, c.title)
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
