"""`deskapp report --network`: three branches of known tickets, every figure of the `branches` table by hand,
closed days from their summaries and today from its tickets; without --network the report is as before."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from deskapp.core.stats import network_report, reports
from deskapp.core.stats.figures import ReportError
from tests.conftest import T0
from tests.network_branches import add_branch, add_followup, add_ticket, made_for
from tests.unit.test_cli_queue import deskapp, failed

M = dt.timedelta(minutes=1)
MAR8, MAR9, MAR10 = dt.date(2026, 3, 8), dt.date(2026, 3, 9), dt.date(2026, 3, 10)


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))  # Lisbon is on UTC in March


def three_branches(ctx) -> None:
    lis = made_for(ctx.branch_id)
    add_ticket(lis, "CASH", MAR9, at(MAR9, 9), wait=4, service_minutes=5)
    add_ticket(lis, "CASH", MAR9, at(MAR9, 10), wait=12, service_minutes=5)
    add_ticket(lis, "CASH", MAR9, at(MAR9, 11), wait=6, status="no_show")
    add_ticket(lis, "CASH", MAR10, T0 - 30 * M, wait=2, service_minutes=3, csat=5, nps=9)  # today: live
    por = add_branch("AVR01", "Aveiro Centro")
    add_ticket(por, "CASH", MAR8, at(MAR8, 9), wait=20, service_minutes=5, csat=2, nps=3)
    add_ticket(por, "CASH", MAR8, at(MAR8, 10), wait=10, service_minutes=5)  # exactly the target: on time
    add_ticket(por, "CASH", MAR8, at(MAR8, 11), status="cancelled")  # walked away, never called
    add_followup(por, at(MAR9, 12), created=at(MAR8, 12), status="done", closed=at(MAR9, 11))
    add_followup(por, at(MAR9, 13), created=at(MAR8, 12))
    add_branch("FAR01", "Faro Centro", services=(("CASH", "A", 10), ("ACCT", "B", 15)))


EXPECTED = {  # branch, name, arrivals, completed, mean, p90, level, no-show, csat, nps, due, on time, rate
    "FAR01": ("FAR01", "Faro Centro", 0, 0, None, None, None, None, None, None, 0, 0, None),
    # waits 4, 12, 2 reached service: mean 6, p90 (nearest rank 3 of 3) 12; on time 4, 6, 2 of 4 called
    "LIS01": ("LIS01", "Lisboa Avenida", 4, 3, 6.0, 12.0, 0.75, 0.25, 100.0, 100.0, 0, 0, None),
    # waits 20 and 10: mean 15, p90 20; 10 is within the 10 min target; the walk-away was never called
    "AVR01": ("AVR01", "Aveiro Centro", 3, 2, 15.0, 20.0, 0.5, 0.0, 0.0, -100.0, 2, 1, 0.5),
    # The network: everything added up, then divided. Waits 4, 12, 2, 20, 10: mean 9.6, p90 (rank 5 of 5) 20;
    # on time 4 of 6 called (the mean of the branches' levels would be 0.625); no-shows 1 of 6; answers
    # 5 and 2 (one satisfied of two), NPS 9 and 3 (a promoter and a detractor); follow-ups 1 of 2 on time.
    "ALL": ("ALL", "Network", 7, 5, 9.6, 20.0, 0.6667, 0.1667, 50.0, 0.0, 2, 1, 0.5),
}


def test_the_branches_table_by_hand(ctx):
    three_branches(ctx)
    report = network_report.build_network(ctx, MAR8, MAR10)
    assert report.tables[0].name == "branches" and report.tables[0].columns == network_report.BRANCH_COLUMNS
    assert {row[0]: row for row in report.tables[0].rows} == EXPECTED
    assert [row[0] for row in report.tables[0].rows] == ["AVR01", "FAR01", "LIS01", "ALL"]  # the total last
    # Asked again, every closed day now comes from its summary: the same figures.
    assert network_report.build_network(ctx, MAR8, MAR10).tables[0] == report.tables[0]

    chosen = network_report.build_network(ctx, MAR8, MAR10, network_report.branch_ids(["AVR01", "LIS01"]))
    assert [row[0] for row in chosen.tables[0].rows] == ["AVR01", "LIS01", "ALL"]
    assert chosen.tables[0].rows[-1] == EXPECTED["ALL"]  # Faro had nothing


def test_every_table_gains_a_branch_column_and_keeps_each_branch_report(ctx):
    three_branches(ctx)
    network = {t.name: t for t in network_report.build_network(ctx, MAR8, MAR10).tables}
    alone = {t.name: t for t in reports.build(ctx, MAR8, MAR10).tables}
    assert list(network)[0] == "branches" and set(network) == {"branches", *alone}
    for name, table in alone.items():
        assert table.columns[0] != "branch"  # without --network: as before
        assert network[name].columns == ("branch", *table.columns)
    for name in ("daily", "services", "counters", "staff", "hours", "feedback", "steps", "estimates"):
        assert tuple(r[1:] for r in network[name].rows if r[0] == "LIS01") == alone[name].rows, name
    assert {r[0] for r in network["offers"].rows} <= {"ALL"}  # offers and needs span the network
    assert [r for r in network["followups_on_time"].rows if r[0] == "AVR01"][-1] == ("AVR01", "all", "All", 2, 1, 0.5)
    services = [r for r in network["services"].rows if r[0] == "AVR01"]
    assert services[0][:5] == ("AVR01", "CASH", "CASH service", 10, 3)


def test_unknown_branches_are_named(ctx):
    three_branches(ctx)
    with pytest.raises(ReportError, match="There is no branch 'XYZ'; the branches are AVR01, FAR01, LIS01"):
        network_report.branch_ids(["AVR01", "XYZ"])


def test_the_command(ctx, db_url, tmp_path):
    three_branches(ctx)
    out = tmp_path / "net.csv"
    result = deskapp(db_url, "report", "--from", "2026-03-08", "--to", "2026-03-10", "--out", str(out), "--network",
                     "--branches", "AVR01,LIS01", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data["tables"])[0] == "branches" and data["tables"]["branches"] == 3  # and the total
    assert [tuple(r.values()) for r in data["branches"]] == [EXPECTED["AVR01"], EXPECTED["LIS01"]]
    assert tuple(data["total"].values()) == EXPECTED["ALL"]
    header = (tmp_path / "net_services.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("branch,service,name,")
    assert "There is no branch 'NOPE'" in failed(deskapp(db_url, "report", "--from", "2026-03-08", "--to", "2026-03-10", "--out",
                                           str(out), "--network", "--branches", "NOPE", cwd=tmp_path), 2)
    said = failed(deskapp(db_url, "report", "--from", "2026-03-08", "--to", "2026-03-10", "--out", str(out),
                          "--branches", "AVR01", cwd=tmp_path), 2)
    assert "add --network" in said
