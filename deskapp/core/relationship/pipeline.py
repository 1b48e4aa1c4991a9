"""The needs pipeline, and the relationship manager's figures over a period.

Customers carry no branch (one customer, every branch), so the pipeline spans the network: every need
in this database, wherever it was recorded, optionally only those of one manager's portfolio. Periods are branch-local days, both included.

Definitions (every screen, report and test uses exactly these):

| figure | definition |
| --- | --- |
| offer acceptance rate | offers accepted divided by offers answered (accepted + declined), decisions recorded in the period; per offer, and per manager (the customer's relationship manager when the decision was made) |
| follow-ups closed on time | follow-ups due in the period (and already due now) that were closed at or before their due time, divided by all of them; a snooze moves the due time; open ones count as late |
| needs met | needs whose status became met in the period; "by a product" when a product opened for the customer is linked to it |
| days to a product | from a need's recording to its being met by a product, in days; the median over the needs met in the period |

A figure with no data is None (shown as a dash).
"""
from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass

from peewee import JOIN

from deskapp.core.clock import day_bounds
from deskapp.core.context import Context
from deskapp.db.models import Customer, FollowUp, Need, OfferDecision, Product, Staff
from deskapp.i18n import _

STATUSES = ("open", "in_progress", "met", "declined")


def _bounds(ctx: Context, since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return day_bounds(since, ctx.timezone)[0], day_bounds(until, ctx.timezone)[1]


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# ---------------------------------------------------------------------------------------- pipeline


@dataclass(frozen=True)
class CategoryRow:
    category: str
    counts: dict[str, int]  # by status, every status present

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class NeedToProduct:
    need_id: int
    customer: str
    category: str
    product: str
    created_at: dt.datetime
    met_at: dt.datetime

    @property
    def days(self) -> float:
        return (self.met_at - self.created_at).total_seconds() / 86400


@dataclass(frozen=True)
class Pipeline:
    categories: tuple[CategoryRow, ...]
    to_products: tuple[NeedToProduct, ...]  # newest first

    @property
    def median_days_to_product(self) -> float | None:
        return statistics.median(n.days for n in self.to_products) if self.to_products else None


def needs_pipeline(ctx: Context, *, manager: str | None = None) -> Pipeline:
    """Needs by category and status (categories in config order), and the needs met by a product."""
    query = Need.select(Need.category, Need.status).join(Customer)
    if manager is not None:
        query = query.join(Staff, on=(Customer.manager == Staff.id)).where(Staff.login == manager)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    for category, status in query.tuples():
        counts[category][status] = counts[category].get(status, 0) + 1
    order = list(ctx.config.customers.need_categories)
    order += sorted(c for c in counts if c not in order)
    categories = tuple(CategoryRow(c, dict(counts[c])) for c in order if c in counts)
    met = (Need.select(Need, Customer, Product).join(Customer).switch(Need)
           .join(Product, on=(Need.met_by_product == Product.id))
           .where((Need.status == "met") & Need.met_by_product.is_null(False))
           .order_by(Need.met_at.desc(), Need.id.desc()))
    if manager is not None:
        met = met.join(Staff, on=(Customer.manager == Staff.id)).where(Staff.login == manager)
    to_products = tuple(NeedToProduct(n.id, n.customer.name, n.category, n.met_by_product.type, n.created_at, n.met_at)
                        for n in met)
    return Pipeline(categories, to_products)


# ----------------------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Acceptance:
    key: str  # the offer code, or the manager's login ("" when the customer had none)
    label: str  # the offer's title, or the manager's name
    accepted: int
    declined: int

    @property
    def answered(self) -> int:
        return self.accepted + self.declined

    @property
    def rate(self) -> float | None:
        return _rate(self.accepted, self.answered)


def offer_acceptance(ctx: Context, since: dt.date, until: dt.date) -> tuple[tuple[Acceptance, ...], tuple[Acceptance, ...]]:
    """(per offer, per manager) acceptance over the decisions recorded in the period; see the module doc."""
    start, end = _bounds(ctx, since, until)
    rows = (OfferDecision.select(OfferDecision.offer, OfferDecision.decision, Staff.login, Staff.name)
            .join(Staff, JOIN.LEFT_OUTER, on=(OfferDecision.manager == Staff.id))
            .where((OfferDecision.at >= start) & (OfferDecision.at < end)).tuples())
    titles = {r.code: r.title for r in ctx.config.offers.rules}
    by_offer: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_manager: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for offer, decision, login, name in rows:
        slot = 0 if decision == "accepted" else 1
        by_offer[offer][slot] += 1
        by_manager[(login or "", name or _("no manager"))][slot] += 1
    offers = tuple(Acceptance(code, titles.get(code, code), a, d) for code, (a, d) in sorted(by_offer.items()))
    managers = tuple(Acceptance(login, name, a, d) for (login, name), (a, d) in sorted(by_manager.items()))
    return offers, managers


@dataclass(frozen=True)
class OnTime:
    login: str  # "" for unassigned
    name: str
    due: int
    on_time: int

    @property
    def rate(self) -> float | None:
        return _rate(self.on_time, self.due)


def followups_on_time(ctx: Context, since: dt.date, until: dt.date, *,
                      branch_id: int | None = None) -> tuple[OnTime, ...]:
    """Per assignee, then "all" last: follow-ups due in the period and closed on time (module doc);
    `branch_id`: only that branch's follow-ups (the network report's per-branch figure)."""
    start, end = _bounds(ctx, since, until)
    end = min(end, ctx.now())
    where = (FollowUp.due_at >= start) & (FollowUp.due_at < end)
    if branch_id is not None:
        where &= FollowUp.branch == branch_id
    rows = (FollowUp.select(FollowUp.due_at, FollowUp.closed_at, FollowUp.status, Staff.login, Staff.name)
            .join(Staff, JOIN.LEFT_OUTER, on=(FollowUp.assignee == Staff.id))
            .where(where).tuples())
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for due_at, closed_at, status, login, name in rows:
        key = (login or "", name or _("unassigned"))
        counts[key][0] += 1
        counts[key][1] += int(status == "done" and closed_at is not None and closed_at <= due_at)
    found = [OnTime(login, name, due, ok) for (login, name), (due, ok) in sorted(counts.items())]
    total = OnTime("all", _("All"), sum(r.due for r in found), sum(r.on_time for r in found))
    return (*found, total)


@dataclass(frozen=True)
class NeedsMet:
    category: str  # or "all"
    recorded: int  # needs recorded in the period
    met: int  # needs met in the period
    met_by_product: int
    median_days_to_product: float | None


def needs_met(ctx: Context, since: dt.date, until: dt.date) -> tuple[NeedsMet, ...]:
    """Per need category (config order), then "all": needs recorded and met in the period (module doc)."""
    start, end = _bounds(ctx, since, until)
    recorded: dict[str, int] = defaultdict(int)
    for (category,) in Need.select(Need.category).where((Need.created_at >= start) & (Need.created_at < end)).tuples():
        recorded[category] += 1
    met: dict[str, list[tuple[dt.datetime, dt.datetime, int | None]]] = defaultdict(list)
    for category, created, met_at, product in Need.select(Need.category, Need.created_at, Need.met_at,
                                                          Need.met_by_product).where(
            (Need.status == "met") & (Need.met_at >= start) & (Need.met_at < end)).tuples():
        met[category].append((created, met_at, product))

    def row(category: str, items: list, count: int) -> NeedsMet:
        days = [(m - c).total_seconds() / 86400 for c, m, p in items if p is not None]
        return NeedsMet(category, count, len(items), len(days), statistics.median(days) if days else None)

    order = list(ctx.config.customers.need_categories)
    order += sorted(c for c in set(recorded) | set(met) if c not in order)
    rows = [row(c, met[c], recorded[c]) for c in order if c in recorded or c in met]
    every = [item for c in met for item in met[c]]
    return (*rows, row("all", every, sum(recorded.values())))
