"""Rule provenance and the report-quality score, as the renderers show them.

Provenance tags (RULES.md §0.1) become Chinese labels (the tags stay in records.jsonl only); an
inferred rule reads ``推断`` so that a deduction resting on our own inference is visibly marked.
``quality_rows(record)`` lists the 附件5 items (Q-01 … Q-08) with 分值, 得分 (``未评`` for items
that need outside facts) and each deduction with its reason.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..model import Deduction, Record

TAG_LABEL = {  # what a reviewer reads; the tags themselves stay in records.jsonl
    "OFF-R": "官方原文",
    "OFF-2": "官方规则转载",
    "OFF-M": "官方文件未见原文",
    "SEED": "地方样表",
    "IMPL": "系统实现",
    "INF": "推断",
}
NOT_JUDGED = "未评"
QUALITY_COLUMNS = ["文件", "单位", "评分依据", "编号", "名称", "分值", "得分", "来源可信度", "扣分", "说明"]


def tag_text(tag: str | None) -> str | None:
    """``INF`` → ``推断``; an unknown tag is shown as is; None stays None."""
    if not tag:
        return None
    return TAG_LABEL.get(tag.upper(), tag)


def is_inferred(tag: str | None) -> bool:
    return (tag or "").upper() == "INF"


def _num(x: Decimal) -> str:
    return format(x.normalize(), "f")


def _points(x: Decimal) -> str:
    text = _num(x)
    return text if text.startswith("-") else f"−{text}"


def deduction_text(d: Deduction) -> str:
    """``−2 缺少“七、存在的问题及原因分析”（第12行）``: points, reason, where the evidence is."""
    where = "、".join(v.source.where() for v in d.evidence if v.source is not None and v.source.where())
    return f"{_points(d.points)} {d.reason}" + (f"（{where}）" if where else "")


def quality_rows(record: Record, name: str | None, file: str) -> list[dict[str, Any]]:
    """One row per quality item, then a 合计 row (得分 over the judged items); [] without a score."""
    q = record.quality
    if q is None:
        return []
    rows = []
    for it in q.items:
        judged = it.judged and it.score is not None
        rows.append({
            "文件": file, "单位": name, "评分依据": q.basis, "编号": it.id, "名称": it.name,
            "分值": it.weight, "得分": it.score if judged else NOT_JUDGED, "来源可信度": tag_text(it.tag),
            "扣分": "\n".join(deduction_text(d) for d in it.deductions) or None, "说明": it.note,
            "inferred": is_inferred(it.tag),
        })
    total_weight = sum((it.weight for it in q.items), Decimal(0))
    unjudged = total_weight - q.judged_weight
    note = f"已评 {_num(q.judged_weight)} 分" + (f"，{_num(unjudged)} 分未评（需核对报告以外的材料）" if unjudged > 0 else "")
    rows.append({
        "文件": file, "单位": name, "评分依据": q.basis, "编号": "合计", "名称": "报告质量得分",
        "分值": total_weight, "得分": q.score if q.score is not None else NOT_JUDGED, "来源可信度": None,
        "扣分": None, "说明": note,
        "inferred": False,
    })
    return rows
