"""Who may see which reports: a user's assigned 地区 (regions) and 单位 (units).

A report is in a user's scope when its ``region`` (the 地区 stored with it: named at upload, else
derived from the unit name, :func:`.prepared.region_of`) is one of the user's regions, or its
``unit_name`` (the record's 单位名称; for an attached 项目支出绩效自评表, also its department's) is
one of the user's units. Administrators (``admin``) see every report. Everyone else sees nothing
until given a region or a unit (``jixiao user add NAME --region 示例区 --unit 单位名称``,
``jixiao user grant``): access is denied by default.

Every route that lists, shows, decides or exports reports narrows by :meth:`Scope.clause` (queries)
or checks :meth:`Scope.allows` (one report); a report outside the scope answers 404, as if it were
not there. A unit user (单位填报人, a later role) is a user with units only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import false, or_, select, true
from sqlalchemy.orm import Session, aliased

from .models import Report, User, UserScope

KINDS = {"region": "地区", "unit": "单位"}


@dataclass(frozen=True)
class Scope:
    """``everything`` (an administrator), else the regions and units given to the user."""

    everything: bool = False
    regions: frozenset[str] = field(default_factory=frozenset)
    units: frozenset[str] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not (self.everything or self.regions or self.units)

    def clause(self):
        """A WHERE condition on :class:`Report` selecting the reports in scope."""
        if self.everything:
            return true()
        parts = []
        if self.regions:
            parts.append(Report.region.in_(sorted(self.regions)))
        if self.units:
            parent = aliased(Report)
            parts.append(Report.unit_name.in_(sorted(self.units)))
            parts.append(Report.parent_id.in_(select(parent.id).where(parent.unit_name.in_(sorted(self.units)))))
        return or_(*parts) if parts else false()

    def allows(self, s: Session, report: Report | None) -> bool:
        """Whether ``report`` (a stored row) is in scope; None is not."""
        if report is None:
            return False
        if self.everything:
            return True
        if report.region in self.regions or report.unit_name in self.units:
            return True
        if report.parent_id is not None and self.units:
            parent = s.get(Report, report.parent_id)
            return parent is not None and parent.unit_name in self.units
        return False


def scope_of(s: Session, user: User) -> Scope:
    """The user's scope as stored (an ``admin`` sees everything)."""
    if user.role == "admin":
        return Scope(everything=True)
    rows = s.execute(select(UserScope.kind, UserScope.value).where(UserScope.user_id == user.id)).all()
    return Scope(regions=frozenset(v for k, v in rows if k == "region"),
                 units=frozenset(v for k, v in rows if k == "unit"))


def scope_text(scope: Scope) -> str:
    """``全部`` / ``地区：岳麓区、君山区；单位：…`` / ``未分配``, as the user list shows it."""
    if scope.everything:
        return "全部"
    parts = [f"{KINDS[k]}：{'、'.join(sorted(vals))}" for k, vals in (("region", scope.regions), ("unit", scope.units))
             if vals]
    return "；".join(parts) or "未分配"
