"""Issue 15, items 1-3: a network of branches in one configuration and one database.

Findings quoted in the issue: "staff logins are global and each desk's start moves staff.branch_id to
its own branch (ana went from branch 2 to 1 when a desk of branch 1 started)".
"""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from deskapp.cli import main
from deskapp.config.load import check_config, choose_branch, load_config
from deskapp.core import queue as q
from deskapp.core.security import auth, permissions
from deskapp.core.security.auth import AuthError
from deskapp.core.security.branches import may_work_at, visible_branches
from deskapp.core.startup import open_context
from deskapp.db import database
from deskapp.db.models import AuditEvent, Branch, Counter, Service, Staff, StaffBranch
from deskapp.errors import DeskappError
from tests.conftest import CONFIG

NETWORK = """\
branches:
  - code: AAA
    name: First
    timezone: Europe/Lisbon
    counters:
      - {code: "1", name: Counter 1, services: [CASH]}
    staff: [ana, sofia]
  - code: BBB
    name: Second
    timezone: Europe/Madrid
    counters:
      - {code: "1", name: Counter 1, services: [CASH]}
      - {code: "2", name: Counter 2, services: [CASH]}
    staff: [bea, sofia]
    services:
      CASH: {target_wait_minutes: 5}
services:
  - {code: CASH, name: Cash, prefix: A, target_wait_minutes: 10}
staff:
  - {login: ana, name: Ana Costa, role: teller}
  - {login: bea, name: Bea Reis, role: teller}
  - {login: sofia, name: Sofia Almeida, role: supervisor, home: BBB}
  - {login: zoe, name: Zoe Area, role: area_manager, all_branches: true}
"""


def errors_of(text: str) -> list[str]:
    config, errors = check_config("net.yaml", text=text)
    assert config is None
    return [f"{e.line}:{e.col}: {e.message}" for e in errors]


def test_a_network_loads_and_each_branch_sees_its_own_counters_and_overrides():
    config, errors = check_config("net.yaml", text=NETWORK)
    assert errors == []
    assert [b.code for b in config.network()] == ["AAA", "BBB"]
    assert (config.branch.code, len(config.counters), config.service("CASH").target_wait_minutes) == ("AAA", 1, 10)
    second = choose_branch(config, "bbb")
    assert (second.branch.code, second.branch.timezone, len(second.counters)) == ("BBB", "Europe/Madrid", 2)
    assert second.service("CASH").target_wait_minutes == 5
    assert choose_branch(second, "AAA").service("CASH").target_wait_minutes == 10  # overrides do not stick
    assert config.staff_branches("sofia") == ("BBB", ["AAA", "BBB"])
    assert config.staff_branches("zoe") == ("AAA", ["AAA", "BBB"])
    with pytest.raises(DeskappError, match=r"^unknown branch 'CCC'; this configuration's branches: AAA, BBB$"):
        choose_branch(config, "CCC")


def test_the_shipped_configuration_is_a_network_of_three_with_lisbon_first():
    config = load_config(CONFIG)
    assert [b.code for b in config.network()] == ["LIS01", "POR01", "BRG01"]
    assert config.branch.name == "Lisboa Avenida"
    sizes = [len(b.counters) for b in config.network()]
    assert len(set(sizes)) == 3


@pytest.mark.parametrize("change, expected", [
    (("staff: [bea, sofia]", "staff: [bea, sofai]"),
     "14:18: branch 'BBB' lists unknown staff login 'sofai' (did you mean 'sofia'?)"),
    (("code: BBB", "code: AAA"), "8:11: branch code 'AAA' is used twice (first at line 2)"),
    (("Europe/Madrid", "Europe/Madird"),
     "10:15: unknown timezone 'Europe/Madird' (use an IANA name such as Europe/Lisbon)"),
    (("{code: \"2\", name: Counter 2, services: [CASH]}", "{code: \"2\", name: Counter 2, services: [CAHS]}"),
     "13:49: counter '2' names unknown service 'CAHS' (did you mean 'CASH'?)"),
    (("home: BBB", "home: BBC"), "22:65: staff 'sofia' has unknown home branch 'BBC' (did you mean 'BBB'?)"),
    (("      CASH: {target_wait_minutes: 5}", "      CAS: {target_wait_minutes: 5}"),
     "16:7: branch 'BBB' changes unknown service 'CAS' (did you mean 'CASH'?)"),
    (("  - {login: bea, name: Bea Reis, role: teller}\n", "  - {login: bea, name: Bea Reis, role: teller}\n"
      "  - {login: tim, name: Tim, role: teller}\n"), "22:13: staff 'tim' works at no branch: list them in a "
                                                      "branch's staff, or give them a home"),
    (("services:\n  - {code", "default_branch: CCC\nservices:\n  - {code"),
     "17:17: default_branch names unknown branch 'CCC'"),
])
def test_check_config_finds_every_network_mistake_where_it_is(change, expected):
    assert expected in errors_of(NETWORK.replace(*change))


def test_branch_and_branches_together_are_refused():
    text = NETWORK + "branch: {code: X, name: X}\n"
    assert any("'branch' is written inside each branch" in e for e in errors_of(text))


def cli(db_url, *args, input=None, branch=None):
    pre = ["--branch", branch] if branch else []
    return CliRunner().invoke(main, ["--config", str(CONFIG), "--db", db_url, *pre, *args], input=input,
                              catch_exceptions=False)


def test_an_unknown_branch_is_a_clear_message_and_exit_2(db_url):
    result = cli(db_url, "queue", "status", branch="XX01")
    assert result.exit_code == 2
    assert result.stderr.strip() == "deskapp: unknown branch 'XX01'; this configuration's branches: LIS01, POR01, BRG01"


def test_init_creates_every_branch_and_branches_lists_them(db_url):
    assert cli(db_url, "init").exit_code == 0
    assert Branch.select().count() == 3
    result = cli(db_url, "branches", "--json")
    assert result.exit_code == 0, result.output
    import json

    found = {b["code"]: b for b in json.loads(result.stdout)["branches"]}
    assert list(found) == ["LIS01", "POR01", "BRG01"]
    assert found["BRG01"]["counters"] == ["1", "2"]
    assert "joao" in found["POR01"]["staff"] and "joao" not in found["POR01"]["home_staff"]
    assert "clara" in found["BRG01"]["staff"]  # the area manager sees every branch
    assert Service.get((Service.code == "CASH") & (Service.branch == Branch.get(code="POR01").id)).target_wait_minutes == 8


def test_every_queue_command_works_at_the_branch_it_is_told(db_url, tmp_path):
    assert cli(db_url, "init").exit_code == 0
    issued = cli(db_url, "queue", "issue", "--service", "CASH", "--json", branch="BRG01")
    assert issued.exit_code == 0, issued.output
    assert cli(db_url, "queue", "issue", "--service", "CASH", "--json").exit_code == 0
    from deskapp.db.models import Ticket

    by_branch = {t.branch.code: t.number for t in Ticket.select()}
    assert by_branch == {"BRG01": "A001", "LIS01": "A001"}  # each branch numbers its own
    cli(db_url, "queue", "issue", "--service", "INFO", "--json", branch="BRG01")
    status = cli(db_url, "queue", "status", "--json", branch="BRG01")
    assert [c["counter"] for c in __import__("json").loads(status.stdout)["counters"]] == ["1", "2"]
    import json

    from deskapp.core.clock import SystemClock, local_day

    today = local_day(SystemClock().now(), "Europe/Lisbon").isoformat()  # the commands' own clock
    for code, arrivals in (("BRG01", 2), ("LIS01", 1), ("POR01", 0)):
        report = cli(db_url, "report", "--from", today, "--to", today, "--out", str(tmp_path / f"{code}.csv"),
                     "--json", branch=code)
        assert report.exit_code == 0, report.output
        assert json.loads(report.stdout)["total"]["arrivals"] == arrivals, code
    staffing = cli(db_url, "staffing", "--json", branch="POR01")
    assert json.loads(staffing.stdout)["branch"] == "POR01"


def one_branch_config(code: str, name: str):
    """A single-branch config.yaml written as today (branch:, counters:, staff:), for `code`."""
    config = load_config(CONFIG)
    lisbon = config.network_branch("LIS01")
    from deskapp.config.schema import Branch as BranchSection

    return config.model_copy(update={"branches": [], "branch": BranchSection(code=code, name=name,
                                                                              timezone="Europe/Lisbon"),
                                     "counters": list(lisbon.counters),
                                     "staff": [s for s in config.staff if s.login in lisbon.staff]})


def test_a_desk_starting_never_moves_staff_to_its_branch(db_url):
    """The issue's finding: ana went from branch 2 to 1 when a desk of branch 1 started."""
    second = open_context(one_branch_config("B2", "Branch two"), db_url)
    database.close()
    ana = Staff.get(Staff.login == "ana")
    assert ana.branch.code == "B2"
    open_context(one_branch_config("B1", "Branch one"), db_url)  # a desk of branch 1 starts
    ana = Staff.get(Staff.login == "ana")
    assert ana.branch.code == "B2"  # still her home
    assert {a.branch.code for a in StaffBranch.select().where(StaffBranch.staff == ana)} == {"B1", "B2"}
    open_context(one_branch_config("B2", "Branch two"), db_url)
    assert Staff.get(Staff.login == "ana").branch.code == "B2"
    assert second.branch_id == Branch.get(code="B2").id


def test_a_login_at_a_branch_one_is_not_assigned_to_is_refused_and_audited(network, db_url, clock):
    porto = open_context(choose_branch(network, "POR01"), db_url, clock)
    auth.set_pin(porto, "ana", "2580")
    auth.set_pin(porto, "joao", "3691")
    with pytest.raises(AuthError, match=r"^Ana Costa does not work at Porto Aliados \(POR01\)\.$"):
        auth.login(porto, "ana", "2580")
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert (event.action, event.staff, event.detail) == ("login_refused", "ana", "not assigned to branch POR01")
    assert Staff.get(Staff.login == "ana").failed_attempts == 0  # the PIN was right: no lockout count
    assert auth.login(porto, "joao", "3691").login == "joao"  # joao covers Porto
    lisbon = open_context(network, db_url, clock)
    assert auth.login(lisbon, "ana", "2580").login == "ana"


def test_the_command_line_refuses_a_staff_member_at_another_branch(network, db_url, clock):
    ctx = open_context(network, db_url, clock)
    auth.set_pin(ctx, "ana", "2580")
    result = cli(db_url, "queue", "call-next", "--counter", "1", "--staff", "ana", "--pin-stdin",
                 input="2580\n", branch="BRG01")
    assert result.exit_code == 1
    assert "Ana Costa does not work at Braga Centro (BRG01)." in result.stderr
    assert AuditEvent.select().where((AuditEvent.action == "cli_refused") & (AuditEvent.staff == "ana")).exists()
    assert Counter.get((Counter.code == "1") & (Counter.branch == Branch.get(code="BRG01").id)).state == "closed"


def test_an_area_manager_sees_the_branches_and_none_of_a_desks_work(network, db_url, clock):
    ctx = open_context(network, db_url, clock)
    assert [b.code for b in visible_branches("clara")] == ["LIS01", "POR01", "BRG01"]
    assert [b.code for b in visible_branches("helena")] == ["POR01", "BRG01"]
    assert [b.code for b in visible_branches("ana")] == ["LIS01"]
    assert visible_branches("nobody") == []
    assert may_work_at("clara", Branch.get(code="BRG01").id) and not may_work_at("ana", Branch.get(code="BRG01").id)
    for action in ("queue.serve", "queue.issue", "queue.move", "customers.view", "customers.search"):
        with pytest.raises(permissions.Forbidden, match="Clara Vieira is an area manager"):
            permissions.require("clara", action)
    q.issue(ctx, "CASH", with_estimate=False)
    with pytest.raises(permissions.Forbidden):
        q.call_next(ctx, "1", "clara")
    assert auth.SCREENS["area_manager"] == ("network", "supervisor")  # the network first: its home


def test_a_national_id_and_a_customer_number_are_unique_across_branches(network, db_url, clock):
    from deskapp.core.customers import directory, edit
    from deskapp.core.customers.edit import CustomerDraft

    lisbon = open_context(network, db_url, clock)
    braga = open_context(choose_branch(network, "BRG01"), db_url, clock)
    first = edit.create(lisbon, directory.session_for("sofia"), CustomerDraft(name="Rosa Dono", national_id="123456789"),
                        force=True)
    with pytest.raises(DeskappError, match=f"already belongs to customer {first.number}"):
        edit.create(braga, directory.session_for("helena"), CustomerDraft(name="Rosa Dona", national_id="123456789"),
                    force=True)
    other = edit.create(braga, directory.session_for("helena"), CustomerDraft(name="Rui Dono"), force=True)
    assert other.number != first.number


def test_a_feedback_follow_up_goes_to_the_supervisor_at_the_branch_of_the_service(network, db_url, clock):
    """Served in Braga, whose supervisor (helena) has her home in Porto: the follow-up is hers and Braga's,
    not Lisbon's (the first branch's supervisor, sofia) nor nobody's."""
    from deskapp.core.feedback import recording

    braga = open_context(choose_branch(network, "BRG01"), db_url, clock)
    q.issue(braga, "CASH", with_estimate=False)
    q.call_next(braga, "1", "duarte")
    q.start(braga, "1")
    done = q.complete(braga, "1")
    recording.submit(braga, done.id, csat=3, comment="This is a complaint about the queue")
    from deskapp.db.models import FollowUp

    item = FollowUp.select().get()
    assert item.branch.code == "BRG01"
    assert item.assignee.login == "helena"
    from deskapp.core.customers import followups

    assert followups.get(item.id).branch == "BRG01"


def test_the_360_says_at_which_branch_each_thing_happened_and_the_portfolio_spans_branches(network, db_url, clock):
    from deskapp.core.customers import directory, edit, records
    from deskapp.core.customers.edit import CustomerDraft
    from deskapp.core.relationship import portfolio

    lisbon = open_context(network, db_url, clock)
    braga = open_context(choose_branch(network, "BRG01"), db_url, clock)
    customer = edit.create(lisbon, directory.session_for("sofia"),
                           CustomerDraft(name="Rosa Dono", national_id="123456789", manager="pedro"), force=True).id
    for ctx, counter, teller in ((lisbon, "1", "ana"), (braga, "1", "duarte")):
        q.issue(ctx, "CASH", customer_id=customer, with_estimate=False)
        q.call_next(ctx, counter, teller)
        q.start(ctx, counter)
        q.complete(ctx, counter)
    records.add_need(braga, directory.session_for("helena"), customer, "savings", "Wants to save for a house")
    view = directory.profile(lisbon, directory.session_for("sofia"), customer)
    assert sorted(i.branch for i in view.interactions) == ["BRG01", "LIS01"]
    assert [n.branch for n in view.needs] == ["BRG01"]
    # pedro (Lisbon) keeps the customer wherever she walks in, and sees it from any branch's desk
    assert customer in {row.id for row in portfolio.customers_of(braga, directory.session_for("pedro"), "pedro")}
