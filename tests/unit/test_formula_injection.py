"""Finding 6 of issue 14: text that a spreadsheet would run as a formula is written neutralised (a
leading single quote, OWASP's rule) in every CSV and XLSX deskapp writes, read back here with the csv
module and openpyxl; numbers deskapp computes stay numbers, negative ones included; imports store
text as typed."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from deskapp.core import cells
from deskapp.core.customers import io as customer_io
from deskapp.core.security.auth import Session
from deskapp.core.stats import reports
from deskapp.db.models import Customer, CustomerPhone, Service, Staff
from tests.unit.test_customers_import import N
from tests.unit.test_stats import DAY, crafted_day

BOSS = Session("sofia", "Sofia Almeida", "supervisor")
HYPERLINK = '=HYPERLINK("http://example.invalid","x")'
DDE = "+cmd|' /C calc'!A0"
AT_SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
MINUS = "-2+3+cmd|' /C calc'!A0"


@pytest.mark.parametrize("text, written", [
    (HYPERLINK, "'" + HYPERLINK), (DDE, "'" + DDE), (AT_SUM, "'" + AT_SUM), (MINUS, "'" + MINUS),
    ("\tTab", "'\tTab"), ("\rReturn", "'\rReturn"), ("Ana = Rui", "Ana = Rui"), ("", ""), (None, None),
    (-3, -3), (-1.25, -1.25), (0, 0),
])
def test_one_function_decides_every_cell(text, written):
    assert cells.cell(text) == written


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_customer_export_neutralises_names_and_the_import_stores_them_as_typed(ctx, tmp_path):
    source = tmp_path / "in.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "national_id", "phones", "address"])
        writer.writerow([HYPERLINK, N[0], "912 111 222;+44 20 7946 0958", "@SUM(A1)"])
        writer.writerow([DDE, N[1], "", ""])
        writer.writerow([MINUS, N[2], "", "Rua Direita 1"])
        writer.writerow(["Ana Teste", N[3], "", ""])
    report = customer_io.import_csv(ctx, source)
    assert report.errors == [] and report.created == 4
    stored = dict(Customer.select(Customer.national_id, Customer.name).tuples())
    assert (stored[N[0]], stored[N[1]], stored[N[2]], stored[N[3]]) == (HYPERLINK, DDE, MINUS, "Ana Teste")

    out = tmp_path / "out.csv"
    assert customer_io.export_csv(ctx, BOSS, out) == 4
    rows = {r["national_id"][-4:]: r for r in _read_csv(out)}
    first = rows[N[0][-4:]]
    assert first["name"] == "'" + HYPERLINK and first["address"] == "'@SUM(A1)"
    assert first["phones"] == "'+351912111222;+442079460958"
    assert rows[N[1][-4:]]["name"] == "'" + DDE and rows[N[2][-4:]]["name"] == "'" + MINUS
    assert rows[N[3][-4:]]["name"] == "Ana Teste" and rows[N[3][-4:]]["phones"] == ""

    revealed = tmp_path / "revealed.csv"
    customer_io.export_csv(ctx, BOSS, revealed, reveal=True)
    again = customer_io.import_csv(ctx, revealed)  # an export imports back: the phones' quote is read away
    assert again.errors == [] and again.created == 0
    phones = CustomerPhone.select(CustomerPhone.digits).join(Customer).where(Customer.national_id == N[0])
    assert sorted(p.digits for p in phones) == ["351912111222", "442079460958"]
    # What is read is stored as typed, the guard's quote included: a name never changes on import.
    assert Customer.get(Customer.national_id == N[0]).name == "'" + HYPERLINK
    assert Customer.get(Customer.national_id == N[3]).name == "Ana Teste"


def _cell(book, sheet: str, column: str, key: str):
    rows = list(book[sheet].iter_rows())
    header = [c.value for c in rows[0]]
    return next(r[header.index(column)] for r in rows[1:] if r[0].value == key)


def test_report_tables_neutralise_text_from_the_database_in_csv_and_xlsx(ctx, clock, tmp_path):
    crafted_day(ctx, clock)
    Service.update(name=HYPERLINK).where(Service.code == "CASH").execute()
    Staff.update(name=AT_SUM).where(Staff.login == "ana").execute()
    report = reports.build(ctx, DAY, DAY)

    reports.write(report, tmp_path / "r.csv", "csv")
    services = {r["service"]: r for r in _read_csv(tmp_path / "r_services.csv")}
    assert services["CASH"]["name"] == "'" + HYPERLINK and services["CASH"]["arrivals"] == "4"
    staff = {r["login"]: r for r in _read_csv(tmp_path / "r_staff.csv")}
    assert staff["ana"]["name"] == "'" + AT_SUM and staff["ana"]["completed"] == "2"

    reports.write(report, tmp_path / "r.xlsx", "xlsx")
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    name = _cell(book, "services", "name", "CASH")
    assert name.value == "'" + HYPERLINK and name.data_type != "f"
    staff_name = _cell(book, "staff", "name", "ana")
    assert staff_name.value == "'" + AT_SUM and staff_name.data_type != "f"
    assert _cell(book, "services", "arrivals", "CASH").value == 4


def test_negative_numbers_stay_numbers_and_text_is_quoted_in_every_writer(tmp_path):
    table = reports.Table("t", "T", ("label", "nps", "delta"),
                          ((HYPERLINK, -12.5, -3), ("\tTab", None, 0), ("-", 40.0, 7)))
    report = reports.Report(dt.date(2026, 3, 10), dt.date(2026, 3, 10), None, (table,))  # type: ignore[arg-type]
    reports.write(report, tmp_path / "n.csv", "csv")
    rows = _read_csv(tmp_path / "n_t.csv")
    assert [(r["label"], r["nps"], r["delta"]) for r in rows] == [
        ("'" + HYPERLINK, "-12.5", "-3"), ("'\tTab", "", "0"), ("'-", "40.0", "7")]

    reports.write(report, tmp_path / "n.xlsx", "xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "n.xlsx")["t"]
    data = list(sheet.iter_rows(min_row=2))
    assert [c.value for c in data[0]] == ["'" + HYPERLINK, -12.5, -3]
    assert data[0][0].data_type == "s" and data[0][1].data_type == "n" and data[0][2].data_type == "n"
    assert [c.value for c in data[1]] == ["'\tTab", None, 0]
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
