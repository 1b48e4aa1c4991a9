"""Phones with libphonenumber (stored in E.164, read with the branch's region, shown national at the
branch and international otherwise, found however typed) and national IDs with python-stdnum (by
country and kind); migration 0015 renormalising old numbers; check-config's deprecation notes."""
from __future__ import annotations

import datetime as dt
import logging
import shutil

import pytest
import stdnum.pt.nif
from click.testing import CliRunner

from deskapp.cli import main
from deskapp.config.load import check_config_notes, load_config
from deskapp.core.customers import directory as customers
from deskapp.core.customers import edit as customer_edit
from deskapp.core.customers.rules import (
    CustomerDraft,
    CustomerInvalid,
    check,
    format_national_id,
    format_phone,
    normalise_phone,
)
from deskapp.core.security.auth import Session
from deskapp.core.startup import open_context
from deskapp.db import database, migrate
from deskapp.db.models import CustomerPhone
from deskapp.db.search import DIGITS_INSIDE, EXACT_PHONE
from tests.conftest import CONFIG, T0
from tests.unit.test_migrations import _connect_empty

BOSS = Session("sofia", "Sofia Almeida", "supervisor")
TODAY = T0.date()
LEGACY_ID = ("    country: pt\n    kind: nif\n", '    pattern: "[0-9]{9}"\n    check: mod11\n')
REGION = "phone_region: PT"


def text_with(*replacements: tuple[str, str]) -> str:
    text = CONFIG.read_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text


def load(*replacements: tuple[str, str]):
    """The configuration of config.yaml with the replacements, and its deprecation notes."""
    config, errors, notes = check_config_notes(CONFIG, text=text_with(*replacements))
    assert errors == [], errors
    return config, notes


def problems_of(*replacements: tuple[str, str]) -> list[str]:
    config, errors, _ = check_config_notes(CONFIG, text=text_with(*replacements))
    assert config is None
    return [str(e) for e in errors]


def line_col(text: str, fragment: str) -> tuple[int, int]:
    """Line and column (from 1) where the value `fragment` stands in the text."""
    for number, line in enumerate(text.splitlines(), 1):
        if fragment in line:
            return number, line.index(fragment) + 1
    raise AssertionError(fragment)


# -- the findings ---------------------------------------------------------------------------------

@pytest.mark.parametrize("setting, typed, stored", [
    ('phone_prefix: "+44"', "07911 123456", "447911123456"),  # the old setting, as in the issue
    ("phone_region: GB", "07911 123456", "447911123456"),
    ('phone_prefix: "+49"', "030 1234567", "49301234567"),
    ("phone_region: DE", "030 1234567", "49301234567"),
    ("phone_region: DE", "+49 30 1234567", "49301234567"),
    ("phone_region: GB", "+44 (0)7911 123456", "447911123456"),
])
def test_a_trunk_zero_is_not_stored_in_the_number(setting, typed, stored):
    config, _ = load((REGION, setting))
    assert normalise_phone(config, typed) == stored


def test_portugal_nif_000000000_is_refused_by_stdnum_itself(config):
    assert stdnum.pt.nif.is_valid("000000000") is False  # no rule of deskapp's own is needed
    with pytest.raises(CustomerInvalid) as caught:
        check(config, TODAY, CustomerDraft(name="Zero", national_id="000 000 000"), new=True)
    assert caught.value.problems["national_id"] == "'000000000' is not written as a NIF is"
    assert check(config, TODAY, CustomerDraft(name="Ok", national_id="PT 501 964 843"), new=True) \
        .values["national_id"] == "501964843"


def test_the_deprecated_mod11_still_works_as_before():
    config, _ = load(LEGACY_ID)
    assert check(config, TODAY, CustomerDraft(name="Ok", national_id="501964843"), new=True).values["national_id"] \
        == "501964843"
    with pytest.raises(CustomerInvalid, match="wrong check digit"):
        check(config, TODAY, CustomerDraft(name="Bad", national_id="501964842"), new=True)
    # Why it is deprecated: its weighting takes nine zeros.
    assert check(config, TODAY, CustomerDraft(name="Zero", national_id="000000000"), new=True) \
        .values["national_id"] == "000000000"


# -- phones ---------------------------------------------------------------------------------------

def test_shown_in_national_format_at_the_branch_and_international_otherwise(config):
    gb, _ = load((REGION, "phone_region: GB"))
    assert format_phone(config, "351912345678") == "912 345 678"
    assert format_phone(config, "442079460958") == "+44 20 7946 0958"
    assert format_phone(gb, "447911123456") == "07911 123456"
    assert format_phone(gb, "351912345678") == "+351 912 345 678"
    assert format_phone(config, "99912") == "+99912"  # unreadable: as stored


@pytest.mark.parametrize("typed, words", [
    ("12 34", "'12 34' is not a phone number in PT: too few digits"),
    ("call me", "'call me' is not a phone number in PT: use digits, spaces, dashes and a leading +"),
    ("+1 2345 6789 0123 4567", "is not a phone number: too many digits"),
    ("+999 123 456", "is not a phone number: its country code is not one in use"),
    ("900 001 234", "'900 001 234' is not a phone number in use in PT: check the digits"),
])
def test_invalid_numbers_say_why_in_one_line(config, typed, words):
    with pytest.raises(CustomerInvalid) as caught:
        check(config, TODAY, CustomerDraft(name="Some One", phones=[typed]), new=True)
    assert words in caught.value.problems["phones"]
    assert "\n" not in caught.value.problems["phones"]


def test_an_import_row_with_a_bad_phone_names_its_row(db_url, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("name,national_id,phone\nGood Person,501964843,912 345 678\nBad Person,123456789,900 001 234\n")
    result = CliRunner().invoke(main, ["--config", str(CONFIG), "--db", db_url, "customers", "import", str(path)],
                                catch_exceptions=False)
    assert f"{path}:3: phones: '900 001 234' is not a phone number in use in PT" in result.output
    assert "1 created" in result.output
    database.connect(db_url)
    assert [p.digits for p in CustomerPhone.select()] == ["351912345678"]


@pytest.fixture
def gb_ctx(db_url, clock):
    config, _ = load((REGION, "phone_region: GB"))
    context = open_context(config, db_url, clock)
    yield context
    database.close()


def _add(ctx, name: str, *phones: str) -> int:
    return customer_edit.create(ctx, BOSS, CustomerDraft(name=name, phones=list(phones)), force=True).id


def _prefixes(text: str) -> list[str]:
    return [text[:i] for i in range(1, len(text) + 1)]


def _found(ctx, text: str) -> dict[int, int]:
    return {c.id: c.rank for c in customers.search(ctx, BOSS, text, limit=50)}


def test_gb_branch_stores_e164_and_finds_it_however_typed(gb_ctx):
    harry = _add(gb_ctx, "Harry Jones", "07911 123456")
    emma = _add(gb_ctx, "Emma Brown", "020 7946 0958", "+351 912 345 678")
    stored = {p.customer_id: [] for p in CustomerPhone.select()}
    for p in CustomerPhone.select().order_by(CustomerPhone.id):
        stored[p.customer_id].append(p.digits)
    assert stored == {harry: ["447911123456"], emma: ["442079460958", "351912345678"]}

    for typed in ("07911 123456", "07911123456", "+44 7911 123456", "0044 7911 123456", "447911123456",
                  "7911 123456", "+44 (0)7911 123456"):
        assert _found(gb_ctx, typed).get(harry) == EXACT_PHONE, typed
    assert _found(gb_ctx, "912 345 678").get(emma) == EXACT_PHONE
    assert customers.summary(gb_ctx, harry).phone == "07911 123456"
    assert customers.summary(gb_ctx, emma).phone == "020 7946 0958"


@pytest.mark.parametrize("whole", ["07911 123456", "+44 7911 123456", "447911123456", "0044 7911 123456"])
def test_gb_keystroke_by_keystroke(gb_ctx, whole):
    harry = _add(gb_ctx, "Harry Jones", "07911 123456")
    _add(gb_ctx, "Emma Brown", "020 7946 0958")
    for typed in _prefixes(whole):
        digits = "".join(c for c in typed if c.isdigit())
        significant = digits.removeprefix("00").removeprefix("0") if not typed.startswith("+") else digits
        found = _found(gb_ctx, typed)
        if len(significant) >= 4:
            assert found.get(harry) in (EXACT_PHONE, DIGITS_INSIDE), typed
        if len(digits) < 4:
            assert harry not in found, typed  # too few digits to look inside phones


@pytest.mark.parametrize("whole", ["+351 912 345 678", "912 345 678", "00351912345678", "351912345678"])
def test_pt_keystroke_by_keystroke_with_and_without_the_country_code(ctx, whole):
    maria = _add(ctx, "Maria Silva", "912 345 678")
    _add(ctx, "Rui Sousa", "934 445 670")
    for typed in _prefixes(whole):
        digits = "".join(c for c in typed if c.isdigit()).removeprefix("00")
        if len(digits) >= 4:
            assert _found(ctx, typed).get(maria) in (EXACT_PHONE, DIGITS_INSIDE), typed
    assert _found(ctx, whole)[maria] == EXACT_PHONE
    assert customers.summary(ctx, maria).phone == "912 345 678"


# -- the migration --------------------------------------------------------------------------------

OLD_ROWS = {  # customer number: phones as stored before 0015 (country code + every digit typed)
    "00000001": ["4407911123456"],  # 07911 123456 at +44
    "00000002": ["490301234567"],  # 030 1234567 at +49
    "00000003": ["351912345678", "442079460958"],  # already right
    "00000004": ["35112", "999123456789"],  # no number in use
    "00000005": ["4407911123456", "447911123456"],  # the same number twice once renormalised
}
NEW_ROWS = {
    "00000001": ["447911123456"],
    "00000002": ["49301234567"],
    "00000003": ["351912345678", "442079460958"],
    "00000004": ["35112", "999123456789"],
    "00000005": ["447911123456"],
}


def _stored_phones(db) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for number, digits in db.execute_sql(
            "SELECT c.number, p.digits FROM customer_phone p JOIN customer c ON c.id = p.customer_id ORDER BY p.id"):
        out.setdefault(number, []).append(digits)
    return out


def test_migration_renormalises_old_numbers_and_reports_the_unreadable(db_url, config, clock, caplog):
    _connect_empty(db_url)
    names = [m.name for m in migrate.runner().migrations()]
    mine = next(n for n in names if n.endswith("_phones_e164"))
    migrate.migrate(names[names.index(mine) - 1])
    db, p = database.db, database.db.param
    true = "TRUE" if database.is_postgres() else "1"
    false = "FALSE" if database.is_postgres() else "0"
    for number, phones in OLD_ROWS.items():
        db.execute_sql(f"INSERT INTO customer (number, name, name_folded, active, marketing_consent, created_at) "
                       f"VALUES ({p}, {p}, {p}, {true}, {false}, {p})",
                       (number, f"Cliente {number}", f"cliente {number}", dt.datetime(2026, 1, 5, 9, 0)))
        customer_id = db.execute_sql(f"SELECT id FROM customer WHERE number = {p}", (number,)).fetchone()[0]
        for digits in phones:
            db.execute_sql(f"INSERT INTO customer_phone (customer_id, digits, label) VALUES ({p}, {p}, 'mobile')",
                           (customer_id, digits))

    with caplog.at_level(logging.INFO, logger="deskapp.migrations"):
        assert migrate.migrate() == names[names.index(mine):]

    assert _stored_phones(db) == NEW_ROWS
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "phones_e164" in r.getMessage()]
    assert len(warnings) == 1
    assert "2 stored phone numbers are not numbers in use" in warnings[0] and "(customers 00000004)" in warnings[0]
    assert "35112" not in warnings[0] and "999123456789" not in warnings[0]  # no phone in the log
    database.close()

    ctx = open_context(config, db_url, clock)
    to_fix = customers.phones_to_fix(ctx, BOSS)
    assert [(f.number, f.phone) for f in to_fix] == [("00000004", "•5112"), ("00000004", "••••••••6789")]
    by_phone = _found(ctx, "+44 7911 123456")  # the search indexes follow the new digits
    found_numbers = {customers.summary(ctx, cid).number for cid, rank in by_phone.items() if rank == EXACT_PHONE}
    assert found_numbers == {"00000001", "00000005"}
    database.close()

    result = CliRunner().invoke(main, ["--config", str(CONFIG), "--db", db_url, "customers", "check-phones"],
                                catch_exceptions=False)
    assert result.exit_code == 1
    assert [line.split()[0] for line in result.output.splitlines()] == ["00000004", "00000004"]
    assert "35112" not in result.output and "999123456789" not in result.output


def test_check_phones_is_quiet_when_every_phone_is_e164(ctx, db_url):
    _add(ctx, "Maria Silva", "912 345 678")
    result = CliRunner().invoke(main, ["--config", str(CONFIG), "--db", db_url, "customers", "check-phones"],
                                catch_exceptions=False)
    assert result.exit_code == 0 and "Every stored phone is a number in use" in result.output


# -- national IDs by country and kind ----------------------------------------------------------------

@pytest.mark.parametrize("country, kind, label, typed, stored, shown", [
    ("pt", "nif", "NIF", "PT 501 964 843", "501964843", "501964843"),
    ("es", "dni", "DNI", "54362315-k", "54362315K", "54362315K"),
    ("de", "idnr", "IdNr", "36 574 261 809", "36574261809", "36 574 261 809"),
    ("nl", "bsn", "BSN", "1112.22.333", "111222333", "1112.22.333"),
])
def test_ids_of_each_country_are_validated_and_formatted_by_stdnum(country, kind, label, typed, stored, shown):
    config, notes = load(("label: NIF", f"label: {label}"), ("country: pt", f"country: {country}"),
                         ("kind: nif", f"kind: {kind}"))
    assert notes == []
    value = check(config, TODAY, CustomerDraft(name="Some One", national_id=typed), new=True).values["national_id"]
    assert value == stored
    assert format_national_id(config, stored) == shown
    wrong = stored[:-1] + ("0" if stored[-1] != "0" else "1")
    with pytest.raises(CustomerInvalid) as caught:
        check(config, TODAY, CustomerDraft(name="Some One", national_id=wrong), new=True)
    assert label in caught.value.problems["national_id"]


def test_a_revealed_id_is_formatted(clock, db_url):
    config, _ = load(("label: NIF", "label: IdNr"), ("country: pt", "country: de"), ("kind: nif", "kind: idnr"))
    ctx = open_context(config, db_url, clock)
    made = customer_edit.create(ctx, BOSS, CustomerDraft(name="Jürgen Groß", national_id="36574261809"), force=True)
    assert customers.reveal(ctx, BOSS, made.id, "national_id") == "36 574 261 809"
    database.close()


# -- check-config -------------------------------------------------------------------------------------

def test_check_config_notes_the_deprecated_settings_at_their_line_and_column():
    text = text_with(LEGACY_ID, (REGION, 'phone_prefix: "+351"'))
    config, errors, notes = check_config_notes(CONFIG, text=text)
    assert config is not None and errors == []
    line, col = line_col(text, "mod11")
    pline, pcol = line_col(text, '"+351"')
    assert [str(n) for n in notes] == [
        f"{CONFIG}:{pline}:{pcol}: note: customers.phone_prefix is deprecated: write phone_region: PT (the country "
        "whose numbers are typed without a country code)",
        f"{CONFIG}:{line}:{col}: note: customers.national_id.check: mod11 is deprecated: it is Portugal's NIF "
        "weighting under a generic name and accepts 000000000; for Portuguese NIFs write country: pt and kind: nif, "
        "which python-stdnum validates and formats",
    ]
    luhn = text_with(("    country: pt\n    kind: nif\n", "    check: luhn\n"))
    _, _, notes = check_config_notes(CONFIG, text=luhn)
    assert [n.line for n in notes] == [line_col(luhn, "luhn")[0]] and "luhn is deprecated" in notes[0].message


def test_the_command_prints_the_notes_and_still_passes(tmp_path, caplog):
    path = tmp_path / "config.yaml"
    path.write_text(text_with(LEGACY_ID))
    shutil.copy(CONFIG.parent / "workflows.yaml", tmp_path / "workflows.yaml")
    result = CliRunner().invoke(main, ["check-config", str(path)], catch_exceptions=False)
    line, col = line_col(path.read_text(), "mod11")
    assert result.exit_code == 0, result.output
    assert f"{path}:{line}:{col}: note: customers.national_id.check: mod11 is deprecated" in result.output
    assert f"{path}: OK" in result.output
    with caplog.at_level(logging.WARNING, logger="deskapp.config"):
        assert load_config(path).customers.national_id.check == "mod11"  # still works
    assert [r.getMessage() for r in caplog.records if r.name == "deskapp.config"] == [
        f"{path}:{line}:{col}: " + next(n.message for n in check_config_notes(path)[2])]


def test_country_and_kind_mistakes_are_located():
    line, col = line_col(text_with(("kind: nif", "kind: nfi")), "kind: nfi")
    assert problems_of(("kind: nif", "kind: nfi")) == [
        f"{CONFIG}:{line}:{col + len('kind: ')}: python-stdnum has no 'nfi' for pt "
        "(did you mean 'nif'?); it has: cc, nif"]
    assert "python-stdnum knows no country 'px'" in problems_of(("country: pt", "country: px"))[0]
    assert "needs a kind too (pt has: cc, nif)" in problems_of(("    kind: nif\n", ""))[0]
    both = problems_of(("kind: nif", "kind: nif\n    check: mod11"))
    assert len(both) == 1 and "remove customers.national_id.check" in both[0]
    clash = problems_of((REGION, 'phone_region: GB\n  phone_prefix: "+351"'))
    assert len(clash) == 1 and "phone_prefix +351 is not the country code of phone_region GB (+44)" in clash[0]
