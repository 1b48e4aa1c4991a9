"""The network view's rows (deskapp.core.stats.network): every figure by hand, the same as each branch's
own supervisor dashboard, at a fixed number of queries whatever the number of branches."""
from __future__ import annotations

import datetime as dt

import pytest

from deskapp.core import changes
from deskapp.core.security.permissions import Forbidden
from deskapp.core.stats import dashboard, network, staffing
from deskapp.db import database
from deskapp.db.models import Staff
from tests.conftest import T0
from tests.network_branches import add_branch, add_followup, add_ticket

M = dt.timedelta(minutes=1)
TODAY = T0.date()


def porto():
    """A branch whose figures are worked out by hand in the tests (clock: T0)."""
    p = add_branch("POR01", "Porto Aliados", counters=2, open_counters=1, opened_at=T0 - 120 * M)
    add_ticket(p, "CASH", TODAY, T0 - 60 * M, wait=5, service_minutes=4, counter="1", csat=5, nps=10)
    add_ticket(p, "CASH", TODAY, T0 - 50 * M, wait=15, service_minutes=5, counter="1", csat=3, nps=0)
    add_ticket(p, "CASH", TODAY, T0 - 40 * M, wait=8, status="no_show", counter="1")
    add_ticket(p, "CASH", TODAY, T0 - 20 * M, status="waiting")
    add_ticket(p, "CASH", TODAY, T0 - 5 * M, status="waiting")
    add_ticket(p, "CASH", TODAY - dt.timedelta(days=1), T0 - 25 * 60 * M, wait=40, service_minutes=5, csat=1)
    add_followup(p, T0 - 60 * M, created=T0 - 120 * M)  # overdue
    add_followup(p, T0 + 60 * M, created=T0 - 120 * M)  # not yet due
    add_followup(p, T0 - 90 * M, created=T0 - 120 * M, status="done", closed=T0 - 100 * M)
    return p


def kiritimati():
    """UTC+14: at T0 (10:00 UTC on the 10th) its today is already the 11th."""
    k = add_branch("KIR01", "Kiritimati", "Pacific/Kiritimati", counters=1, open_counters=0)
    add_ticket(k, "CASH", TODAY + dt.timedelta(days=1), T0 - 30 * M, wait=2, service_minutes=3)
    add_ticket(k, "CASH", TODAY, T0 - 15 * 60 * M, wait=30, service_minutes=3)  # its yesterday
    return k


def everywhere(*logins: str) -> None:
    """These people see every branch (staff.all_branches); otherwise one sees the branches one works at."""
    Staff.update(all_branches=True).where(Staff.login.in_(logins)).execute()


def test_each_branch_row_by_hand(ctx):
    p, k = porto(), kiritimati()
    everywhere("sofia")
    rows = {r.code: r for r in network.network_now(ctx, "sofia")}
    assert list(rows) == ["KIR01", "LIS01", "POR01"]

    por = rows["POR01"]
    assert (por.waiting, por.longest_wait_minutes, por.longest_target_minutes, por.longest_service) == (2, 20, 10, "CASH")
    assert por.called == 3 and por.service_level == pytest.approx(2 / 3)  # 5 and 8 min within 10; 15 not
    assert por.open_counters == 1
    assert (por.csat_pct, por.nps) == (50.0, 0.0)  # 5 and 3: one satisfied; 10 and 0: one each way
    assert por.overdue_followups == 1
    assert por.alerts == ("CASH: longest wait 20 min, past its 10 min target",
                          "Counter 1 idle 120 min while tickets wait: CASH 2")
    assert por.branch_id == p.branch

    kir = rows["KIR01"]
    assert kir.today == TODAY + dt.timedelta(days=1)
    assert (kir.waiting, kir.called, kir.service_level, kir.open_counters) == (0, 1, 1.0, 0)
    assert (kir.csat_pct, kir.nps, kir.overdue_followups, kir.alerts) == (None, None, 0, ())
    assert kir.branch_id == k.branch

    lis = rows["LIS01"]
    assert (lis.waiting, lis.called, lis.service_level, lis.csat_pct, lis.longest_wait_minutes) == (0, 0, None, None, None)


def test_rows_agree_with_each_branch_dashboard(ctx):
    """Every figure is the one the branch's own supervisor screen shows (defined once)."""
    porto(), kiritimati()
    everywhere("pedro")
    assert len(network.network_now(ctx, "pedro")) == 3
    for row in network.network_now(ctx, "pedro"):
        own = network.branch_context(ctx, row.branch_id)
        d = dashboard.dashboard(own)
        assert row.waiting == sum(s.waiting for s in d.services)
        assert row.open_counters == len([c for c in d.counters if c.status.state == "open"])
        assert row.service_level == d.today.total.service_level and row.called == d.today.total.called
        assert row.alerts == d.alerts
        assert (row.csat_pct, row.nps) == (d.feedback.csat_pct, d.feedback.nps)
        assert row.overdue_followups == d.followups.overdue
        advice = staffing.staffing_advice(own)
        pools = {a.pool: a.needed for a in advice}
        assert row.needed == sum(pools.values())
        assert [a.text for a in d.advice if a.text in row.advice] == list(row.advice)


def test_a_constant_number_of_queries_for_1_or_5_branches(ctx, monkeypatch):
    made = []
    for i in range(5):
        b = add_branch(f"B{i}", f"Branch {i}", counters=2, open_counters=1, opened_at=T0 - 60 * M,
                       services=(("CASH", "A", 10), ("ACCT", "B", 15)))
        add_ticket(b, "CASH", TODAY, T0 - 30 * M, wait=5, service_minutes=4, counter="1", csat=4, nps=9)
        add_ticket(b, "ACCT", TODAY, T0 - 10 * M, status="waiting")
        add_followup(b, T0 - 60 * M, created=T0 - 120 * M)
        made.append(b.branch)
    statements: list[str] = []
    real = database.db.obj.execute_sql

    def counting(sql, params=None):
        statements.append(sql)
        return real(sql, params)

    monkeypatch.setattr(database.db.obj, "execute_sql", counting)
    one = network.read_network(ctx, made[:1])
    with_one = len(statements)
    statements.clear()
    five = network.read_network(ctx, made)
    assert len(statements) == with_one, "the network view must not query once per branch"
    assert [r.code for r in one] == ["B0"] and len(five) == 5
    assert all(r.waiting == 1 and r.overdue_followups == 1 and r.csat_pct == 100.0 for r in five)
    statements.clear()
    network.network_version(made)
    assert len(statements) == 1


def test_the_change_query_moves_when_any_branch_changes(ctx):
    p, k = porto(), kiritimati()
    ids = [p.branch, k.branch]
    before = network.network_version(ids)
    changes.bump(ctx.branch_id)  # a branch not watched
    assert network.network_version(ids) == before
    changes.bump(k.branch)
    after = network.network_version(ids)
    assert after != before and after[0] == 2
    assert network.network_version(None)[0] == 3


def test_who_may_see_the_network(ctx):
    porto()
    with pytest.raises(Forbidden, match="Only a supervisor, a manager or an area manager may see the network of "
                                        "branches"):
        network.network_now(ctx, "ana")
    assert len(network.network_now(ctx, "sofia")) == 2  # a supervisor sees the network, read-only elsewhere
    everywhere("pedro")
    other = [r.branch_id for r in network.network_now(ctx, "pedro") if r.branch_id != ctx.branch_id][0]
    assert network.supervises(ctx, "sofia", ctx.branch_id)
    assert not network.supervises(ctx, "sofia", other)
    assert not network.supervises(ctx, "pedro", ctx.branch_id)  # a manager reads, never acts


def far():
    """A third branch: one late call with top answers and a ticket waiting 40 min against a 10 min target."""
    f = add_branch("FAR01", "Faro Baixa", counters=2, open_counters=1, opened_at=T0 - 120 * M)
    add_ticket(f, "CASH", TODAY, T0 - 70 * M, wait=20, service_minutes=4, counter="1", csat=5, nps=10)
    add_ticket(f, "CASH", TODAY, T0 - 40 * M, status="waiting")
    return f


def test_the_network_total_adds_up_before_dividing(ctx):
    """The total row: counts summed, rates from the summed counts (not the mean of the branches' rates)."""
    porto(), kiritimati(), far()
    everywhere("sofia")
    rows = network.network_now(ctx, "sofia")
    total = network.network_total(rows)
    assert total.branches == 4 and total.waiting == 2 + 1
    # called: Porto 3 (2 on time), Kiritimati 1 (on time), Faro 1 (late): 3 of 5, where the mean of the
    # three branches' levels would be (2/3 + 1 + 0) / 3
    assert total.called == 5 and total.service_level == pytest.approx(3 / 5)
    # answers: Porto 5 and 3, Faro 5 -> 2 of 3 satisfied (the mean of 50 % and 100 % would be 75 %);
    # NPS: 10, 0, 10 -> 2 promoters, 1 detractor of 3
    assert total.csat_pct == pytest.approx(200 / 3) and total.nps == pytest.approx(100 / 3)
    assert (total.longest_branch, total.longest_service, total.longest_wait_minutes, total.longest_target_minutes) \
        == ("FAR01", "CASH", 40, 10)
    assert total.open_counters == sum(r.open_counters for r in rows) == 2
    assert total.overdue_followups == 1
    assert total.alerts == sum(len(r.alerts) for r in rows) and total.branches_alerting == 2
    assert total.needed == sum(r.needed for r in rows)


def test_a_branch_alone_totals_to_its_own_row(ctx):
    """The total is made by the rows' own definitions: over one branch it is that branch's row."""
    porto(), kiritimati(), far()
    everywhere("sofia")
    for row in network.network_now(ctx, "sofia"):
        total = network.network_total([row])
        assert (total.waiting, total.service_level, total.called, total.csat_pct, total.nps, total.open_counters,
                total.needed, total.overdue_followups, total.longest_wait_minutes) == \
               (row.waiting, row.service_level, row.called, row.csat_pct, row.nps, row.open_counters, row.needed,
                row.overdue_followups, row.longest_wait_minutes)
    empty = network.network_total([])
    assert (empty.branches, empty.waiting, empty.service_level, empty.csat_pct, empty.needed) == (0, 0, None, None, 0)


def test_a_branch_opened_from_the_network_is_seen_with_its_own_configuration(network, db_url, clock):
    """Drilling into another branch: its opening hours, timezone, counters and service overrides are its own
    (Config.for_branch), not those of the desk that opened it (Lisbon: 08:30-15:00, five counters)."""
    from deskapp.core.startup import open_context
    from deskapp.core.stats import network as net

    moved = [b.model_copy(update={"timezone": "Atlantic/Azores"}) if b.code == "POR01" else b
             for b in network.network()]
    ctx = open_context(network.model_copy(update={"branches": moved}).for_branch("LIS01"), db_url, clock)
    try:
        from deskapp.db.models import Branch

        por = net.branch_context(ctx, Branch.get(Branch.code == "POR01").id)
        assert por.config.branch.code == "POR01" and por.timezone == "Atlantic/Azores"
        assert (por.config.branch.hours.open, por.config.branch.hours.close) == ("08:30", "15:30")
        assert [c.name for c in por.config.counters] == ["Counter 1", "Counter 2", "Counter 3", "Advisory desk"]
        assert {s.code: s.target_wait_minutes for s in por.config.services}["CASH"] == 8
        assert por.today() == TODAY  # 09:00 in the Azores at T0
        assert staffing.day_plan(por, por.today())[-1].hour == 15  # open until 15:30, Lisbon until 15:00
        assert net.branch_context(ctx, ctx.branch_id) is ctx
    finally:
        database.close()
