"""Typed values read the branch's way (config `input:`): dates in its order as well as ISO, amounts with
its decimal separator, and what a box keeps of a keystroke or a paste, with the reason it refuses."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from deskapp.config.load import check_config
from deskapp.config.workflow_schema import FormField
from deskapp.core import fields
from deskapp.core.fields import Formats
from deskapp.core.workflows.runner import check_field
from tests.conftest import CONFIG

DMY_COMMA = Formats("DMY", ",")
MDY_POINT = Formats("MDY", ".")


@pytest.mark.parametrize("typed", ["31/12/1980", "31.12.1980", "31-12-1980", "31 12 1980", "1980-12-31", "1980/12/31"])
def test_a_date_in_the_branch_order_or_iso(typed):
    assert fields.parse_date(typed, DMY_COMMA) == dt.date(1980, 12, 31)


def test_the_order_decides_what_a_slashed_date_means():
    assert fields.parse_date("12/31/1980", MDY_POINT) == dt.date(1980, 12, 31)
    assert fields.parse_date("01/02/2026", DMY_COMMA) == dt.date(2026, 2, 1)
    with pytest.raises(ValueError, match=r"there is no such day; write it as 12/31/1980 or 1980-12-31"):
        fields.parse_date("31/12/1980", MDY_POINT)
    with pytest.raises(ValueError, match=r"write the year in full, as 31/12/1980"):
        fields.parse_date("31/12/80", DMY_COMMA)
    with pytest.raises(ValueError, match=r"write it as 31/12/1980 or 1980-12-31"):
        fields.parse_date("tomorrow", DMY_COMMA)


@pytest.mark.parametrize(("typed", "amount"), [
    ("1.250,50", "1250.50"), ("1250,5", "1250.50"), ("1250", "1250.00"), ("1 250,50", "1250.50"),
    ("12.5", "12.50"),  # the other separator before one or two digits groups nothing: a decimal point
    ("1.250", "1250.00"),
])
def test_amounts_with_a_decimal_comma(typed, amount):
    assert fields.parse_money(typed, DMY_COMMA) == Decimal(amount)


def test_amounts_with_a_decimal_point_and_refusals():
    assert fields.parse_money("1,250.50", MDY_POINT) == Decimal("1250.50")
    assert fields.parse_money("12,5", MDY_POINT) == Decimal("12.50")
    with pytest.raises(ValueError, match="at most two decimals"):
        fields.parse_money("12.505", MDY_POINT)
    with pytest.raises(ValueError, match="cannot be negative"):
        fields.parse_money("-5", MDY_POINT)
    with pytest.raises(ValueError, match=r"an amount like 1250 or 1,250.50"):
        fields.parse_money("1.2.3", MDY_POINT)
    assert fields.parse_decimal("-3,5", DMY_COMMA) == Decimal("-3.5")


def test_a_paste_keeps_its_valid_middle_and_says_what_it_left_out():
    kept, reason = fields.typable("money", "12,5abc", DMY_COMMA)
    assert kept == "12,5"
    assert reason == "'a', 'b', 'c' left out: an amount takes no such characters; type digits, with ',' before " \
                     "the cents (1.250,50)"
    assert fields.typable("money", "EUR 12,50", DMY_COMMA)[0] == " 12,50"


def test_a_foreign_character_inside_a_paste_or_a_lone_key_is_refused_with_a_reason():
    assert fields.typable("money", "1a2", DMY_COMMA) == (
        "", "'a' refused: the pasted text cannot be part of an amount; type digits, with ',' before the cents "
            "(1.250,50)")
    kept, reason = fields.typable("date", "x", DMY_COMMA)
    assert kept == "" and reason.startswith("'x' refused: that key cannot be part of a date; type it as 31/12/1980")
    assert fields.typable("number", "-12,5", DMY_COMMA) == ("-12,5", None)
    assert fields.typable("text", "anything at all", DMY_COMMA) == ("anything at all", None)


def test_a_workflow_field_reads_the_branch_formats(ctx):
    date = FormField(name="born", label="Born", type="date")
    money = FormField(name="amount", label="Amount", type="money")
    number = FormField(name="months", label="Months", type="number")
    assert ctx.config.input.date_order == "DMY" and ctx.config.input.decimal_separator == ","
    assert check_field(ctx, date, "31/12/1980") == ("1980-12-31", None)  # refused on main: ISO only
    assert check_field(ctx, money, "1.250,5") == ("1250.50", None)
    assert check_field(ctx, number, "12") == (12, None)
    assert check_field(ctx, number, "2,5") == ("2.5", None)


# ------------------------------------------------------------------------------ configuration


def _with(security: str) -> str:
    text = CONFIG.read_text(encoding="utf-8")
    start = text.index("security:\n")
    end = text.index("\ninput:")
    return text[:start] + security + text[end:]


def test_idle_lock_per_role_is_read_and_off_means_never():
    config, errors = check_config(CONFIG, text=_with(
        "security:\n  idle_lock_minutes: 5\n  idle_lock_by_role:\n    greeter: \"off\"\n    supervisor: 0\n"
        "    manager: 30\n"))
    assert errors == []
    security = config.security
    assert security.idle_lock_for("greeter") is None and security.idle_lock_for("supervisor") is None
    assert security.idle_lock_for("manager") == 30 and security.idle_lock_for("teller") == 5


def test_idle_lock_per_role_mistakes_are_located():
    text = _with("security:\n  idle_lock_by_role:\n    greter: 30\n    teller: 500\n    manager: never\n")
    _, errors = check_config(CONFIG, text=text)
    lines = text.splitlines()
    shown = [str(e) for e in errors]
    assert len(shown) == 3, shown
    where = {e.line: str(e) for e in errors}
    greeter = next(i for i, line in enumerate(lines, 1) if "greter" in line)
    assert "greeter" in where[greeter]  # did you mean
    assert "240" in where[greeter + 1]
    assert "off" in where[greeter + 2]
    assert all(e.file.endswith("config.yaml") and e.col > 0 for e in errors)


def test_the_input_formats_are_checked():
    text = CONFIG.read_text(encoding="utf-8").replace("date_order: DMY", "date_order: DDMMYY")
    _, errors = check_config(CONFIG, text=text)
    assert len(errors) == 1 and "DMY" in str(errors[0]) and "MDY" in str(errors[0])


@pytest.mark.parametrize("typed", ["10/03/2026 14:30", "10.03.2026 14h30", "2026-03-10 14:30", "2026-03-10T14:30",
                                   " 10/3/2026  9:05 "])
def test_a_date_and_time_in_the_branch_order_or_iso(typed):
    expected = dt.datetime(2026, 3, 10, 9, 5) if "9:05" in typed else dt.datetime(2026, 3, 10, 14, 30)
    assert fields.parse_date_time(typed, Formats("DMY", ",")) == expected


@pytest.mark.parametrize(("typed", "says"), [
    ("10/03/2026", "write a date and time like 10/03/2026 14:30"),
    ("10/03/2026 25:00", "there is no such time"),
    ("31/02/2026 10:00", "there is no such day"),
    ("14:30", "write a date and time like"),
])
def test_a_date_and_time_refused_says_what_to_write(typed, says):
    with pytest.raises(ValueError, match=says):
        fields.parse_date_time(typed, Formats("DMY", ","))


def test_a_date_and_time_shown_is_read_back_the_same():
    fmt = Formats("MDY", ".")
    value = dt.datetime(2026, 12, 5, 8, 0)
    assert fields.date_time_shown(value, fmt) == "12/05/2026 08:00"
    assert fields.parse_date_time(fields.date_time_shown(value, fmt), fmt) == value
