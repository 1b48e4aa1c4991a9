"""Issue 18, items 3 and 6: merging two records of one person, erasure with legal holds, retention
periods and subject access, on SQLite and PostgreSQL.

The tables and foreign keys these tests look at are read from the database's own catalog, not from
deskapp's models, so a table a later migration adds is counted and scanned too."""
from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from deskapp.cli import main
from deskapp.config.load import check_config
from deskapp.core import queue as q
from deskapp.core.customers import directory as customers
from deskapp.core.customers import edit as customer_edit
from deskapp.core.customers import erasure, followups, merge, retention
from deskapp.core.customers import io as customer_io
from deskapp.core.customers import records as customer_records
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.demo.branch import national_id
from deskapp.core.feedback import recording as feedback
from deskapp.core.relationship import offers
from deskapp.core.security import auth
from deskapp.core.security.auth import Forbidden, Session
from deskapp.core.startup import open_context
from deskapp.core.workflows import guide as workflows
from deskapp.db import database
from deskapp.db.database import db, is_postgres
from deskapp.db.models import AuditEvent, Customer, Feedback, Interaction, StepRecord, Ticket
from deskapp.db.search import search_customers
from tests.conftest import CONFIG

TELLER = Session("ana", "Ana Costa", "teller")
SUPERVISOR = Session("sofia", "Sofia Almeida", "supervisor")
MANAGER = Session("pedro", "Pedro Nunes", "manager")
PINS = {"sofia": "8642", "pedro": "1357", "ana": "2580"}


# -- the database as its catalog describes it --------------------------------------------------------

def tables() -> list[str]:
    if is_postgres():
        return [t for (t,) in db.execute_sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY table_name")]
    return [t for (t,) in db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]


def links_to_customer() -> list[tuple[str, str]]:
    """(table, column) of every foreign key to customer.id in the schema."""
    if is_postgres():
        return sorted(db.execute_sql(
            "SELECT kcu.table_name, kcu.column_name FROM information_schema.referential_constraints rc "
            "JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = rc.constraint_name "
            "AND kcu.constraint_schema = rc.constraint_schema "
            "JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = rc.unique_constraint_name "
            "AND ccu.constraint_schema = rc.unique_constraint_schema "
            "WHERE rc.constraint_schema = current_schema() AND ccu.table_name = 'customer'").fetchall())
    found = []
    for table in tables():
        for row in db.execute_sql(f'PRAGMA foreign_key_list("{table}")').fetchall():
            if row[2] == "customer":
                found.append((table, row[3]))
    return sorted(found)


def counts(ids: list[int]) -> dict[str, int]:
    marks = ", ".join([db.param] * len(ids))
    return {f"{table}.{column}": db.execute_sql(
        f'SELECT count(*) FROM "{table}" WHERE "{column}" IN ({marks})', ids).fetchone()[0]
        for table, column in links_to_customer()}


def holding(needles: list[str]) -> list[str]:
    """'table.column: needle' for every value of every column of every table holding a needle (any case):
    text as text, blobs (the FTS5 index pages) as bytes, dates and numbers as their text."""
    lowered = [n.lower() for n in needles]
    found = []
    for table in tables():
        cursor = db.execute_sql(f'SELECT * FROM "{table}"')
        columns = [d[0] for d in cursor.description]
        for row in cursor.fetchall():
            for column, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                if isinstance(value, (bytes, memoryview)):
                    raw = bytes(value).lower()
                    hits = [n for n in lowered if n.encode() in raw]
                else:
                    text = (value.isoformat() if hasattr(value, "isoformat") else str(value)).lower()
                    hits = [n for n in lowered if n in text]
                found += [f"{table}.{column}: {n}" for n in hits]
    return sorted(set(found))


# -- a customer with something in every table ------------------------------------------------------

@pytest.fixture
def ready(ctx):
    for login, pin in PINS.items():
        auth.set_pin(ctx, login, pin)
    return ctx


def person(ctx, clock, name: str, *, phone: str, email: str, account: str, seed: int, born: str = "1971-07-19",
           words: str = "") -> tuple[int, dict[str, str]]:
    """A customer with a product, a call, a need, a life event, a served ticket with feedback, a follow-up
    snoozed, an offer decision and a card workflow step; its id and the personal values written."""
    nid = national_id(random.Random(seed))
    cid = customer_edit.create(ctx, SUPERVISOR, CustomerDraft(
        name=name, national_id=nid, birth_date=born, phones=[phone], email=email,
        address=f"Rua {words or 'Xylofone'} 77, Lisboa", segment="mass", marketing_consent=True,
        id_doc_type="passport", id_doc_expiry="2030-01-31", kyc_review_due="2027-01-01"), force=True).id
    first = name.split()[0]
    texts = {
        "note": f"{first} called about the {words or 'xylofone'} transfer",
        "outcome": f"{first} will call back",
        "need": f"{first} wants a savings plan for {words or 'xylofone'}",
        "life": f"{first}'s daughter was born",
        "comment": f"{first} waited too long",
        "snooze": f"{first} is abroad",
        "offer": f"{first} has one elsewhere",
        "step": f"{first} lost the card in {words or 'xylofone'}",
        "abandoned": f"{first} left for the {words or 'xylofone'} office",
    }
    customer_records.add_product(ctx, SUPERVISOR, cid, "current_account", "2020-01-02", account_number=account)
    customer_records.add_interaction(ctx, TELLER, cid, "call", note=texts["note"], outcome=texts["outcome"])
    customer_records.add_need(ctx, TELLER, cid, "savings", texts["need"])
    customer_records.add_life_event(ctx, TELLER, cid, "child", "2025-04-01", texts["life"])
    # A served ticket with the customer's feedback (a bad score opens a follow-up quoting the comment).
    ticket = q.issue(ctx, "CASH", customer_id=cid).ticket
    q.call_next(ctx, "1", "ana")
    q.start(ctx, "1")
    clock.advance(minutes=3)
    q.complete(ctx, "1")
    feedback.submit(ctx, ticket.id, csat=1, comment=texts["comment"])
    made = followups.create(ctx, source="manual", reason=f"Call {name} back", by="sofia", customer_id=cid)
    followups.snooze(ctx, made.id, ctx.now() + dt.timedelta(days=2), texts["snooze"], by="sofia")
    offers.decide(ctx, MANAGER, cid, "starter_credit_card", "declined", note=texts["offer"])
    # A card workflow: what the teller typed about the customer is a step value.
    q.issue(ctx, "CARD", customer_id=cid)
    card = q.call_next(ctx, "3", "joao")
    q.start(ctx, "3")
    workflows.start_or_resume(ctx, card.id, "joao")
    workflows.commit_step(ctx, card.id, "request", {"action": "replace", "reason": texts["step"], "waive_fee": False},
                          "joao")
    workflows.complete_ticket(ctx, "3", abandon_reason=texts["abandoned"])
    values = {"name": name, "nid": nid, "phone": phone.replace(" ", ""), "email": email, "account": account,
              "born": born, "address": f"Rua {words or 'Xylofone'}", **texts}
    return cid, values


# -- merge -------------------------------------------------------------------------------------------

def test_merge_moves_every_related_row_and_the_merged_number_finds_the_survivor(ready, clock):
    keep, _ = person(ready, clock, "Zebulon Marwick", phone="912 345 678", email="zeb@example.org",
                     account="PT50000201231234567890154", seed=1)
    other, _ = person(ready, clock, "Zebulon Q. Marwick", phone="913 222 444", email="zq@example.net",
                      account="PT50000201231234567890155", seed=2, born="1971-07-19")
    Customer.update(email=None, address="Rua Nova 1").where(Customer.id == keep).execute()
    before = counts([keep, other])
    assert all(before[f"{t}.customer_id"] >= 2 for t in ("product", "interaction", "need", "life_event", "ticket",
                                                          "follow_up", "feedback", "offer_decision"))
    keep_number, other_number = Customer.get_by_id(keep).number, Customer.get_by_id(other).number
    other_nid = Customer.get_by_id(other).national_id

    result = merge.merge(ready, SUPERVISOR, keep, other, take=["national_id"])

    after = counts([keep])
    moved_over = {k: v for k, v in after.items() if not k.startswith("customer.")}
    assert moved_over == {k: v for k, v in before.items() if not k.startswith("customer.")}
    assert after["customer.merged_into_id"] == 1  # the tombstone points to the survivor
    assert counts([other]) == dict.fromkeys(before, 0)
    assert result.rows_before == result.rows_after
    survivor = Customer.get_by_id(keep)
    # The field chosen, and the one the survivor lacked, come from the other; the rest stay.
    assert survivor.national_id == other_nid and survivor.email == "zq@example.net"
    assert survivor.name == "Zebulon Marwick" and survivor.address == "Rua Nova 1"
    assert sorted(result.from_other) == ["email", "national_id"]
    tomb = Customer.get_by_id(other)
    assert tomb.merged_into_id == keep and not tomb.active and tomb.national_id is None and tomb.email is None
    # The merged-away number resolves to the survivor: search, the command line's lookup, reception.
    assert search_customers(other_number)[0][0] == keep
    assert customers.find(other_number) == keep
    assert [m.id for m in customers.identify(ready, TELLER, other_number)] == [keep]
    assert other not in [c for c, _ in search_customers("Zebulon")]
    # Audited on both records, naming both numbers and no value.
    rows = list(AuditEvent.select().where(AuditEvent.action.in_(["customer_merge", "customer_merged_away"]))
                .order_by(AuditEvent.id))
    assert [(r.action, r.entity_id) for r in rows] == [("customer_merge", str(keep)),
                                                       ("customer_merged_away", str(other))]
    for row in rows:
        assert f"survivor={keep_number}" in row.detail and f"merged={other_number}" in row.detail
        assert other_nid not in row.detail and "zq@" not in row.detail


def test_merge_joins_phones_once_and_refuses_what_it_cannot_do(ready, clock):
    a = customer_edit.create(ready, SUPERVISOR, CustomerDraft(name="Ana Um", phones=["912 345 678", "913 111 222"]),
                             force=True).id
    b = customer_edit.create(ready, SUPERVISOR, CustomerDraft(name="Ana Um", phones=["912 345 678", "914 000 111"]),
                             force=True).id
    c = customer_edit.create(ready, SUPERVISOR, CustomerDraft(name="Ana Dois"), force=True).id
    with pytest.raises(Forbidden):
        merge.merge(ready, TELLER, a, b)
    with pytest.raises(Forbidden):
        merge.merge(ready, MANAGER, a, b)
    with pytest.raises(merge.MergeRefused, match="itself"):
        merge.merge(ready, SUPERVISOR, a, a)
    with pytest.raises(merge.MergeRefused, match="'phone' is not a field"):
        merge.parse_choices(["phone=other"])
    with pytest.raises(merge.MergeRefused, match="name=other"):
        merge.parse_choices(["name=theirs"])
    erasure.set_hold(ready, SUPERVISOR, c, "court order 3/2026")
    merge.merge(ready, SUPERVISOR, b, c)  # c into b first: c's tombstone must follow b into a
    merge.merge(ready, SUPERVISOR, a, b)
    # The hold followed the data into the survivor: erasing it is still refused.
    assert Customer.get_by_id(a).legal_hold and Customer.get_by_id(a).legal_hold_reason == "court order 3/2026"
    with pytest.raises(erasure.ErasureRefused, match="legal hold"):
        erasure.erase(ready, SUPERVISOR, a, "request by letter")
    digits = sorted(p.digits for p in Customer.get_by_id(a).phones)
    assert digits == ["351912345678", "351913111222", "351914000111"]
    assert Customer.get_by_id(c).merged_into_id == a
    assert customers.find(Customer.get_by_id(c).number) == a
    with pytest.raises(merge.MergeRefused, match="already merged into"):
        merge.merge(ready, SUPERVISOR, a, b)


def run(db_url, *args, input=None):
    return CliRunner().invoke(main, ["--config", str(CONFIG), "--db", db_url, *args], input=input,
                              catch_exceptions=False)


def test_merge_on_the_command_line_proves_the_supervisor_and_names_both_numbers(ready, db_url, clock):
    a = customer_edit.create(ready, SUPERVISOR, CustomerDraft(name="Rui Alves", email="rui@example.org"),
                             force=True)
    b = customer_edit.create(ready, SUPERVISOR, CustomerDraft(name="Rui M. Alves", address="Rua 5"), force=True)
    customer_records.add_note(ready, TELLER, b.id, "prefers mornings")
    teller = run(db_url, "customers", "merge", a.number, b.number, "--by", "ana", "--pin-stdin", input="2580\n")
    assert teller.exit_code == 1 and "Only a supervisor may merge customer records" in teller.stderr and "Traceback" not in teller.output
    bad = run(db_url, "customers", "merge", a.number, b.number, "--keep", "colour=other", "--by", "sofia",
              "--pin-stdin", input="8642\n")
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1 and "not a field" in bad.stderr
    done = run(db_url, "customers", "merge", a.number, b.number, "--keep", "name=other", "--by", "sofia",
               "--pin-stdin", "--json", input="8642\n")
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert data["survivor"] == a.number and data["merged"] == b.number
    assert data["from_merged"] == ["name", "address"] and data["moved"] == {"interaction": 1}
    assert Customer.get_by_id(a.id).name == "Rui M. Alves"
    again = run(db_url, "customers", "merge", a.number, b.number, "--by", "sofia", "--pin-stdin", input="8642\n")
    assert again.exit_code == 2 and again.stderr.strip() == f"deskapp: Customer {b.number} was already merged into {a.number}."
    found = run(db_url, "customers", "search", b.number, "--json")
    assert [c["number"] for c in json.loads(found.stdout)] == [a.number]
    assert "sofia" in [e.staff for e in AuditEvent.select().where(AuditEvent.action == "customer_merge")]


# -- erasure -----------------------------------------------------------------------------------------

def test_erasure_leaves_no_personal_value_in_any_column_of_any_table(ready, clock):
    cid, values = person(ready, clock, "Zebulon Quixote", phone="912 345 678", email="zebulon.q@example.org",
                         account="PT50000201231234567890154", seed=7)
    bystander, kept = person(ready, clock, "Wilhelmina Oakridge", phone="913 999 888", email="wil@example.net",
                             account="PT50000201231234567890199", seed=8, born="1980-02-03", words="Tamarind")
    # Where the customer asked to be told: a booking's contact, a ticket's "tell me when it's my turn".
    from deskapp.core import appointments as ap
    from deskapp.db.models import TicketContact

    ap.book(ready, Customer.get_by_id(cid).number, "LOAN", "2026-03-10T14:00", by="rita", email=values["email"])
    told = q.issue(ready, "INFO", customer_id=cid).ticket
    TicketContact.create(ticket=told.id, email=values["email"], created_at=ready.now())
    # and the messages to them: one still to send, one sent (a bystander's stays as it is).
    from deskapp.core.notify.outbox import enqueue
    from deskapp.db.models import Appointment, NotificationOutbox

    code = Appointment.get(Appointment.customer == cid).code
    enqueue("ticket_called", "email", values["email"], {"number": told.number}, f"t{told.id}:ticket_called:email",
            branch_id=ready.branch_id, now=ready.now())
    enqueue("booking_confirmed", "sms", values["phone"], {"customer": "Zebulon"}, f"b{code}:booking_confirmed:sms",
            branch_id=ready.branch_id, now=ready.now())
    enqueue("booking_confirmed", "email", kept["email"], {"customer": "Wilhelmina"}, "bZZZZZZ:booking_confirmed:email",
            branch_id=ready.branch_id, now=ready.now())
    NotificationOutbox.update(status="sent").where(NotificationOutbox.kind == "booking_confirmed").execute()
    needles = [*values.values(), "zebulon", "quixote"]
    # The scan finds them before (so it is able to), the bystander's values both before and after.
    assert holding(needles) and holding(["oakridge", "tamarind"])
    number = Customer.get_by_id(cid).number
    figures = (Ticket.select().where(Ticket.customer == cid).count(),
               [f.csat for f in Feedback.select().where(Feedback.customer == cid)],
               [i.duration_seconds for i in Interaction.select().where(Interaction.customer == cid)])

    if not is_postgres():
        db.execute_sql("PRAGMA secure_delete = OFF")  # as SQLite builds without it by default leave it
    result = erasure.erase(ready, SUPERVISOR, cid, "art. 17 request of 2026-03-10")

    assert holding(needles) == []
    if not is_postgres():  # nor in the file's free space (PostgreSQL: dead rows until vacuum)
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        raw = b"".join(p.read_bytes().lower() for p in Path(db.database).parent.glob(Path(db.database).name + "*"))
        assert b"oakridge" in raw  # the scan reads the file
        assert [n for n in ("zebulon", "quixote", values["email"], values["address"].lower()) if n.encode() in raw] == []
    assert holding(["oakridge", "tamarind", kept["nid"], kept["account"], kept["step"]]) != []
    assert "notification_outbox.payload: wilhelmina" in holding(["wilhelmina"]) and holding([kept["email"]])
    sent = NotificationOutbox.get(NotificationOutbox.idempotency_key == f"b{code}:booking_confirmed:sms")
    assert (sent.status, sent.payload) == ("sent", "{}")  # the record of a message sent stays, empty
    assert not NotificationOutbox.select().where(NotificationOutbox.idempotency_key.startswith("t")).exists()
    assert search_customers("zebulon") == [] and search_customers(values["phone"]) == []
    assert search_customers(values["nid"]) == []
    assert [c for c, _ in search_customers("wilhelmina")] == [bystander]
    # The number and the anonymous figures stay.
    row = Customer.get_by_id(cid)
    assert row.number == number and row.erased_at is not None and not row.active
    assert figures == (Ticket.select().where(Ticket.customer == cid).count(),
                       [f.csat for f in Feedback.select().where(Feedback.customer == cid)],
                       [i.duration_seconds for i in Interaction.select().where(Interaction.customer == cid)])
    step = StepRecord.select().join(Ticket).where((Ticket.customer == cid) & (StepRecord.step_id == "request")).get()
    assert json.loads(step.values) == {"action": "replace", "reason": None, "waive_fee": False}
    event = AuditEvent.select().where(AuditEvent.action == "customer_erase").get()
    assert event.entity_id == str(cid) and f"number={number}" in event.detail and "art. 17 request" in event.detail
    assert result.anonymised["customer_phone"] == 1 and result.kept == ()
    with pytest.raises(erasure.ErasureRefused, match="already erased"):
        erasure.erase(ready, SUPERVISOR, cid, "again")


def test_a_retention_rule_keeps_products_through_erasure(config, db_url, clock):
    keep_products = config.model_copy(update={"retention": config.retention.model_copy(
        update={"keep_on_erasure": ["products"]})})
    ctx = open_context(keep_products, db_url, clock)
    try:
        cid = customer_edit.create(ctx, SUPERVISOR, CustomerDraft(name="Olga Brandt", email="olga@example.org"),
                                   force=True).id
        customer_records.add_product(ctx, SUPERVISOR, cid, "mortgage", "2019-05-06", account_number="DE89370400440532013000")
        result = erasure.erase(ctx, SUPERVISOR, cid, "request by letter")
        assert result.kept == ("products",)
        assert holding(["DE89370400440532013000"]) == ["product.account_number: de89370400440532013000"]
        assert holding(["olga", "brandt"]) == []
    finally:
        database.close()


def test_a_legal_hold_blocks_erasure_until_cleared_and_both_are_audited(ready, clock):
    cid = customer_edit.create(ready, SUPERVISOR, CustomerDraft(name="Hugo Lamb", email="hugo@example.org"),
                               force=True).id
    with pytest.raises(Forbidden):
        erasure.set_hold(ready, MANAGER, cid, "court order 12/2026")
    with pytest.raises(erasure.ErasureRefused, match="personal data"):
        erasure.set_hold(ready, SUPERVISOR, cid, "Hugo Lamb's divorce case")
    erasure.set_hold(ready, SUPERVISOR, cid, "court order 12/2026")
    with pytest.raises(erasure.ErasureRefused, match="legal hold"):
        erasure.erase(ready, SUPERVISOR, cid, "request by e-mail")
    assert Customer.get_by_id(cid).name == "Hugo Lamb"
    erasure.clear_hold(ready, SUPERVISOR, cid)
    with pytest.raises(erasure.ErasureRefused, match="personal data"):
        erasure.erase(ready, SUPERVISOR, cid, "request from hugo@example.org")
    erasure.erase(ready, SUPERVISOR, cid, "request by e-mail")
    assert [e.action for e in AuditEvent.select().where(AuditEvent.entity_id == str(cid)).order_by(AuditEvent.id)
            if e.action.startswith("customer_")] == ["customer_create", "customer_hold", "customer_hold_cleared",
                                                     "customer_erase"]


def test_erase_hold_and_export_one_on_the_command_line(ready, db_url, clock, tmp_path):
    cid, values = person(ready, clock, "Zebulon Quixote", phone="912 345 678", email="zebulon.q@example.org",
                         account="PT50000201231234567890154", seed=7)
    number = Customer.get_by_id(cid).number
    out = tmp_path / "subject.json"
    teller = run(db_url, "customers", "export-one", number, "--by", "ana", "--pin-stdin", "--output", str(out),
                 input="2580\n")
    assert teller.exit_code == 1 and "may export everything held about a customer" in teller.stderr
    done = run(db_url, "customers", "export-one", number, "--by", "pedro", "--pin-stdin", "--output", str(out),
               input="1357\n")
    assert done.exit_code == 0, done.output
    data = json.loads(out.read_text(encoding="utf-8"))
    text = out.read_text(encoding="utf-8")
    assert data["customer"]["national_id"] == values["nid"]  # in full: it is the customer's own
    assert all(v in text for v in values.values() if v != values["phone"]) and "351912345678" in text
    assert {"product", "interaction", "need", "life_event", "ticket", "follow_up", "feedback", "offer_decision",
            "customer_phone", "step_record", "audit"} <= {k for k, v in data.items() if v}
    exported = AuditEvent.select().where(AuditEvent.action == "customer_export_one").get()
    assert exported.staff == "pedro" and values["nid"] not in exported.detail
    held = run(db_url, "customers", "hold", number, "--reason", "court order 7", "--by", "sofia", "--pin-stdin",
               input="8642\n")
    assert held.exit_code == 0, held.output
    refused = run(db_url, "customers", "erase", number, "--reason", "asked", "--by", "sofia", "--pin-stdin",
                  input="8642\n")
    assert refused.exit_code == 2 and "legal hold" in refused.stderr and refused.stderr.count("\n") == 1
    assert run(db_url, "customers", "hold", number, "--clear", "--by", "sofia", "--pin-stdin",
               input="8642\n").exit_code == 0
    erased = run(db_url, "customers", "erase", number, "--reason", "asked in branch", "--by", "sofia", "--pin-stdin",
                 input="8642\n")
    assert erased.exit_code == 0, erased.output
    assert holding([*values.values(), "zebulon", "quixote"]) == []


# -- retention ---------------------------------------------------------------------------------------

def test_retention_periods_blank_and_unlink_only_what_is_older(config, db_url, clock):
    periods = config.model_copy(update={"retention": config.retention.model_copy(update={
        "feedback_comment_months": 12, "interaction_note_months": 24, "step_value_months": 6,
        "ticket_customer_years": 5})})
    ctx = open_context(periods, db_url, clock)
    try:
        for login, pin in PINS.items():
            auth.set_pin(ctx, login, pin)
        old, old_values = person(ctx, clock, "Zebulon Quixote", phone="912 345 678", email="zebulon.q@example.org",
                                 account="PT50000201231234567890154", seed=7)
        # Make the old customer's data old: six years back.
        six_years = dt.timedelta(days=6 * 366)
        for model, column in ((Ticket, Ticket.issued_at), (Feedback, Feedback.at), (Interaction, Interaction.at),
                              (StepRecord, StepRecord.committed_at)):
            for row in model.select():
                model.update({column: getattr(row, column.name) - six_years}).where(model.id == row.id).execute()
        new, new_values = person(ctx, clock, "Wilhelmina Oakridge", phone="913 999 888", email="wil@example.net",
                                 account="PT50000201231234567890199", seed=8, words="Tamarind")
        dry = {r.rule: r.rows for r in retention.run(ctx, dry_run=True)}
        # One comment, one call (a served ticket's interaction holds nothing typed), two steps (the card
        # request and the abandoned step's reason), two tickets.
        assert dry == {"feedback_comment_months": 1, "interaction_note_months": 1, "step_value_months": 2,
                       "ticket_customer_years": 2}
        assert holding([old_values["comment"], old_values["note"], old_values["step"], old_values["abandoned"]]) != []
        done = {r.rule: r.rows for r in retention.run(ctx)}
        assert done == dry
        assert holding([old_values["comment"], old_values["note"], old_values["outcome"], old_values["step"],
                        old_values["abandoned"]]) == []
        assert Ticket.select().where(Ticket.customer == old).count() == 0
        assert Feedback.select().where(Feedback.customer == old).count() == 0
        assert Feedback.select().where(Feedback.csat == 1).count() == 2  # the scores stay
        assert holding([new_values["comment"], new_values["note"], new_values["step"]]) != []
        assert Ticket.select().where(Ticket.customer == new).count() == 2
        assert {r.rule: r.rows for r in retention.run(ctx)} == dict.fromkeys(dry, 0)
        assert AuditEvent.select().where(AuditEvent.action == "retention_run").count() == 2
    finally:
        database.close()


def test_retention_blanks_messages_sent_and_contacts_older_than_the_period(config, db_url, clock):
    from deskapp.core.notify.outbox import enqueue
    from deskapp.db.models import NotificationOutbox, TicketContact

    periods = config.model_copy(update={"retention": config.retention.model_copy(update={"notification_months": 3})})
    ctx = open_context(periods, db_url, clock)
    try:
        now, long_ago = ctx.now(), ctx.now() - dt.timedelta(days=200)
        old_ticket, new_ticket = (q.issue(ctx, "INFO").ticket.id for _ in range(2))
        TicketContact.create(ticket=old_ticket, phone="+351912345678", created_at=long_ago)
        TicketContact.create(ticket=new_ticket, phone="+351913999888", created_at=now)
        for key, at, status in (("t1:ticket_called:sms", long_ago, "sent"), ("t2:ticket_called:sms", long_ago, "dead"),
                                ("t3:ticket_called:sms", long_ago, "pending"), ("t4:ticket_called:sms", now, "sent")):
            enqueue("ticket_called", "sms", "+351912345678", {"number": "A001"}, key, branch_id=ctx.branch_id, now=at)
            NotificationOutbox.update(status=status).where(NotificationOutbox.idempotency_key == key).execute()

        assert {r.rule: r.rows for r in retention.run(ctx, dry_run=True)} == {"notification_months": 3}
        assert {r.rule: r.rows for r in retention.run(ctx)} == {"notification_months": 3}

        left = {m.idempotency_key[:2]: (m.recipient, m.payload) for m in NotificationOutbox.select()}
        assert left["t1"] == left["t2"] == (erasure.ERASED_NAME, "{}")
        assert left["t3"][0] == left["t4"][0] == "+351912345678"  # still due; too recent
        assert [c.ticket_id for c in TicketContact.select()] == [new_ticket]
        assert {r.rule: r.rows for r in retention.run(ctx)} == {"notification_months": 0}
    finally:
        database.close()


def test_retention_config_is_validated_with_line_and_column(tmp_path):
    text = CONFIG.read_text(encoding="utf-8") + "\nretention:\n  feedback_comment_months: 0\n  keep_on_erasure: [tickets]\n"
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "workflows.yaml").write_text((CONFIG.parent / "workflows.yaml").read_text(encoding="utf-8"),
                                             encoding="utf-8")
    _, errors = check_config(path)
    lines = text.count("\n")
    shown = [str(e) for e in errors]
    assert any(f":{lines - 1}:28:" in s and "at least 1" in s for s in shown), shown
    assert any(f":{lines}:21:" in s and "products" in s for s in shown), shown


def test_an_import_gives_no_new_data_to_a_record_merged_away_or_erased(ready, tmp_path):
    a = customer_edit.create(ready, SUPERVISOR, CustomerDraft(name="Ivo Sena"), force=True)
    b = customer_edit.create(ready, SUPERVISOR, CustomerDraft(name="Ivo P. Sena"), force=True)
    c = customer_edit.create(ready, SUPERVISOR, CustomerDraft(name="Eva Rosa"), force=True)
    merge.merge(ready, SUPERVISOR, a.id, b.id)
    erasure.erase(ready, SUPERVISOR, c.id, "request by letter")
    path = tmp_path / "in.csv"
    path.write_text(f"number,name,email\n{b.number},Ivo Sena,ivo@example.org\n{c.number},Eva Rosa,eva@example.org\n",
                    encoding="utf-8")
    report = customer_io.import_csv(ready, path)
    assert report.errors == [(2, f"number: customer {b.number} was merged into another record; it takes no new data"),
                             (3, f"number: customer {c.number} was erased; it takes no new data")]
    assert Customer.get_by_id(b.id).email is None and Customer.get_by_id(c.id).name == erasure.ERASED_NAME
    # Nor does an export list them.
    out = tmp_path / "out.csv"
    assert customer_io.export_csv(ready, SUPERVISOR, out) == 1
    assert a.number in out.read_text(encoding="utf-8") and b.number not in out.read_text(encoding="utf-8")
