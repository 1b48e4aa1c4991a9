"""Likely duplicate customers (#18 item 2): warned at create and edit, reported by the import, and
listed over the whole base by `deskapp customers duplicates`. SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from deskapp.cli import main
from deskapp.core.customers import duplicates
from deskapp.core.customers import edit as customer_edit
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.security.auth import Session
from tests.conftest import CONFIG

BOSS = Session("sofia", "Sofia Almeida", "supervisor")
BORN = dt.date(1980, 3, 7)


def add(ctx, name, birth=BORN, **kw) -> int:
    return customer_edit.create(ctx, BOSS, CustomerDraft(name=name, birth_date=birth, **kw), force=True).id


def warned(ctx, name, birth=BORN, **kw) -> dict[int, tuple[str, ...]]:
    """The customers a new record is warned about, with the reasons; {} when it is saved."""
    try:
        customer_edit.create(ctx, BOSS, CustomerDraft(name=name, birth_date=birth, **kw))
    except customer_edit.PossibleDuplicates as exc:
        return {c.id: exc.reasons[c.id] for c in exc.candidates}
    return {}


def run(db_url, *args):
    return CliRunner().invoke(main, ["--config", str(CONFIG), "--db", db_url, *args], catch_exceptions=False)


def test_a_misspelt_name_with_the_same_birth_date_is_warned(ctx):
    john = add(ctx, "John Smith")
    assert warned(ctx, "Jonh Smiht") == {john: ("similar name", "same birth date")}
    assert warned(ctx, "Smith John", BORN + dt.timedelta(days=1)) == {john: ("same name", "birth date one day off")}
    assert warned(ctx, "John Smith", dt.date(1980, 7, 3)) == {john: ("same name", "birth date day and month swapped")}


def test_the_same_name_one_day_off_is_warned_and_other_spellings_count_as_the_same(ctx):
    mueller = add(ctx, "Jürgen Müller")
    assert warned(ctx, "Juergen Mueller", BORN - dt.timedelta(days=1)) == {
        mueller: ("same name", "birth date one day off")}


def test_the_same_e_mail_or_phone_is_warned_whatever_the_name(ctx):
    ana = add(ctx, "Ana Costa", email="ana@example.com", phones=["912 345 678"])
    assert warned(ctx, "Rita Lopes", dt.date(1999, 1, 1), email="ANA@example.com") == {ana: ("same e-mail",)}
    assert warned(ctx, "Rita Lopes", None, phones=["912345678"]) == {ana: ("same phone",)}


def test_different_people_are_not_warned(ctx):
    add(ctx, "John Smith")
    assert warned(ctx, "Mary Jones") == {}  # same birth date, another name
    assert warned(ctx, "John Smith", dt.date(1980, 3, 9)) == {}  # two days off
    assert warned(ctx, "John Smith", None) == {}  # no birth date to compare


def test_the_warning_message_names_the_reasons(ctx):
    add(ctx, "John Smith")
    with pytest.raises(customer_edit.PossibleDuplicates, match=r"John Smith \(similar name, same birth date\)"):
        customer_edit.create(ctx, BOSS, CustomerDraft(name="Jonh Smiht", birth_date=BORN))


def test_an_edit_that_makes_a_duplicate_is_warned(ctx):
    john = add(ctx, "John Smith")
    other = add(ctx, "Peter Brown", dt.date(1990, 1, 1))
    with pytest.raises(customer_edit.PossibleDuplicates):
        customer_edit.update(ctx, BOSS, other, CustomerDraft(name="Jon Smith", birth_date=BORN))
    assert john != other


@pytest.fixture
def base(ctx):
    """Planted duplicates among unrelated customers, some sharing a birth date, a phone or a name."""
    ids = {
        "john": add(ctx, "John Smith"),
        "jonh": add(ctx, "Jonh Smiht"),
        "maria": add(ctx, "Maria Silva", dt.date(1975, 12, 31)),
        "maria2": add(ctx, "Maria Sliva", dt.date(1976, 1, 1)),  # a day off, across a year
        "hans": add(ctx, "Hans Müller", dt.date(1960, 4, 5)),
        "hans2": add(ctx, "Hans Mueller", dt.date(1960, 5, 4)),  # day and month swapped
        "ana": add(ctx, "Ana Costa", dt.date(1991, 1, 1), phones=["912 000 111"]),
        "ana2": add(ctx, "Ana Kosta", dt.date(1950, 6, 6), phones=["912 000 111"]),  # phone, no date
        "rui": add(ctx, "Rui Lopes", dt.date(1985, 8, 8), email="rui@example.com"),
        "rui2": add(ctx, "Rui Lopez", None, email="rui@example.com"),
        # Not duplicates: same birth date, other names; same phone, another name; same name, far dates.
        "mary": add(ctx, "Mary Jones"),
        "paul": add(ctx, "Paul Green", dt.date(1991, 1, 1), phones=["912 000 111"]),
        "john3": add(ctx, "John Smith", dt.date(1950, 1, 1)),
    }
    return ids


def test_the_scan_finds_the_planted_pairs_and_nothing_else(ctx, base):
    found = {(p.first, p.second): p for p in duplicates.scan()}
    expected = {
        ("john", "jonh"): ("similar name", "same birth date"),
        ("maria", "maria2"): ("similar name", "birth date one day off"),
        ("hans", "hans2"): ("same name", "birth date day and month swapped"),
        ("ana", "ana2"): ("similar name", "same phone"),
        ("rui", "rui2"): ("similar name", "same e-mail"),
    }
    assert {pair: p.reasons for pair, p in found.items()} == {(base[a], base[b]): r for (a, b), r in expected.items()}
    for pair in found.values():
        assert pair.score == duplicates.score(pair.reasons)
    scores = [p.score for p in duplicates.scan()]
    assert scores == sorted(scores, reverse=True)


def test_customers_duplicates_command(ctx, base, db_url):
    result = run(db_url, "customers", "duplicates", "--json", "--limit", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["total"] == 5 and len(data["pairs"]) == 2
    assert data["pairs"][0]["score"] >= data["pairs"][1]["score"]
    text = run(db_url, "customers", "duplicates").stdout
    assert "Hans Müller" in text and "birth date day and month swapped" in text
    assert "Paul Green" not in text


def test_import_reports_likely_duplicates_and_still_imports_them(ctx, db_url, tmp_path):
    john = add(ctx, "John Smith", phones=["912 222 333"])
    path = tmp_path / "new.csv"
    path.write_text("name,number,birth_date,phone\n"
                    "Jonh Smiht,X1,1980-03-07,\n"
                    "John Smith,X2,1980-03-08,\n"
                    "Someone Else,X3,1980-03-07,912 222 333\n"
                    "Mary Jones,X4,1980-03-07,\n", encoding="utf-8")
    result = run(db_url, "customers", "import", str(path), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    number = customer_edit.summary(ctx, john).number
    assert data["created"] == 4
    assert data["possible_duplicates"] == [
        {"row": 2, "customer": number, "reasons": ["similar name", "same birth date"]},
        {"row": 3, "customer": number, "reasons": ["same name", "birth date one day off"]},
        {"row": 4, "customer": number, "reasons": ["same phone"]},
    ]
    assert f"new.csv:2: may be customer {number} already on file (similar name, same birth date)" in result.stderr


def test_name_relation():
    assert duplicates.name_relation("john smith", "smith john") == "same name"
    assert duplicates.name_relation("maria silva", "silvia mraia") == "similar name"
    assert duplicates.name_relation("maria silva", "maria jose silva") is None  # a word more: too common
    assert duplicates.name_relation("john", "john smith") is None
    assert duplicates.name_relation("mary jones", "john smith") is None
