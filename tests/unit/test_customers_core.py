"""Customer records in core: validation, duplicates, the 360 and its alerts, records over time, the
role matrix, and an audit trail that never holds a sensitive value and that the database keeps."""
from __future__ import annotations

import datetime as dt
import random

import peewee
import pytest

from deskapp.config.load import check_config
from deskapp.core import queue as q
from deskapp.core.customers import directory as customers
from deskapp.core.customers import edit as customer_edit
from deskapp.core.customers import followups
from deskapp.core.customers import io as customer_io
from deskapp.core.customers import records as customer_records
from deskapp.core.customers.rules import CustomerDraft, CustomerInvalid, check, luhn_ok, mod11_ok, normalise_phone
from deskapp.core.demo.branch import national_id
from deskapp.core.security.auth import Forbidden, Session
from deskapp.db.database import db, is_postgres
from deskapp.db.models import AuditEvent, Customer, CustomerPhone, Interaction, Product
from tests.conftest import CONFIG, T0

GREETER = Session("rita", "Rita Marques", "greeter")
TELLER = Session("ana", "Ana Costa", "teller")
SUPERVISOR = Session("sofia", "Sofia Almeida", "supervisor")
MANAGER = Session("pedro", "Pedro Nunes", "manager")
SESSIONS = {s.role: s for s in (GREETER, TELLER, SUPERVISOR, MANAGER)}
TODAY = T0.date()
_rng = random.Random(11)


def nif() -> str:
    return national_id(_rng)


def draft(**values) -> CustomerDraft:
    base = dict(name="Maria Silva", national_id=nif(), birth_date="1980-05-31", phones=["912 345 678"],
                email="maria@example.com", segment="mass")
    base.update(values)
    return CustomerDraft(**base)


# -- validation (no database) --------------------------------------------------------------------

def test_check_digits():
    assert mod11_ok("123456789") and not mod11_ok("123456780")
    assert all(mod11_ok(national_id(random.Random(n))) for n in range(200))
    assert luhn_ok("79927398713") and not luhn_ok("79927398710")


@pytest.mark.parametrize("typed, stored", [
    ("912 345 678", "351912345678"), ("912-345-678", "351912345678"), ("+351 912 345 678", "351912345678"),
    ("00351912345678", "351912345678"), ("351912345678", "351912345678"), ("+44 20 7946 0958", "442079460958"),
    ("(21) 300 0999", "351213000999"),
])
def test_phones_are_stored_as_digits_with_the_country_code(config, typed, stored):
    assert normalise_phone(config, typed) == stored


@pytest.mark.parametrize("values, field, words", [
    ({"name": "  "}, "name", "needs a name"),
    ({"name": "😀😀"}, "name", "needs letters"),
    ({"name": "x" * 201}, "name", "at most 200"),
    ({"national_id": "12345"}, "national_id", "cannot have 5 characters"),
    ({"national_id": "123456780"}, "national_id", "check digit"),
    ({"national_id": "ABCDEFGHI"}, "national_id", "not written as a NIF"),
    ({"birth_date": "31/13/1980"}, "birth_date", "not a date"),
    ({"birth_date": "2026-02-30"}, "birth_date", "not a date"),
    ({"birth_date": "2026-03-11"}, "birth_date", "future"),
    ({"birth_date": "1900-01-01"}, "birth_date", "older than 120"),
    ({"phones": ["12 34"]}, "phones", "too few digits"),
    ({"phones": ["call me"]}, "phones", "not a phone number"),
    ({"phones": ["+1 2345 6789 0123 4567"]}, "phones", "too many digits"),
    ({"phones": ["900 001 234"]}, "phones", "not a phone number in use in PT"),
    ({"email": "maria@"}, "email", "not an email"),
    ({"email": "maria example.com"}, "email", "not an email"),
    ({"email": "a@b"}, "email", "not an email"),
    ({"segment": "vip"}, "segment", "choose one of"),
    ({"id_doc_type": "library_card"}, "id_doc_type", "choose one of"),
    ({"id_doc_expiry": "soon"}, "id_doc_expiry", "not a date"),
    ({"marketing_consent": "maybe"}, "marketing_consent", "yes or no"),
])
def test_each_problem_is_reported_on_its_field(config, values, field, words):
    with pytest.raises(CustomerInvalid) as caught:
        check(config, TODAY, draft(**values), new=True)
    assert words in caught.value.problems[field]


def test_every_problem_at_once_and_good_values_normalised(config):
    with pytest.raises(CustomerInvalid) as caught:
        check(config, TODAY, draft(name="", national_id="1", email="x", birth_date="2999-01-01"), new=True)
    assert set(caught.value.problems) == {"name", "national_id", "email", "birth_date"}
    checked = check(config, TODAY, draft(name=" josé   müller ", national_id="123 456-789", email="A@B.PT"), new=True)
    assert checked.values["name"] == "josé müller" and checked.values["name_folded"] == "jose muller"
    assert checked.values["national_id"] == "123456789" and checked.values["email"] == "a@b.pt"
    assert checked.phones == ["351912345678"]


def test_config_errors_in_the_customers_section_are_located(tmp_path):
    text = CONFIG.read_text() + "\n"
    text = text.replace("segments: [mass, affluent, premier, business]", "segments: [mass, affluent, mass]")
    text = text.replace("country: pt", "country: PT")
    text = text.replace("phone_region: PT", "phone_region: PX")
    text = text.replace("reveal_roles: [supervisor, manager]", "reveal_roles: [supervisor, boss]")
    path = tmp_path / "config.yaml"
    path.write_text(text)
    config, errors = check_config(path)
    assert config is None
    messages = [str(e) for e in errors]
    lines = text.splitlines()

    def line_of(fragment: str) -> int:
        return next(i for i, line in enumerate(lines, 1) if fragment in line)

    assert any(f":{line_of('country: ')}:" in m and "lower case" in m for m in messages), messages
    assert any(f":{line_of('phone_region')}:" in m and "ISO 3166" in m for m in messages), messages
    assert any(f":{line_of('reveal_roles: [')}:" in m and "boss" in m for m in messages), messages


def test_a_choice_listed_twice_is_located(tmp_path):
    text = CONFIG.read_text().replace("segments: [mass, affluent, premier, business]", "segments: [mass, affluent, mass]")
    path = tmp_path / "config.yaml"
    path.write_text(text)
    _, errors = check_config(path)
    line = next(i for i, text in enumerate(text.splitlines(), 1) if "segments: [" in text)
    mine = [(e.line, e.message) for e in errors if "customers." in e.message]
    assert mine == [(line, f"'mass' is listed twice in customers.segments (first at line {line})")]


# -- create and edit -----------------------------------------------------------------------------

def test_create_stores_everything_in_one_go(ctx):
    made = customer_edit.create(ctx, TELLER, draft(phones=["912 345 678", "+44 20 7946 0958"], marketing_consent=True))
    row = Customer.get_by_id(made.id)
    assert row.number == made.number and len(made.number) == 8
    assert row.name_folded == "maria silva" and row.marketing_consent and row.consent_at == T0
    assert row.consent_source == "branch"
    assert [p.digits for p in CustomerPhone.select().where(CustomerPhone.customer == row.id).order_by(CustomerPhone.id)] \
        == ["351912345678", "442079460958"]
    assert made.national_id.startswith("•") and made.national_id[-4:] == row.national_id[-4:]


def test_invalid_input_saves_nothing(ctx):
    before = (Customer.select().count(), CustomerPhone.select().count(), AuditEvent.select().count())
    with pytest.raises(CustomerInvalid):
        customer_edit.create(ctx, TELLER, draft(phones=["912 345 678", "nope"]))
    with pytest.raises(CustomerInvalid):
        customer_edit.create(ctx, TELLER, draft(manager="nobody"))
    assert (Customer.select().count(), CustomerPhone.select().count(), AuditEvent.select().count()) == before


def test_the_same_national_id_is_refused_naming_the_customer(ctx):
    first = customer_edit.create(ctx, TELLER, draft())
    nid = Customer.get_by_id(first.id).national_id
    with pytest.raises(customer_edit.DuplicateNationalId) as caught:
        customer_edit.create(ctx, TELLER, draft(name="Someone Else", national_id=nid, phones=[]), force=True)
    assert caught.value.existing.id == first.id
    assert first.number in caught.value.problems["national_id"]
    other = customer_edit.create(ctx, TELLER, draft(name="Rui Costa", phones=[], email=None, birth_date="1990-01-01"))
    with pytest.raises(customer_edit.DuplicateNationalId):
        customer_edit.update(ctx, TELLER, other.id, CustomerDraft(national_id=nid), force=True)


def test_a_shared_phone_or_a_similar_name_and_birth_date_needs_confirmation(ctx):
    first = customer_edit.create(ctx, TELLER, draft(name="Maria da Conceição Silva"))
    with pytest.raises(customer_edit.PossibleDuplicates) as caught:
        customer_edit.create(ctx, TELLER, draft(name="Other Person", birth_date="1970-01-01"))  # same phone
    assert [c.id for c in caught.value.candidates] == [first.id]
    with pytest.raises(customer_edit.PossibleDuplicates):
        customer_edit.create(ctx, TELLER, draft(name="Maria da Conceicao Silvia", phones=[]))  # a similar name, the same birth date
    count = Customer.select().count()
    customer_edit.create(ctx, TELLER, draft(name="Maria Conceicao Silva", birth_date="1981-05-31", phones=[], email=None))
    assert Customer.select().count() == count + 1  # another birth date, no phone or e-mail: no warning
    forced = customer_edit.create(ctx, TELLER, draft(name="Maria da Conceicao Silva", phones=[]), force=True)
    assert forced.id != first.id


def test_edit_changes_only_what_differs_and_audits_field_names(ctx):
    made = customer_edit.create(ctx, TELLER, draft())
    events = AuditEvent.select().count()
    same = CustomerDraft(name="Maria Silva", email="maria@example.com", phones=["+351 912 345 678"])
    customer_edit.update(ctx, TELLER, made.id, same)
    assert AuditEvent.select().count() == events  # nothing changed, nothing written
    customer_edit.update(ctx, TELLER, made.id, CustomerDraft(email="new@example.com", address="Rua Augusta 1"))
    last = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert (last.action, last.detail) == ("customer_edit", "fields=address,email")
    assert Customer.get_by_id(made.id).email == "new@example.com"


# -- the 360 -------------------------------------------------------------------------------------

def test_profile_alerts(ctx, clock):
    made = customer_edit.create(ctx, TELLER, draft(birth_date=TODAY.replace(year=1970)))
    Customer.update(id_doc_expiry=TODAY + dt.timedelta(days=10), kyc_review_due=TODAY - dt.timedelta(days=1)) \
        .where(Customer.id == made.id).execute()
    followups.create(ctx, source="complaint", reason="Card blocked twice", by="ana", customer_id=made.id)
    followups.create(ctx, source="manual", reason="Call back", by="ana", customer_id=made.id)
    view = customers.profile(ctx, TELLER, made.id)
    kinds = {a.kind for a in view.alerts}
    assert kinds == {"id_expiring", "kyc_overdue", "birthday", "complaint", "followup"}
    assert view.age == 56 and len(view.followups) == 2
    Customer.update(id_doc_expiry=TODAY - dt.timedelta(days=1), birth_date=dt.date(1970, 1, 1)) \
        .where(Customer.id == made.id).execute()
    kinds = {a.kind for a in customers.profile(ctx, TELLER, made.id).alerts}
    assert "id_expired" in kinds and "birthday" not in kinds


def test_records_show_in_the_profile(ctx):
    made = customer_edit.create(ctx, TELLER, draft())
    customer_records.add_note(ctx, TELLER, made.id, "Prefers email")
    customer_records.add_interaction(ctx, TELLER, made.id, "call", outcome="reached", duration_minutes=4, note="ok")
    need = customer_records.add_need(ctx, TELLER, made.id, "mortgage", "Buying a flat")
    customer_records.add_life_event(ctx, TELLER, made.id, "moved", "2026-02-01", "New address")
    product = customer_records.add_product(ctx, SUPERVISOR, made.id, "mortgage", "2026-03-01", "PT50 0000 1111 2222 3333 4")
    customer_records.set_need_status(ctx, TELLER, need, "met", met_by_product=product)
    view = customers.profile(ctx, TELLER, made.id)
    assert [(i.kind, i.outcome) for i in view.interactions] == [("call", "reached"), ("note", None)]  # newest first
    assert view.interactions[0].duration_seconds == 240
    assert [(n.category, n.status, n.met_by_product) for n in view.needs] == [("mortgage", "met", product)]
    assert [(e.kind, e.date) for e in view.life_events] == [("moved", dt.date(2026, 2, 1))]
    assert view.products[0].account_number.endswith("3334") and "•" in view.products[0].account_number
    with pytest.raises(CustomerInvalid):
        customer_records.add_need(ctx, TELLER, made.id, "yachts")
    with pytest.raises(CustomerInvalid):
        customer_records.add_interaction(ctx, TELLER, made.id, "telepathy")
    with pytest.raises(CustomerInvalid):
        customer_records.add_note(ctx, TELLER, made.id, "  ")


def test_each_served_ticket_leaves_one_service_interaction(ctx, clock):
    made = customer_edit.create(ctx, TELLER, draft())
    q.issue(ctx, "CASH", customer_id=made.id)
    q.call_next(ctx, "1", "ana")
    q.start(ctx, "1")
    clock.advance(minutes=5)
    q.complete(ctx, "1")
    q.issue(ctx, "CASH", customer_id=made.id)
    q.issue(ctx, "CASH")  # nobody identified: no interaction
    q.call_next(ctx, "1", "ana")
    q.start(ctx, "1")
    clock.advance(minutes=2)
    q.transfer(ctx, "1", "LOAN")
    q.call_next(ctx, "1", "ana")
    q.start(ctx, "1")
    q.complete(ctx, "1")
    rows = list(Interaction.select().order_by(Interaction.id))
    assert [(i.kind, i.service, i.outcome, i.duration_seconds) for i in rows] == [
        ("service", "CASH", "done", 300), ("service", "CASH", "transferred", 120)]
    assert rows[0].customer_id == made.id and rows[0].staff.login == "ana"


def test_a_transferred_tickets_interaction_is_written_once(ctx, clock):
    """record_service writes through the same guarded statement as complete: called again for the
    same ticket (a retry), it leaves the one row it wrote, with the times and outcome of the ticket."""
    made = customer_edit.create(ctx, TELLER, draft())
    first = q.issue(ctx, "CASH", customer_id=made.id).ticket
    q.call_next(ctx, "1", "ana")
    q.start(ctx, "1")
    clock.advance(minutes=3)
    q.transfer(ctx, "1", "LOAN")
    customer_records.record_service(first.id)
    rows = list(Interaction.select().where(Interaction.customer == made.id))
    assert [(i.kind, i.service, i.outcome, i.duration_seconds, i.ticket_id) for i in rows] == [
        ("service", "CASH", "transferred", 180, first.id)]
    assert rows[0].at == T0 + dt.timedelta(minutes=3) and rows[0].branch_id == ctx.branch_id


# -- roles and audit -----------------------------------------------------------------------------

MATRIX = {
    "search": {"greeter", "teller", "supervisor", "manager"},
    "view": {"teller", "supervisor", "manager"},
    "create": {"greeter", "teller", "supervisor", "manager"},
    "edit": {"teller", "supervisor", "manager"},
    "record": {"teller", "supervisor", "manager"},
    "reveal": {"supervisor", "manager"},
    "export": {"supervisor", "manager"},
}


@pytest.mark.parametrize("role", sorted(SESSIONS))
def test_role_matrix_in_core_each_action_audited_without_the_value(ctx, tmp_path, role):
    seed = customer_edit.create(ctx, SUPERVISOR, draft())
    account = "PT50000201231234567890154"
    product = customer_records.add_product(ctx, SUPERVISOR, seed.id, "current_account", "2020-01-01", account)
    session = SESSIONS[role]
    secret = Customer.get_by_id(seed.id).national_id
    new_nid = nif()
    actions = {
        "search": lambda: customers.search(ctx, session, secret),
        "view": lambda: customers.profile(ctx, session, seed.id),
        "create": lambda: customer_edit.create(ctx, session, draft(name="Rui Nunes", national_id=new_nid, phones=[], email=None,
                                                                   birth_date="1999-09-09")),
        "edit": lambda: customer_edit.update(ctx, session, seed.id, CustomerDraft(address=f"Rua {role}")),
        "record": lambda: customer_records.add_note(ctx, session, seed.id, f"note by {role}"),
        "reveal": lambda: (customers.reveal(ctx, session, seed.id, "national_id"),
                           customers.reveal(ctx, session, seed.id, "account_number", product_id=product)),
        "export": lambda: customer_io.export_csv(ctx, session, tmp_path / "out.csv", reveal=role in MATRIX["reveal"]),
    }
    audited = {"view": "customer_view", "create": "customer_create", "edit": "customer_edit",
               "reveal": "customer_reveal", "export": "customer_export", "record": "customer_interaction"}
    for action, run in actions.items():
        before = AuditEvent.select().where(AuditEvent.staff == session.login).count()
        if role in MATRIX[action]:
            result = run()
            if action == "reveal":
                assert result == (secret, account)
            if action in audited:
                last = AuditEvent.select().where(AuditEvent.staff == session.login).order_by(AuditEvent.id.desc()).first()
                assert last is not None and last.action == audited[action], action
        else:
            with pytest.raises(Forbidden):
                run()
            assert AuditEvent.select().where(AuditEvent.staff == session.login).count() == before, action
    sensitive = [secret, secret[-5:], new_nid, account, account[-8:]]
    for event in AuditEvent.select():
        text = f"{event.action} {event.entity} {event.entity_id} {event.detail}"
        assert not any(value in text for value in sensitive), text


def test_audit_rows_cannot_be_changed_or_deleted_even_with_raw_sql(ctx):
    customer_edit.create(ctx, TELLER, draft())
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    p = "%s" if is_postgres() else "?"
    for statement in (f"UPDATE audit_event SET detail = 'forged' WHERE id = {p}",
                      f"DELETE FROM audit_event WHERE id = {p}"):
        with pytest.raises(peewee.DatabaseError) as caught:
            with db.atomic():
                db.execute_sql(statement, (event.id,))
        assert "audit events cannot be changed or deleted" in str(caught.value)
    after = AuditEvent.get_by_id(event.id)
    assert (after.action, after.detail) == (event.action, event.detail)


def test_reveal_of_another_field_or_customer_is_refused(ctx):
    made = customer_edit.create(ctx, SUPERVISOR, draft())
    with pytest.raises(ValueError):
        customers.reveal(ctx, SUPERVISOR, made.id, "email")
    with pytest.raises(customers.CustomerNotFound):
        customers.reveal(ctx, SUPERVISOR, made.id + 999, "national_id")
    other = customer_edit.create(ctx, SUPERVISOR, draft(name="Rui", phones=[], email=None, birth_date="1999-01-01"))
    product = customer_records.add_product(ctx, SUPERVISOR, other.id, "savings", "2020-01-01", "PT5012345")
    with pytest.raises(customers.CustomerNotFound):
        customers.reveal(ctx, SUPERVISOR, made.id, "account_number", product_id=product)
    assert Product.select().count() == 1
