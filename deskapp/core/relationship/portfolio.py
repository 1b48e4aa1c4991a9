"""A relationship manager's portfolio: their customers with what needs attention, and their follow-ups.

Who may see a portfolio (checked here, whatever a screen shows): the roles of the role table's row
relationship.portfolio (supervisors and managers), a manager only their own. A teller, a greeter, or
another manager is refused (Forbidden).

Portfolio alerts are exactly the 360 profile's (deskapp.core.customers.alerts: one definition, so the
portfolio and the 360 agree), each customer's last contact read for the whole portfolio at once.

Follow-ups of a person are split by the branch-local day: overdue (due time passed), due today (later
today), upcoming (after today). Every open follow-up assigned to them, whatever its source.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from peewee import fn

from deskapp.core.clock import day_bounds
from deskapp.core.context import Context
from deskapp.core.customers import followups
from deskapp.core.customers.alerts import Alert, alerts
from deskapp.core.customers.records import OPEN_NEEDS
from deskapp.core.security.auth import Session
from deskapp.core.security.permissions import Forbidden, acts_as, allowed, require, role_name
from deskapp.db.models import Customer, FollowUp, Interaction, Need, Product, Staff
from deskapp.errors import BadInput
from deskapp.i18n import _


class PortfolioError(BadInput):
    """A portfolio view that cannot be shown as asked (an unknown sort order)."""

SORTS = ("name", "last_contact", "alerts", "open_needs", "segment")


def may_view(session: Session, manager: str) -> bool:
    """The role table's relationship.portfolio for one's own, relationship.portfolio_others for anyone's."""
    return allowed(session.role, "relationship.portfolio") and (
        session.login == manager or allowed(session.role, "relationship.portfolio_others"))


def require_portfolio(session: Session, manager: str) -> None:
    require(session, "relationship.portfolio", doing=_("open {manager}'s portfolio").format(manager=manager))
    if not may_view(session, manager):
        raise Forbidden(_("{name} ({role}) may not open {manager}'s portfolio: only their own.").format(
            name=session.name, role=role_name(session.role), manager=manager))


@dataclass(frozen=True)
class PortfolioRow:
    id: int
    number: str
    name: str
    segment: str | None
    products: tuple[str, ...]  # active product types, sorted
    last_contact: dt.datetime | None
    open_needs: int
    open_followups: int
    alerts: tuple[Alert, ...]

    def matches(self, text: str) -> bool:
        folded = text.strip().lower()
        return not folded or folded in self.name.lower() or folded in self.number.lower()


@acts_as("relationship.portfolio", "relationship.portfolio_others")
def customers_of(ctx: Context, session: Session, manager: str, *, search: str = "", segment: str | None = None,
                 alert: str | None = None, sort: str = "name") -> list[PortfolioRow]:
    """The manager's active customers; filtered by name/number text, segment and alert kind; sorted."""
    require_portfolio(session, manager)
    if sort not in SORTS:
        raise PortfolioError(_("Sort by one of: {sorts}.").format(sorts=", ".join(SORTS)))
    staff = Staff.get_or_none(Staff.login == manager)
    if staff is None:
        return []
    rows = list(Customer.select().where((Customer.manager == staff.id) & Customer.active))
    ids = [c.id for c in rows]
    if not ids:
        return []
    products: dict[int, set[str]] = defaultdict(set)
    for cid, kind in Product.select(Product.customer, Product.type).where(
            Product.customer.in_(ids) & (Product.status == "active")).tuples():
        products[cid].add(kind)
    last = dict(Interaction.select(Interaction.customer, fn.MAX(Interaction.at)).where(
        Interaction.customer.in_(ids)).group_by(Interaction.customer).tuples())
    needs = dict(Need.select(Need.customer, fn.COUNT(Need.id)).where(
        Need.customer.in_(ids) & Need.status.in_(OPEN_NEEDS)).group_by(Need.customer).tuples())
    open_followups: dict[int, list[followups.FollowUpInfo]] = defaultdict(list)
    open_ids = [f for (f,) in FollowUp.select(FollowUp.id).where(
        FollowUp.customer.in_(ids) & (FollowUp.status != followups.DONE)).order_by(FollowUp.due_at).tuples()]
    for info in followups.many(open_ids):
        open_followups[info.customer_id].append(info)
    today = ctx.today()
    found = []
    for c in rows:
        mine = tuple(open_followups[c.id])
        row = PortfolioRow(c.id, c.number, c.name, c.segment, tuple(sorted(products[c.id])), last.get(c.id),
                           needs.get(c.id, 0), len(mine), tuple(alerts(today, c, mine, last.get(c.id))))
        if not row.matches(search) or (segment and row.segment != segment):
            continue
        if alert and not any(a.kind == alert for a in row.alerts):
            continue
        found.append(row)
    return sorted(found, key=_sort_key(sort))


def _sort_key(sort: str):
    if sort == "last_contact":  # longest without contact first; never contacted before all
        return lambda r: (r.last_contact is not None, r.last_contact or dt.datetime.min, r.name.lower())
    if sort == "alerts":
        return lambda r: (-len(r.alerts), r.name.lower())
    if sort == "open_needs":
        return lambda r: (-r.open_needs, r.name.lower())
    if sort == "segment":
        return lambda r: (r.segment or "~", r.name.lower())
    return lambda r: (r.name.lower(), r.number)


@dataclass(frozen=True)
class FollowUpBoard:
    overdue: tuple[followups.FollowUpInfo, ...]
    today: tuple[followups.FollowUpInfo, ...]
    upcoming: tuple[followups.FollowUpInfo, ...]

    def all(self) -> tuple[followups.FollowUpInfo, ...]:
        return self.overdue + self.today + self.upcoming


@acts_as("relationship.portfolio", "relationship.portfolio_others")
def followups_of(ctx: Context, session: Session, login: str) -> FollowUpBoard:
    """The person's open follow-ups (every source), soonest due first, split as the module doc says."""
    require_portfolio(session, login)
    now = ctx.now()
    _start, end_of_day = day_bounds(ctx.today(), ctx.timezone)
    mine = followups.search(assignee=login, open_only=True)
    return FollowUpBoard(
        overdue=tuple(f for f in mine if f.overdue(now)),
        today=tuple(f for f in mine if not f.overdue(now) and f.due_at < end_of_day),
        upcoming=tuple(f for f in mine if f.due_at >= end_of_day),
    )


def managers() -> list[tuple[str, str]]:
    """(login, name) of every active manager, for reassigning follow-ups and choosing a portfolio."""
    return list(Staff.select(Staff.login, Staff.name).where((Staff.role == "manager") & Staff.active)
                .order_by(Staff.name).tuples())
