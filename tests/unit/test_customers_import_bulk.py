"""The import's batch writes (core/customer_bulk.py): customers written a batch at a time are found
by search exactly as customers saved one by one, a batch the database refuses leaves nothing of
itself, and customer numbers handed out in a batch never collide with those the file gives.
On SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import random

import peewee
import pytest

from deskapp.core.customers import edit as customer_edit
from deskapp.core.customers import io as customer_io
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.demo.branch import national_id
from deskapp.core.security.auth import Session
from deskapp.db.database import db, is_postgres
from deskapp.db.models import Customer, CustomerPhone
from deskapp.db.search import search_customers

BOSS = Session("sofia", "Sofia Almeida", "supervisor")
_rng = random.Random(11)

# name, phone as written in the file
PEOPLE = [
    ("Jürgen Groß", "+49 30 1234 5678"),
    ("Zoë Ødegård Conceição", "912 345 601"),
    ("Łukasz Wójcik", "00351 213 555 602"),
    ("Ana MÜLLER", "961-000-603"),
    ("Mehmet Yılmaz", "(351) 931 000 604"),
    ("Maria do Céu Gonçalves", "+351 969 100 605"),
    ("José Müller", "925 111 606"),
    ("Rosa 😀 𝔔uintão", "913 000 607"),
]


def write(path, rows, header=("name", "national_id", "phone")) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def ids(text: str) -> set[int]:
    return {cid for cid, _ in search_customers(text, limit=50)}


def fts_intact() -> None:
    """SQLite: FTS5 checks its index against the customer and phone tables, row by row."""
    if not is_postgres():
        for table in ("customer_name_fts", "customer_phone_fts"):
            db.execute_sql(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")


def test_search_finds_imported_customers_as_it_finds_customers_saved_one_by_one(ctx, tmp_path, monkeypatch):
    monkeypatch.setattr(customer_io, "BATCH", 3)  # several batches, the last one short
    nids = [national_id(_rng) for _ in PEOPLE]
    path = tmp_path / "people.csv"
    write(path, [(name, nid, phone) for (name, phone), nid in zip(PEOPLE, nids)])
    report = customer_io.import_csv(ctx, path)
    assert (report.created, report.errors) == (len(PEOPLE), [])
    imported = {c.national_id: c.id for c in Customer.select()}
    assert sorted(n for (n,) in Customer.select(Customer.name).tuples()) == sorted(n for n, _ in PEOPLE)
    # The same names saved through the customer form, one by one (the triggers' own path).
    twins = {name: customer_edit.create(ctx, BOSS, CustomerDraft(name=name), force=True).id for name, _ in PEOPLE}
    fts_intact()
    by_name = {name: imported[nid] for (name, _), nid in zip(PEOPLE, nids)}
    for typed, names in [
        ("gross", ["Jürgen Groß"]), ("jurg gro", ["Jürgen Groß"]), ("groß", ["Jürgen Groß"]),
        ("zoe odeg", ["Zoë Ødegård Conceição"]), ("conceicao", ["Zoë Ødegård Conceição"]),
        ("lukasz", ["Łukasz Wójcik"]), ("wojc", ["Łukasz Wójcik"]),
        ("müller", ["Ana MÜLLER", "José Müller"]), ("mull", ["Ana MÜLLER", "José Müller"]),
        ("yilmaz", ["Mehmet Yılmaz"]), ("goncalves ceu", ["Maria do Céu Gonçalves"]),
        ("rosa quint", ["Rosa 😀 𝔔uintão"]),
    ]:
        expected = {by_name[n] for n in names} | {twins[n] for n in names}
        assert ids(typed) == expected, typed
    # Phones by any digits (trigram index), whole numbers without the country code, ID tails.
    assert ids("1234 5678") == {by_name["Jürgen Groß"]}
    assert ids("5556") == {by_name["Łukasz Wójcik"]}
    assert ids("931 000 604") == {by_name["Mehmet Yılmaz"]}
    assert ids("+351 969 100 605") == {by_name["Maria do Céu Gonçalves"]}
    for (name, _), nid in zip(PEOPLE, nids):
        assert by_name[name] in ids(nid[-4:])
        assert ids(nid) == {by_name[name]}
    phones = {c: sorted(d for (d,) in CustomerPhone.select(CustomerPhone.digits).where(CustomerPhone.customer == c)
                        .tuples()) for c in by_name.values()}
    assert phones[by_name["Łukasz Wójcik"]] == ["351213555602"]
    assert phones[by_name["Jürgen Groß"]] == ["493012345678"]

    again = customer_io.import_csv(ctx, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(PEOPLE))
    fts_intact()


@pytest.fixture
def refuse_phone(ctx):
    """A database trigger refusing one phone number: the database itself fails a batch midway."""
    if is_postgres():
        db.execute_sql("CREATE FUNCTION refuse_phone() RETURNS trigger AS $$ BEGIN "
                       "IF NEW.digits = '351910000007' THEN RAISE EXCEPTION 'phone refused'; END IF; "
                       "RETURN NEW; END $$ LANGUAGE plpgsql")
        db.execute_sql("CREATE TRIGGER refuse_phone BEFORE INSERT ON customer_phone FOR EACH ROW "
                       "EXECUTE FUNCTION refuse_phone()")
    else:
        db.execute_sql("CREATE TRIGGER refuse_phone BEFORE INSERT ON customer_phone "
                       "WHEN new.digits = '351910000007' BEGIN SELECT RAISE(ABORT, 'phone refused'); END")
    on_table = " ON customer_phone" if is_postgres() else ""
    drop = lambda: db.execute_sql(f"DROP TRIGGER IF EXISTS refuse_phone{on_table}")
    yield drop
    drop()


def test_a_batch_the_database_refuses_leaves_nothing_of_itself(ctx, tmp_path, monkeypatch, refuse_phone):
    monkeypatch.setattr(customer_io, "BATCH", 4)
    nids = [national_id(_rng) for _ in range(10)]
    path = tmp_path / "ten.csv"
    # Row 8 of the file (the 7th customer, in the second batch of four) has the refused phone.
    write(path, [(f"Cliente Lote {chr(65 + i)}", nid, f"91{i + 1:07d}") for i, nid in enumerate(nids)])
    with pytest.raises(peewee.PeeweeException, match="phone refused"):
        customer_io.import_csv(ctx, path)
    saved = {nid for (nid,) in Customer.select(Customer.national_id).tuples()}
    assert saved == set(nids[:4])  # the first batch is in; of the second, nothing
    assert CustomerPhone.select().count() == 4
    fts_intact()
    assert ids("cliente lote") == {c.id for c in Customer.select()}
    assert ids("9100 0000 5") == set() == ids(nids[4])

    refuse_phone()  # the trigger dropped: the same file again
    report = customer_io.import_csv(ctx, path)
    assert (report.created, report.unchanged, report.errors) == (6, 4, [])
    assert {nid for (nid,) in Customer.select(Customer.national_id).tuples()} == set(nids)
    assert ids("9100 0000 7") == {Customer.get(Customer.national_id == nids[6]).id}
    fts_intact()


def test_numbers_given_to_new_customers_skip_those_the_file_brings(ctx, tmp_path):
    upcoming = int(customer_edit.next_number())
    taken = [f"{upcoming + k:08d}" for k in (0, 2)]
    nids = [national_id(_rng) for _ in range(4)]
    path = tmp_path / "numbers.csv"
    write(path, [("", "Sem Numero Um", nids[0]), (taken[0], "Com Numero", nids[1]),
                 ("", "Sem Numero Dois", nids[2]), (taken[1], "Com Outro", nids[3])],
          header=("number", "name", "national_id"))
    report = customer_io.import_csv(ctx, path)
    assert (report.created, report.errors) == (4, [])
    numbers = dict(Customer.select(Customer.name, Customer.number).tuples())
    assert (numbers["Com Numero"], numbers["Com Outro"]) == tuple(taken)
    assert numbers["Sem Numero Um"] == f"{upcoming + 1:08d}"
    assert numbers["Sem Numero Dois"] == f"{upcoming + 3:08d}"


def test_a_column_named_twice_is_read_from_its_first_place(ctx, tmp_path):
    nid = national_id(_rng)
    path = tmp_path / "twice.csv"
    write(path, [(nid, "First Name", "Second Name")], header=("national_id", "name", "Name"))
    report = customer_io.import_csv(ctx, path)
    assert report.created == 1
    assert report.errors == [(1, "column 'name' appears twice; the first is used")]
    assert Customer.get(Customer.national_id == nid).name == "First Name"
