"""Issue 14, item 9: one role table. Every public core function that acts for a staff member is registered
under an action of deskapp.core.security.permissions.TABLE (or said not to act, with the reason), and for
every registered function, every role outside its action's row is refused on a real database, changing
nothing; so is an unknown login and an inactive one. The README shows the table as the module holds it."""
from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import inspect
import pkgutil
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

import deskapp.core
from deskapp.core import appointments
from deskapp.core import queue as q
from deskapp.core.customers import directory, duplicates, edit, erasure, followups, io, merge, records
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.demo import branch as demo
from deskapp.core.feedback import recording
from deskapp.core.relationship import offers, portfolio
from deskapp.core.security import audit_trail, auditor, auth, permissions
from deskapp.core.security.auth import SCREENS, Session
from deskapp.core.security.permissions import REGISTRY, ROLES, TABLE, Forbidden, roles_for
from deskapp.core.stats import network
from deskapp.core.workflows import guide
from deskapp.core.workflows.guide import Approver, StepInvalid
from deskapp.db.models import MODELS, Customer, Staff
from deskapp.errors import DeskappError
from tests.conftest import T0

NID = demo.national_id(random.Random("Rosa Dono"))

ROOT = Path(__file__).resolve().parents[2]
# A parameter by one of these names is a staff member acting (a login, a Session, or who did it).
STAFF_PARAMETERS = {"staff", "by", "session", "login", "staff_login", "who"}
# Actions of the table with no entry point yet, and why.
NOT_YET_CALLED: dict[str, str] = {}
ACTOR = {"greeter": "rita", "teller": "ana", "supervisor": "sofia", "manager": "pedro", "area_manager": "clara"}
INACTIVE = "lucas"  # a teller, so only being inactive refuses him
OTHER = {"ana": "joao"}  # ana serves the ticket to approve: the teller who tries to approve it is joao
PINS = {"rita": "4826", "ana": "2580", "joao": "3691", "sofia": "7391", "pedro": "5173", "lucas": "8264"}


def staff_functions() -> dict[str, Callable]:
    """Every public function defined in deskapp.core that takes a staff member, by module.qualname."""
    found = {}
    for info in pkgutil.walk_packages(deskapp.core.__path__, "deskapp.core."):
        module = importlib.import_module(info.name)
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
                continue
            if STAFF_PARAMETERS & set(inspect.signature(fn).parameters):
                found[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return found


# ------------------------------------------------------------------------------- the world each test acts on


@dataclass
class World:
    ctx: Any
    tmp: Path
    customer: int  # ines's customer
    waiting: str  # a waiting ticket's number
    waiting_id: int
    served: int  # a completed ticket without feedback
    approval: int  # a CASH ticket at counter 1 (ana) waiting for a supervisor's approval
    followup: int  # opened by sofia for ines's customer, assigned to joao
    booking: str = ""  # the code of a LOAN booking of ines's customer at 11:00


@pytest.fixture
def world(ctx, tmp_path) -> World:
    """Counter 1: ana, holding a withdrawal at its approval step; counter 2: joao, open; 3: closed."""
    for login, pin in PINS.items():
        auth.set_pin(ctx, login, pin)
    boss = directory.session_for("sofia")
    customer = edit.create(ctx, boss, CustomerDraft(name="Rosa Dono", national_id=NID, manager="ines"),
                           force=True).id
    q.open_counter(ctx, "2", "joao")
    served = q.issue(ctx, "INFO", with_estimate=False).ticket
    q.call_next(ctx, "2", "joao")
    q.start(ctx, "2")
    q.complete(ctx, "2")
    approval = q.issue(ctx, "CASH", with_estimate=False).ticket
    q.call_next(ctx, "1", "ana")
    q.start(ctx, "1")
    guide.start_or_resume(ctx, approval.id, "ana")
    state = guide.commit_step(ctx, approval.id, "transaction", {"type": "withdrawal", "amount": "6000",
                                                                "currency": "EUR"}, "ana")
    assert state.current.id == "approval"
    waiting = q.issue(ctx, "CARD", with_estimate=False).ticket
    item = followups.create(ctx, source="manual", reason="call back", by="sofia", customer_id=customer,
                            assignee="joao", due_at=T0 + dt.timedelta(hours=4))
    Staff.update(active=False).where(Staff.login == INACTIVE).execute()
    booking = appointments.book(ctx, Customer.get_by_id(customer).number, "LOAN", "2026-03-10T11:00", by="sofia").code
    return World(ctx, tmp_path, customer, waiting.number, waiting.id, served.id, approval.id, item.id, booking)


def session(login: str) -> Session:
    row = Staff.get(Staff.login == login)
    return Session(row.login, row.name, row.role)


def csv_file(w: World) -> Path:
    path = w.tmp / "customers.csv"
    path.write_text("name,national_id\nNova Pessoa,99887766\n", encoding="utf-8")
    return path


# Each registered entry point and action: how to call it as `who` (a login; `as_session` ones get the Session
# of that login). A call refused for the role must raise Forbidden and change nothing in the database.
@dataclass(frozen=True)
class Case:
    call: Callable[[World, Any], Any]
    as_session: bool = False  # the function takes a Session (proved at login) rather than a login
    loads_login: bool = True  # an unknown or inactive `who` is refused (Sessions: only when the check loads it)
    refused: type[Exception] = Forbidden
    unchanged: tuple[str, ...] = ()  # tables that must not change; all of them when empty


LATER = T0 + dt.timedelta(days=2)
CASES: dict[tuple[str, str], Case] = {
    # the queue
    ("deskapp.core.queue.issuing.issue", "queue.issue"):
        Case(lambda w, who: q.issue(w.ctx, "CASH", staff=who, with_estimate=False)),
    ("deskapp.core.queue.tickets.attach_customer", "queue.attach_customer"):
        Case(lambda w, who: q.attach_customer(w.ctx, w.waiting_id, w.customer, by=who)),
    ("deskapp.core.queue.edits.cancel_waiting", "queue.cancel_waiting"):
        Case(lambda w, who: q.cancel_waiting(w.ctx, w.waiting, by=who)),
    ("deskapp.core.queue.edits.move_waiting", "queue.move"):
        Case(lambda w, who: q.move_waiting(w.ctx, w.waiting, front=True, by=who)),
    ("deskapp.core.queue.calling.call_next", "queue.serve"):
        Case(lambda w, who: q.call_next(w.ctx, "3", who)),
    ("deskapp.core.queue.picking.call_ticket", "queue.serve"):  # counter 3 (closed) serves CARD
        Case(lambda w, who: q.call_ticket(w.ctx, "3", w.waiting, "Needs assistance", by=who)),
    ("deskapp.core.queue.counters.open_counter", "queue.serve"):
        Case(lambda w, who: q.open_counter(w.ctx, "3", who)),
    # the ticket a counter holds: counter 1 is ana's (a CASH ticket in service), 2 is joao's (holding none),
    # so a teller acting at 2 is at another person's counter; the refusal comes before the ticket is looked at
    **{(f"deskapp.core.queue.calling.{name}", action): Case(
        lambda w, who, name=name, action=action: getattr(q, name)(
            w.ctx, "1" if action == "queue.serve" else "2", by=who, **({"to_service": "INFO"}
                                                                        if name == "transfer" else {})))
       for name in ("recall", "start", "complete", "no_show", "requeue", "cancel", "transfer")
       for action in ("queue.serve", "queue.counter_others")},
    ("deskapp.core.queue.counters.set_counter_state", "queue.counter_state"):
        Case(lambda w, who: q.set_counter_state(w.ctx, "3", "closed", by=who)),
    ("deskapp.core.queue.counters.set_counter_state", "queue.counter_others"):
        Case(lambda w, who: q.set_counter_state(w.ctx, "2", "paused", by=who)),
    ("deskapp.core.queue.counters.set_profile", "queue.counter_profile"):
        Case(lambda w, who: q.set_profile(w.ctx, "3", ["INFO"], by=who)),
    # appointments
    ("deskapp.core.appointments.booking.book", "appointments.book"):
        Case(lambda w, who: appointments.book(w.ctx, Customer.get_by_id(w.customer).number, "LOAN",
                                              "2026-03-10T12:00", by=who)),
    ("deskapp.core.appointments.booking.move", "appointments.book"):
        Case(lambda w, who: appointments.move(w.ctx, w.booking, "2026-03-10T12:00", by=who)),
    ("deskapp.core.appointments.booking.cancel", "appointments.book"):
        Case(lambda w, who: appointments.cancel(w.ctx, w.booking, by=who)),
    ("deskapp.core.appointments.checkin.check_in", "appointments.check_in"):
        Case(lambda w, who: appointments.check_in(w.ctx, w.booking, staff=who)),
    # workflows
    ("deskapp.core.workflows.guide.start_or_resume", "workflows.run"):
        Case(lambda w, who: guide.start_or_resume(w.ctx, w.approval, who)),
    ("deskapp.core.workflows.guide.commit_step", "workflows.run"):
        Case(lambda w, who: guide.commit_step(w.ctx, w.approval, "approval", {}, who,
                                              approver=Approver("sofia", PINS["sofia"]))),
    ("deskapp.core.workflows.guide.commit_step", "workflows.approve"):  # `who` approves ana's service
        Case(lambda w, who: guide.commit_step(w.ctx, w.approval, "approval", {}, "ana",
                                              approver=Approver(OTHER.get(who, who), PINS.get(OTHER.get(who, who), "1470"))),
             refused=StepInvalid, unchanged=("step_record", "ticket", "ticket_event")),
    ("deskapp.core.workflows.guide.back", "workflows.run"):
        Case(lambda w, who: guide.back(w.ctx, w.approval, who)),
    ("deskapp.core.workflows.guide.amend_step", "workflows.run"):
        Case(lambda w, who: guide.amend_step(w.ctx, w.approval, "transaction", {"type": "withdrawal", "amount": "600",
                                                                               "currency": "EUR"}, "typo", who)),
    ("deskapp.core.workflows.guide.abandon", "workflows.run"):
        Case(lambda w, who: guide.abandon(w.ctx, w.approval, "customer left", who)),
    ("deskapp.core.workflows.guide.complete_ticket", "workflows.run"):
        Case(lambda w, who: guide.complete_ticket(w.ctx, "1", abandon_reason="customer left", by=who)),
    ("deskapp.core.workflows.guide.complete_ticket", "queue.serve"):
        Case(lambda w, who: guide.complete_ticket(w.ctx, "1", abandon_reason="customer left", by=who)),
    ("deskapp.core.workflows.guide.complete_ticket", "queue.counter_others"):  # joao's counter, not ana's
        Case(lambda w, who: guide.complete_ticket(w.ctx, "2", by=who)),
    ("deskapp.core.workflows.guide.reveal_step_value", "workflows.reveal"):
        Case(lambda w, who: guide.reveal_step_value(w.ctx, who, w.approval, "transaction", "amount"),
             as_session=True, loads_login=False),
    # customers
    ("deskapp.core.customers.directory.search", "customers.search"):
        Case(lambda w, who: directory.search(w.ctx, who, "Rosa"), as_session=True, loads_login=False),
    ("deskapp.core.customers.directory.identify", "customers.search"):
        Case(lambda w, who: directory.identify(w.ctx, who, "Rosa"), as_session=True, loads_login=False),
    ("deskapp.core.customers.directory.phones_to_fix", "customers.search"):
        Case(lambda w, who: directory.phones_to_fix(w.ctx, who), as_session=True, loads_login=False),
    ("deskapp.core.customers.duplicates.likely_pairs", "customers.search"):
        Case(lambda w, who: duplicates.likely_pairs(w.ctx, who), as_session=True, loads_login=False),
    ("deskapp.core.customers.directory.profile", "customers.view"):
        Case(lambda w, who: directory.profile(w.ctx, who, w.customer), as_session=True, loads_login=False),
    ("deskapp.core.customers.directory.reveal", "customers.reveal"):
        Case(lambda w, who: directory.reveal(w.ctx, who, w.customer, "national_id"), as_session=True,
             loads_login=False),
    ("deskapp.core.customers.edit.create", "customers.create"):
        Case(lambda w, who: edit.create(w.ctx, who, CustomerDraft(name="Nova Pessoa"), force=True),
             as_session=True, loads_login=False),
    ("deskapp.core.customers.edit.update", "customers.edit"):
        Case(lambda w, who: edit.update(w.ctx, who, w.customer, CustomerDraft(address="Rua Nova 1")),
             as_session=True, loads_login=False),
    ("deskapp.core.customers.records.add_interaction", "customers.record"):
        Case(lambda w, who: records.add_interaction(w.ctx, who, w.customer, "call", note="rang"),
             as_session=True, loads_login=False),
    ("deskapp.core.customers.records.add_note", "customers.record"):
        Case(lambda w, who: records.add_note(w.ctx, who, w.customer, "a note"), as_session=True, loads_login=False),
    ("deskapp.core.customers.records.add_need", "customers.record"):
        Case(lambda w, who: records.add_need(w.ctx, who, w.customer, "savings"), as_session=True,
             loads_login=False),
    ("deskapp.core.customers.records.set_need_status", "customers.record"):
        Case(lambda w, who: records.set_need_status(w.ctx, who, 1, "met"), as_session=True, loads_login=False),
    ("deskapp.core.customers.records.add_life_event", "customers.record"):
        Case(lambda w, who: records.add_life_event(w.ctx, who, w.customer, "marriage", "2026-01-01"),
             as_session=True, loads_login=False),
    ("deskapp.core.customers.records.add_product", "customers.edit"):
        Case(lambda w, who: records.add_product(w.ctx, who, w.customer, "current_account", "2020-01-01"),
             as_session=True, loads_login=False),
    ("deskapp.core.customers.io.export_csv", "customers.export"):
        Case(lambda w, who: io.export_csv(w.ctx, who, w.tmp / "out.csv"), as_session=True, loads_login=False),
    ("deskapp.core.customers.io.export_csv", "customers.reveal"):
        Case(lambda w, who: io.export_csv(w.ctx, who, w.tmp / "out.csv", reveal=True), as_session=True,
             loads_login=False),
    ("deskapp.core.customers.io.import_csv", "customers.import"):
        Case(lambda w, who: io.import_csv(w.ctx, csv_file(w), by=who)),
    ("deskapp.core.customers.merge.compare", "customers.merge"):
        Case(lambda w, who: merge.compare(w.ctx, who, w.customer, w.customer + 1), as_session=True,
             loads_login=False),
    ("deskapp.core.customers.merge.merge", "customers.merge"):
        Case(lambda w, who: merge.merge(w.ctx, who, w.customer, w.customer + 1), as_session=True,
             loads_login=False),
    ("deskapp.core.customers.erasure.erase", "customers.erase"):
        Case(lambda w, who: erasure.erase(w.ctx, who, w.customer, "request by letter"), as_session=True,
             loads_login=False),
    ("deskapp.core.customers.erasure.set_hold", "customers.erase"):
        Case(lambda w, who: erasure.set_hold(w.ctx, who, w.customer, "court order 1"), as_session=True,
             loads_login=False),
    ("deskapp.core.customers.erasure.clear_hold", "customers.erase"):
        Case(lambda w, who: erasure.clear_hold(w.ctx, who, w.customer), as_session=True, loads_login=False),
    ("deskapp.core.customers.erasure.export_one", "customers.export_one"):
        Case(lambda w, who: erasure.export_one(w.ctx, who, w.customer), as_session=True, loads_login=False),
    # follow-ups, offers, portfolios
    ("deskapp.core.customers.followups.create", "followups.create"):
        Case(lambda w, who: followups.create(w.ctx, source="manual", reason="call", by=who, customer_id=w.customer)),
    ("deskapp.core.customers.followups.start", "followups.work"):
        Case(lambda w, who: followups.start(w.ctx, w.followup, by=who)),
    ("deskapp.core.customers.followups.start", "followups.work_others"):
        Case(lambda w, who: followups.start(w.ctx, w.followup, by=who)),
    ("deskapp.core.customers.followups.record_contact", "followups.work"):
        Case(lambda w, who: followups.record_contact(w.ctx, w.followup, "reached", by=who)),
    ("deskapp.core.customers.followups.record_contact", "followups.work_others"):
        Case(lambda w, who: followups.record_contact(w.ctx, w.followup, "reached", by=who)),
    ("deskapp.core.customers.followups.close", "followups.work"):
        Case(lambda w, who: followups.close(w.ctx, w.followup, resolution="done", root_cause="other", by=who)),
    ("deskapp.core.customers.followups.close", "followups.work_others"):
        Case(lambda w, who: followups.close(w.ctx, w.followup, resolution="done", root_cause="other", by=who)),
    ("deskapp.core.customers.followups.snooze", "followups.work"):
        Case(lambda w, who: followups.snooze(w.ctx, w.followup, LATER, "abroad", by=who)),
    ("deskapp.core.customers.followups.snooze", "followups.work_others"):
        Case(lambda w, who: followups.snooze(w.ctx, w.followup, LATER, "abroad", by=who)),
    ("deskapp.core.customers.followups.reassign", "followups.reassign"):
        Case(lambda w, who: followups.reassign(w.ctx, w.followup, "ana", by=who)),
    ("deskapp.core.customers.followups.reassign", "followups.reassign_others"):
        Case(lambda w, who: followups.reassign(w.ctx, w.followup, "ana", by=who)),
    ("deskapp.core.relationship.offers.decide", "offers.decide"):
        Case(lambda w, who: offers.decide(w.ctx, who, w.customer, "CC_GOLD", "accepted"), as_session=True,
             loads_login=False),
    ("deskapp.core.relationship.offers.shown_for", "offers.view"):
        Case(lambda w, who: offers.shown_for(w.ctx, who, w.customer), as_session=True, loads_login=False),
    ("deskapp.core.relationship.portfolio.customers_of", "relationship.portfolio"):
        Case(lambda w, who: portfolio.customers_of(w.ctx, who, who.login), as_session=True, loads_login=False),
    ("deskapp.core.relationship.portfolio.customers_of", "relationship.portfolio_others"):
        Case(lambda w, who: portfolio.customers_of(w.ctx, who, "ines"), as_session=True, loads_login=False),
    ("deskapp.core.relationship.portfolio.followups_of", "relationship.portfolio"):
        Case(lambda w, who: portfolio.followups_of(w.ctx, who, who.login), as_session=True, loads_login=False),
    ("deskapp.core.relationship.portfolio.followups_of", "relationship.portfolio_others"):
        Case(lambda w, who: portfolio.followups_of(w.ctx, who, "ines"), as_session=True, loads_login=False),
    # feedback
    ("deskapp.core.feedback.recording.submit", "feedback.enter"):
        Case(lambda w, who: recording.submit(w.ctx, w.served, csat=5, entered_by="staff", staff=who)),
    ("deskapp.core.feedback.recording.record_answer", "feedback.enter"):
        Case(lambda w, who: recording.record_answer(w.ctx, w.served, csat=5, entered_by="staff", staff=who)),
    ("deskapp.core.feedback.recording.record_no_answer", "feedback.enter"):
        Case(lambda w, who: recording.record_no_answer(w.ctx, w.served, reason="ended", by=who)),
    ("deskapp.core.feedback.recording.note_no_answer", "feedback.enter"):
        Case(lambda w, who: recording.note_no_answer(w.ctx, w.served, reason="ended", by=who)),
    # staff and the audit
    ("deskapp.core.security.auth.replace_pin", "staff.replace_pin"):  # the Session's login is loaded
        Case(lambda w, who: auth.replace_pin(w.ctx, "joao", "9517", by=who), as_session=True),
    ("deskapp.core.security.auth.unlock", "staff.unlock"):
        Case(lambda w, who: auth.unlock(w.ctx, "joao", by=who)),
    ("deskapp.core.security.audit_trail.browse", "audit.browse"):
        Case(lambda w, who: audit_trail.browse(w.ctx, who), as_session=True, loads_login=False),
    ("deskapp.core.stats.network.network_now", "network.view"):
        Case(lambda w, who: network.network_now(w.ctx, who)),
    ("deskapp.core.security.auditor.export", "audit.export"):  # a refusal is itself audited, nothing else
        Case(lambda w, who: auditor.export(w.ctx, who, T0.date(), T0.date(), "csv", StringIO()),
             as_session=True, loads_login=False,
             unchanged=tuple(m._meta.table_name for m in MODELS if m._meta.table_name != "audit_event")),
}


def snapshot(tables: tuple[str, ...] = ()) -> dict[str, list]:
    """Every row of every table (or of `tables`): the world is small."""
    chosen = [m for m in MODELS if not tables or m._meta.table_name in tables]
    assert not tables or len(chosen) == len(tables), "a table named in a Case does not exist"
    return {m._meta.table_name: sorted(map(repr, m.select().tuples())) for m in chosen}


def attempt(w: World, key: tuple[str, str], case: Case, who: str) -> None:
    before = snapshot(case.unchanged)
    actor: Any = who
    if case.as_session:
        row = Staff.get_or_none(Staff.login == who)
        actor = Session(who, row.name if row else "Nobody", row.role if row else "teller")
    with pytest.raises(case.refused if who in ACTOR.values() else DeskappError) as refused:
        case.call(w, actor)
    if who in ACTOR.values():
        assert str(refused.value), f"{key}: refused without a word"
    else:  # refused for who they are (queue lookups say so as bad input, an approval as a wrong PIN)
        assert re.search(r"not an active staff member|no active staff member|Wrong login or PIN",
                         str(refused.value)), f"{key} as {who}: {refused.value!r}"
    assert snapshot(case.unchanged) == before, f"{key} as {who}: refused, yet the database changed"


def pairs() -> list[tuple[str, str]]:
    return [(name, action) for name, actions in REGISTRY.items() for action in actions]


# ------------------------------------------------------------------------------------------------- the tests


def test_every_core_function_acting_for_staff_is_in_the_table():
    """A new entry point without @acts_as (or a NOT_ACTING line saying why) fails here."""
    found = staff_functions()
    assert sorted(set(found) - set(REGISTRY) - set(permissions.NOT_ACTING)) == []
    assert sorted(set(permissions.NOT_ACTING) - set(found)) == [], "NOT_ACTING names a function that is gone"
    assert sorted(set(REGISTRY) & set(permissions.NOT_ACTING)) == []
    assert sorted(set(pairs()) ^ set(CASES)) == [], "every registered (entry point, action) has its Case here"
    used = {action for actions in REGISTRY.values() for action in actions}
    assert sorted(set(TABLE) - used) == sorted(NOT_YET_CALLED)


def test_the_refusal_names_the_roles_and_the_person(ctx):
    with pytest.raises(Forbidden, match=r"^Only a supervisor may move a waiting ticket; Ana Costa is a teller\.$"):
        permissions.require("ana", "queue.move")
    with pytest.raises(Forbidden, match=r"^Only a teller or a supervisor may serve at a counter; "
                                        r"Pedro Nunes is a manager\.$"):
        permissions.require("pedro", "queue.serve")
    with pytest.raises(Forbidden, match=r"^Only a supervisor may move a waiting ticket; "
                                        r"'nobody' is not an active staff member\.$"):
        permissions.require("nobody", "queue.move")
    with pytest.raises(Forbidden, match="nobody was named"):
        permissions.require(None, "queue.move")
    assert permissions.require(None, "queue.issue") is None  # a kiosk issues tickets
    assert permissions.require("Sofia ", "queue.move").name == "Sofia Almeida"


@pytest.mark.parametrize("role", [*ROLES, "unknown", "inactive"])
def test_every_role_outside_a_row_is_refused_and_nothing_changes(world, role):
    """One database per role: every entry point whose action leaves the role out refuses it."""
    tried = 0
    for key, case in CASES.items():
        _, action = key
        if role == "unknown" or role == "inactive":
            if not case.loads_login:
                continue
            who = "nobody" if role == "unknown" else INACTIVE
        elif role in roles_for(action, world.ctx.config):
            continue
        else:
            who = ACTOR[role]
        attempt(world, key, case, who)
        tried += 1
    # a supervisor may do everything (a reveal: by the default config); everyone else meets refusals
    assert (tried == 0) == (role == "supervisor")


def test_who_may_reveal_follows_the_config(world):
    """customers.reveal_roles set to supervisors only: the manager, allowed by default, is refused."""
    only = world.ctx.config.customers.model_copy(update={"reveal_roles": ["supervisor"]})
    w = dataclasses.replace(world, ctx=dataclasses.replace(world.ctx, config=world.ctx.config.model_copy(
        update={"customers": only})))
    assert roles_for("customers.reveal", w.ctx.config) == ("supervisor",)
    for key in [("deskapp.core.customers.directory.reveal", "customers.reveal"),
                ("deskapp.core.customers.io.export_csv", "customers.reveal"),
                ("deskapp.core.workflows.guide.reveal_step_value", "workflows.reveal")]:
        attempt(w, key, CASES[key], "pedro")
    assert directory.reveal(world.ctx, session("pedro"), world.customer, "national_id") == NID


def test_the_screens_agree_with_the_table():
    assert tuple(r for r in ROLES if "desk" in SCREENS[r]) == roles_for("queue.serve")
    assert tuple(r for r in ROLES if "audit" in SCREENS[r]) == roles_for("audit.browse")
    # an area_manager opens the supervisor screen read-only: every action on it is refused in core
    assert tuple(r for r in ROLES if "supervisor" in SCREENS[r]) == (*roles_for("queue.move"), "area_manager")
    # ... and sees the network (network.view: its home screen), its one action beside reading
    assert [r for r in ROLES if "network" in SCREENS[r]] == ["area_manager"] and SCREENS["area_manager"][0] == "network"
    assert [a for a, rule in TABLE.items() if "area_manager" in (rule.roles or ())] == ["network.view"]


def test_the_readme_shows_the_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = permissions.markdown_table()
    assert table in readme, "README's Security section must hold permissions.markdown_table(); paste:\n" + table
    assert re.search(r"core/security/permissions\.py", readme)
