"""Reviewer decisions on findings: 确认 (the finding stands) or 不采纳 (dismissed, with the reason).

Decisions are only ever added: a new decision supersedes the previous one on the same finding
(the latest is effective) and the audit log records each. Viewers cannot decide."""

from __future__ import annotations

import json

from sqlalchemy import select

from .db import Store
from .models import AuditEntry, Decision, Finding, User, clean_text

STATUSES = ("确认", "不采纳")
DECIDERS = ("reviewer", "admin")  # the roles that may decide (a viewer only reads)


class DecisionError(ValueError):
    """A decision was refused: unknown finding, bad status, no reason for 不采纳, or a viewer."""


def decide(store: Store, finding_id: int, status: str, comment: str | None, user: User) -> int:
    """Record ``user``'s decision on a finding; returns the decision id. 不采纳 needs a reason
    (``comment``). Raises DecisionError."""
    comment = clean_text(comment)
    if status not in STATUSES:
        raise DecisionError(f"未知的复核结论：{status}（可选：确认、不采纳）")
    if user.role not in DECIDERS:
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


def carry_decision(store: Store, decision_id: int, finding_id: int, user: User) -> int:
    """Carry by hand an earlier version's decision whose finding was not matched automatically (its
    message was reworded, say) onto ``finding_id`` of a later version of the same report; returns
    the new decision's id. Like an automatic carry, the new decision keeps the original status,
    comment, reviewer and time and points back to the decision it came from; the audit log records
    who linked them (``carried_by_hand``).

    Raises DecisionError for a viewer, an unknown decision or finding, a decision that is no longer
    the effective one on its finding or was already carried, a finding of another report or not of a
    later version, or a finding that already has a decision (it would be overwritten silently)."""
    if user.role not in DECIDERS:
        raise DecisionError("只读用户不能作出复核结论")
    with store.session() as s:
        d = s.get(Decision, decision_id)
        target = s.get(Finding, finding_id)
        if d is None:
            raise DecisionError(f"复核结论不存在：{decision_id}")
        if target is None:
            raise DecisionError(f"问题不存在：{finding_id}")
        source, new = d.finding.report, target.report
        if d.finding.decision is not d:
            raise DecisionError("这条复核结论已被同一问题上更新的结论取代")
        if s.scalar(select(Decision.id).where(Decision.carried_from_id == d.id).limit(1)) is not None:
            raise DecisionError("这条复核结论已沿用到后续版本")
        if new.unit_key != source.unit_key or new.version <= source.version:
            raise DecisionError("只能沿用到同一报告的后续版本中的问题")
        if target.decision is not None:
            raise DecisionError("该问题已有复核结论，不能覆盖")
        copy = Decision(finding=target, status=d.status, comment=d.comment, user_id=d.user_id,
                        carried_from_id=d.id, created_at=d.created_at)
        s.add(copy)
        s.flush()
        s.add(AuditEntry(user_id=user.id, action="carried_by_hand", target=f"finding:{target.id}",
                         detail=json.dumps({"decision": copy.id, "from_finding": d.finding_id,
                                            "from_report": source.id, "to_report": new.id, "code": target.code,
                                            "from_code": d.finding.code, "status": d.status}, ensure_ascii=False)))
        return copy.id
