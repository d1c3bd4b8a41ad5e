"""Reviewer decisions on findings: 确认 (the finding stands) or 不采纳 (dismissed, with the reason).

Decisions are only ever added: a new decision supersedes the previous one on the same finding
(the latest is effective) and the audit log records each. Viewers cannot decide."""

from __future__ import annotations

import json

from .db import Store
from .models import AuditEntry, Decision, Finding, User, clean_text

STATUSES = ("确认", "不采纳")


class DecisionError(ValueError):
    """A decision was refused: unknown finding, bad status, no reason for 不采纳, or a viewer."""


def decide(store: Store, finding_id: int, status: str, comment: str | None, user: User) -> int:
    """Record ``user``'s decision on a finding; returns the decision id. 不采纳 needs a reason
    (``comment``). Raises DecisionError."""
    comment = clean_text(comment)
    if status not in STATUSES:
        raise DecisionError(f"未知的复核结论：{status}（可选：确认、不采纳）")
    if user.role != "reviewer":
        raise DecisionError("只读用户不能作出复核结论")
    if status == "不采纳" and not comment:
        raise DecisionError("不采纳须说明理由")
    if comment and len(comment) > 2000:
        raise DecisionError("意见不超过 2000 字")
    with store.session() as s:
        finding = s.get(Finding, finding_id)
        if finding is None:
            raise DecisionError(f"问题不存在：{finding_id}")
        d = Decision(finding_id=finding_id, status=status, comment=comment, user_id=user.id)
        s.add(d)
        s.flush()
        s.add(AuditEntry(user_id=user.id, action="decide", target=f"finding:{finding_id}",
                         detail=json.dumps({"decision": d.id, "status": status, "comment": comment,
                                            "code": finding.code, "report": finding.report_id}, ensure_ascii=False)))
        return d.id
