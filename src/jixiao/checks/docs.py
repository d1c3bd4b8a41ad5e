"""docs/rules.md, generated from the check registry (in the manner of ruff's rule pages).

``python -m jixiao.checks.docs`` writes ``docs/rules.md``; ``--check`` exits 1 when the file is
out of date; ``jixiao rules --markdown`` prints the same text. Every check's code, kebab name,
Chinese title, family, severity, the report kinds it applies to and its docstring sections
(检查什么 / 为什么重要 / 示例 / 依据) come from :data:`jixiao.checks.REGISTRY` — never edit the
file by hand.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .registry import DOC_SECTIONS, FAMILIES, REGISTRY, Check

KIND_ZH = {"department": "部门整体支出", "project": "项目支出"}
SEVERITY_ZH = {"error": "错误（error）", "warning": "警告（warning）", "info": "提示（info）"}
DEFAULT_PATH = Path("docs") / "rules.md"


def sections(check: Check) -> dict[str, str]:
    """The docstring split into its sections; wrapped lines are joined (no space between Chinese
    characters, one space between two ASCII words)."""
    out: dict[str, list[str]] = {}
    current: str | None = None
    for line in check.doc.splitlines():
        head = line.strip()
        if head in DOC_SECTIONS:
            current = head
            out[current] = []
        elif current is not None:
            out[current].append(head)
    return {name: _join(lines) for name, lines in out.items()}


def _join(lines: list[str]) -> str:
    paragraphs, buf = [], ""
    for line in lines + [""]:
        if not line:
            if buf:
                paragraphs.append(buf)
            buf = ""
            continue
        sep = " " if buf and re.match(r"[A-Za-z0-9]", line[0]) and re.search(r"[A-Za-z0-9.,;:)]$", buf) else ""
        buf += sep + line
    return "\n\n".join(paragraphs)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def kinds_text(check: Check) -> str:
    return "、".join(KIND_ZH.get(k, k) for k in check.kinds)


def markdown() -> str:
    """The whole of docs/rules.md for the current registry."""
    checks = [REGISTRY[k] for k in sorted(REGISTRY)]
    out = [
        "# jixiao 检查目录",
        "",
        "<!-- 本文件由 `python -m jixiao.checks.docs`（或 `jixiao rules --markdown`）根据检查注册表生成，请勿手工编辑。 -->",
        "",
        (f"共 {len(checks)} 项检查。每项检查是一个注册函数，有固定代码、名称、中文标题、级别和适用的报告类型；"
         "说明分为“检查什么 / 为什么重要 / 示例 / 依据”四部分，依据中注明文件文号或 [INF]（本工具的推断），"
         "出处标记的含义见 RULES.md §0.1。`jixiao rules 代码` 在命令行打印同样的说明。"),
        "",
        "| 代码 | 名称 | 标题 | 类别 | 级别 | 适用 |",
        "|---|---|---|---|---|---|",
    ]
    for c in checks:
        out.append(f"| [{c.code}](#{c.code.lower()}) | `{c.name}` | {_cell(c.title)} | {c.family} | {c.severity} | {kinds_text(c)} |")
    for digit, family in FAMILIES.items():
        members = [c for c in checks if c.code[2] == digit]
        if not members:
            continue
        out += ["", f"## JX{digit}xx {family}"]
        for c in members:
            out += ["", f"### {c.code}", "", f"**{c.title}**", "",
                    f"- 名称：`{c.name}`", f"- 类别：{c.family}", f"- 级别：{SEVERITY_ZH[c.severity]}",
                    f"- 适用：{kinds_text(c)}"]
            for name, body in sections(c).items():
                out += ["", f"#### {name}", "", body]
    return "\n".join(out) + "\n"


def write(path: Path = DEFAULT_PATH) -> bool:
    """Write the file; True when its content changed."""
    text = markdown()
    old = path.read_text(encoding="utf-8") if path.exists() else None
    if old == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m jixiao.checks.docs", description="根据检查注册表生成 docs/rules.md")
    ap.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH, help="输出文件（默认 docs/rules.md）")
    ap.add_argument("--check", action="store_true", help="只检查文件是否最新：过期时退出码为 1")
    args = ap.parse_args(argv)
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.exists() else None
        if current != markdown():
            print(f"{args.path} 已过期：请运行 python -m jixiao.checks.docs", file=sys.stderr)
            return 1
        return 0
    changed = write(args.path)
    print(f"{'已写出' if changed else '无变化'}：{args.path}（{len(REGISTRY)} 项检查）")
    return 0


if __name__ == "__main__":  # pragma: no cover  (importing jixiao.checks registered every check)
    sys.exit(main())
