"""The 总览 chart: 预算执行率 distribution (left) and 自评得分 vs 复核得分 per unit (right).

Drawn with matplotlib's Agg canvas (no display, no pyplot state), fixed size and dpi, PNG without
the ``Software`` text chunk, so the same portfolio always gives the same bytes. Chinese labels
need a CJK font: the first installed one of ``CJK_FONTS`` is used; when none is installed the
chart is still drawn (missing-glyph warnings suppressed, Chinese shown as boxes) and
``Chart.note`` says so.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from functools import cache

from matplotlib import font_manager, rc_context
from matplotlib.figure import Figure

from ..decimals import is_absurd
from .portfolio import Portfolio, UnitRow
from .summary import fmt

WIDTH_IN, HEIGHT_IN, DPI = 10.0, 4.5, 120  # → 1200 × 540 px
SIZE_PX = (int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI))
MAX_UNITS = 12  # units shown in the score panel (largest 得分差 first)
LABEL_CHARS = 14
CJK_FONTS = (
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
    "Source Han Sans CN", "Noto Serif CJK SC", "Microsoft YaHei", "SimHei", "PingFang SC", "Droid Sans Fallback",
    "AR PL UMing CN", "AR PL UKai CN",
)
NO_FONT_NOTE = "未找到中文字体（如 fonts-wqy-microhei），图中汉字可能显示为方框。"
COLORS = {"bar": "#4e79a7", "unknown": "#b0b7c3", "self": "#e15759", "total": "#4e79a7", "line": "#c9ced6"}


@dataclass
class Chart:
    png: bytes
    alt: str  # text equivalent, for <img alt> and the workbook
    font: str | None  # the CJK font used, None when none is installed
    note: str | None  # NO_FONT_NOTE when no CJK font was found


@cache
def cjk_font() -> str | None:
    """The first installed font of ``CJK_FONTS`` (by matplotlib's font list), else None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _rate_panel(ax, p: Portfolio) -> None:
    labels = [label.replace("%–", "–") for label, _, _ in p.rate_buckets]  # 60%–80% → 60–80%
    counts = [len(rows) for _, _, rows in p.rate_buckets]
    colors = [COLORS["unknown"] if i == len(labels) - 1 else COLORS["bar"] for i in range(len(labels))]
    bars = ax.bar(range(len(labels)), counts, color=colors, width=0.65)
    ax.set_xticks(range(len(labels)), labels, fontsize=9)
    ax.bar_label(bars, labels=[str(c) for c in counts], padding=2, fontsize=9)
    ax.set_ylim(0, max(counts + [1]) * 1.18)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title("预算执行率分布（份）", fontsize=11)
    ax.set_xlabel("预算执行率区间", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)


def _score_panel(ax, rows: list[UnitRow]) -> None:
    ax.set_title(f"自评得分与复核得分（得分差最大的{MAX_UNITS}个）" if len(rows) == MAX_UNITS
                 else "自评得分与复核得分", fontsize=11, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    if not rows:
        ax.text(0.5, 0.5, "没有可比较的评分", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([]), ax.set_yticks([])
        return
    ys = list(range(len(rows)))[::-1]  # largest drop on top
    selfs = [float(r.self_total) for r in rows]
    totals = [float(r.total) for r in rows]
    ax.hlines(ys, totals, selfs, color=COLORS["line"], linewidth=3, zorder=1)
    ax.scatter(selfs, ys, color=COLORS["self"], s=70, zorder=2, label="自评得分")  # larger: seen behind an equal 复核
    ax.scatter(totals, ys, color=COLORS["total"], marker="D", s=24, zorder=3, label="复核得分")
    ax.set_yticks(ys, [_short(r.label) for r in rows], fontsize=8)
    low = min(totals + selfs)
    ax.set_xlim(max(0.0, min(low - 2, 88.0)), max(100.5, max(selfs + totals) + 0.5))
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel("得分（虚线：优 ≥90）", fontsize=9)
    ax.axvline(90, color="#98a2b3", linestyle=":", linewidth=1)  # 优 ≥ 90
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, fontsize=8, frameon=False)
    ax.grid(axis="x", color="#eef1f5")


def alt_text(p: Portfolio, rows: list[UnitRow]) -> str:
    """What the chart shows, in words."""
    rates = "，".join(f"{label} {len(r)} 份" for label, _, r in p.rate_buckets)
    scores = "；".join(f"{r.label} 自评 {fmt(r.self_total)} 复核 {fmt(r.total)}" for r in rows)
    return f"预算执行率分布：{rates}。自评得分与复核得分：{scores or '无'}。"


def render_chart(p: Portfolio) -> Chart:
    """The two-panel PNG of a portfolio (``SIZE_PX``), with its alt text and font note."""
    rows = [r for r in p.by_drop if r.self_total is not None and r.total is not None
            and not is_absurd(r.self_total) and not is_absurd(r.total)][:MAX_UNITS]  # JX908 names the others
    font = cjk_font()
    family = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    rc = {"font.family": "sans-serif", "font.sans-serif": family, "axes.unicode_minus": False}
    with rc_context(rc), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*[Gg]lyph .* missing from")  # no CJK font installed
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
        left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.25]})
        _rate_panel(left, p)
        _score_panel(right, rows)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return Chart(png=buf.getvalue(), alt=alt_text(p, rows), font=font, note=None if font else NO_FONT_NOTE)
