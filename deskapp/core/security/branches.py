"""Which branches a staff member may work at or see: their home, their assignments, or every branch.

One identity per person across the network (deskapp.core.startup syncs it from the configuration):
staff.branch is the home branch, staff_branch the branches they may work at (the home among them),
staff.all_branches every branch, present and future. A login at a branch one is not assigned to is
refused (deskapp.core.security.auth); an area_manager sees the branches this module lists, read-only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deskapp.db.models import Branch, Staff, StaffBranch


@dataclass(frozen=True)
class BranchRef:
    """A branch as screens and reports name it."""

    id: int
    code: str
    name: str
    timezone: str


def staff_row(who: Any) -> Staff | None:
    """The staff row of `who`: a Staff row as it is (no query), else the active row of the login (a Session's
    or the string); None for an unknown or inactive login. A caller asking several questions about one
    person loads the row once and passes it."""
    if isinstance(who, Staff):
        return who
    if who is None:
        return None
    login = who if isinstance(who, str) else getattr(who, "login", "")
    return Staff.get_or_none((Staff.login == login.strip().lower()) & Staff.active)



def may_work_at(who: Any, branch_id: int) -> bool:
    """Whether `who` (a Session, a login or a Staff row) is assigned to that branch (or to all)."""
    row = staff_row(who)
    if row is None:
        return False
    if row.all_branches:
        return True
    return StaffBranch.select().where((StaffBranch.staff == row.id) & (StaffBranch.branch == branch_id)).exists()


def sees_every_branch(who: Any) -> bool:
    """Whether `who` is assigned to every branch, present and future (staff.all_branches)."""
    row = staff_row(who)
    return row is not None and bool(row.all_branches)


def visible_branches(who: Any) -> list[BranchRef]:
    """The branches `who` may see, in the order they were created: every branch for all_branches, else their assignments;
    none for an unknown or inactive login."""
    row = staff_row(who)
    if row is None:
        return []
    query = Branch.select().order_by(Branch.id)
    if not row.all_branches:
        query = query.where(Branch.id.in_(StaffBranch.select(StaffBranch.branch).where(StaffBranch.staff == row.id)))
    return [BranchRef(b.id, b.code, b.name, b.timezone) for b in query]


@dataclass(frozen=True)
class BranchSummary:
    """One branch of the network as `deskapp branches` lists it."""

    code: str
    name: str
    timezone: str
    counters: tuple[str, ...]  # active counters' codes
    staff: tuple[str, ...]  # logins of the active staff who may work there (home there first)
    home_staff: tuple[str, ...]  # of those, the ones whose home it is


def network_branches() -> list[BranchSummary]:
    """Every branch in the database, in the order they were created, with its active counters and staff (everyone with
    all_branches included)."""
    from deskapp.db.models import Counter

    counters: dict[int, list[str]] = {}
    for c in Counter.select(Counter.branch, Counter.code).where(Counter.active).order_by(Counter.id):
        counters.setdefault(c.branch_id, []).append(c.code)
    everywhere = [s for s in Staff.select().where(Staff.active & Staff.all_branches).order_by(Staff.login)]
    assigned: dict[int, list[Staff]] = {}
    query = (Staff.select(Staff, StaffBranch.branch.alias("at")).join(StaffBranch, on=(StaffBranch.staff == Staff.id))
             .where(Staff.active & ~Staff.all_branches).order_by(Staff.login))
    for s in query.objects():
        assigned.setdefault(s.at, []).append(s)
    result = []
    for b in Branch.select().order_by(Branch.id):
        people = assigned.get(b.id, []) + everywhere
        people.sort(key=lambda s: (s.branch_id != b.id, s.login))
        result.append(BranchSummary(b.code, b.name, b.timezone, tuple(counters.get(b.id, [])),
                                    tuple(s.login for s in people),
                                    tuple(s.login for s in people if s.branch_id == b.id)))
    return result
