"""Customers in and out as CSV: an idempotent import that reports every bad row, and an audited export.

Columns are found by their header (any order, case and surrounding spaces ignored):

    number, name, national_id, birth_date, phone, phones, email, address, segment, manager,
    marketing_consent, kyc_review_due, id_doc_type, id_doc_expiry

`phones` holds several numbers separated by ';'. Dates are YYYY-MM-DD; marketing_consent is
yes/no (or true/false, 1/0); manager is a staff login. Every row needs a name and a national_id
or a number. A row whose national ID (else number) is already on file updates that customer:
its non-empty cells replace the stored values and its phones are added; empty cells change
nothing. So importing the same file twice changes nothing the second time. Text is stored as typed.

The export writes its cells through deskapp.core.cells: a cell beginning with `=`, `+`, `-`, `@`, a tab
or a carriage return gets a leading single quote, so no spreadsheet runs it as a formula (phones,
written as +351..., come out as '+351...; the import reads them back without the quote).

Row numbers are the file's: the header is row 1, a record spanning lines counts from its first.
"""
from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from deskapp.core import changes
from deskapp.core.cells import QUOTE
from deskapp.core.cells import cells as safe_cells
from deskapp.core.context import Context
from deskapp.core.customers import bulk, duplicates
from deskapp.core.customers.directory import require
from deskapp.core.customers.edit import NUMBER_WIDTH, next_number
from deskapp.core.customers.masking import mask
from deskapp.core.customers.rules import CustomerDraft, CustomerInvalid, check
from deskapp.core.security import audit
from deskapp.core.security.auth import Session
from deskapp.core.security.permissions import acts_as
from deskapp.core.security.permissions import require as require_role
from deskapp.db.database import transaction
from deskapp.db.models import Customer, CustomerPhone, Staff
from deskapp.errors import BadInput
from deskapp.i18n import _

COLUMNS = ("number", "name", "national_id", "birth_date", "phone", "phones", "email", "address", "segment",
           "manager", "marketing_consent", "kyc_review_due", "id_doc_type", "id_doc_expiry")
# Rows per transaction. Larger batches cost fewer commits, and in a database of a million
# customers every commit rewrites most leaf pages of the customer indexes (a batch's keys fall all
# over them): on SQLite 2,300 rows/s in batches of 5,000 against 5,000-8,000 in batches of 25,000.
BATCH = 25_000
PROGRESS_EVERY = 1_000  # rows read between two moves of the progress bar
_COMPARED = frozenset(bulk.COMPARED)


class ImportFailed(BadInput):
    """The file cannot be imported at all (unreadable, no header, no name column)."""


@dataclass
class ImportReport:
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    dry_run: bool = False
    # New rows that may be customers already on file: (row, customer number, reasons); still imported.
    duplicates: list[tuple[int, str, tuple[str, ...]]] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"{self.file}:{row}: {reason}" for row, reason in self.errors]

    def duplicate_lines(self) -> list[str]:
        return [_("{file}:{row}: may be customer {number} already on file ({reasons})").format(
                    file=self.file, row=row, number=number, reasons=", ".join(duplicates.reason_text(r) for r in reasons))
                for row, number, reasons in self.duplicates]

    @property
    def bad_rows(self) -> int:
        return len({row for row, _ in self.errors if row > 1})

    def summary(self) -> str:
        counts = dict(rows=self.rows, created=self.created, updated=self.updated, unchanged=self.unchanged,
                      errors=self.bad_rows)
        said = (_("{rows} rows: {created} would be created, {updated} would be updated, {unchanged} unchanged, "
                  "{errors} with errors") if self.dry_run else
                _("{rows} rows: {created} created, {updated} updated, {unchanged} unchanged, {errors} with errors")
                ).format(**counts)
        if not self.duplicates:
            return said
        return _("{counts}, {duplicates} possible duplicates").format(
            counts=said, duplicates=len({row for row, _line, _reasons in self.duplicates}))


@dataclass
class _Row:
    line: int
    values: dict[str, object]
    phones: list[str]
    manager: int | None
    manager_given: bool


def _records(handle) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: the cell without surrounding spaces}) for each record that has any
    text, empty cells left out; a column named twice is read from its first place."""
    reader = csv.reader(handle)
    places: list[tuple[str, int]] | None = None
    start = 1
    for record in reader:
        line, start = start, reader.line_num + 1
        if places is None:
            header = [h.strip().lower() for h in record]
            places = [(column, i) for i, column in enumerate(header) if header.index(column) == i]
            yield line, {"__header__": header}  # type: ignore[dict-item]
            continue
        cells = {column: text for column, i in places if i < len(record) and (text := record[i].strip())}
        if cells or any(cell.strip() for cell in record):  # text only in a column named twice: still a row
            yield line, cells


@acts_as("customers.import")
def import_csv(ctx: Context, path: str | os.PathLike, *, dry_run: bool = False, by: str | None = None,
               progress: Callable[[float], None] = lambda f: None) -> ImportReport:
    """Validate every row, import the good ones in batches (one transaction each), report the rest.
    `by`, when given, is checked against the role table (a script without it runs as the system)."""
    require_role(by, "customers.import")
    name = os.fspath(path)
    report = ImportReport(file=name, dry_run=dry_run)
    try:
        with open(name, "rb") as raw:
            lines = max(sum(1 for _ in raw), 1)
        handle = open(name, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ImportFailed(_("cannot read {file}: {problem}").format(file=name, problem=exc.strerror or exc)) from None
    staff = {login: sid for sid, login in Staff.select(Staff.id, Staff.login).tuples()}
    seen_ids: dict[str, int] = {}
    seen_numbers: dict[str, int] = {}
    similar = duplicates.ImportCheck()  # the customers on file when the import began, read once
    batch: list[_Row] = []
    today = ctx.today()
    with handle, bulk.roomy_cache():
        try:
            for line, cells in _records(handle):
                if "__header__" in cells:
                    _check_header(report, cells["__header__"])
                    continue
                report.rows += 1
                row = _parse(ctx, today, report, line, cells, staff, seen_ids, seen_numbers)
                if row is not None:
                    batch.append(row)
                if len(batch) >= BATCH:
                    _apply(ctx, report, batch, dry_run, similar)
                    batch = []
                if report.rows % PROGRESS_EVERY == 0:
                    progress(min(line / lines, 0.99))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ImportFailed(_("{file}: not a readable UTF-8 CSV file ({problem})").format(file=name, problem=exc)) from None
        if report.rows == 0 and not report.errors:
            raise ImportFailed(_("{file}: no header row").format(file=name))
        if batch:
            _apply(ctx, report, batch, dry_run, similar)
    if not dry_run:
        transaction(lambda: audit.record(
            ctx.now(), by, "customer_import", "customer", "",
            f"file={os.path.basename(name)[:100]} rows={report.rows} created={report.created} "
            f"updated={report.updated} errors={report.bad_rows}",
        ))
    progress(1.0)
    return report


def _check_header(report: ImportReport, header: list[str]) -> None:
    if "name" not in header:
        raise ImportFailed(_("{file}:1: no 'name' column; the columns are: {columns}").format(
            file=report.file, columns=", ".join(COLUMNS)))
    for i, column in enumerate(header):
        if column not in COLUMNS:
            report.errors.append((1, _("unknown column '{column}' (column {place}) ignored").format(
                column=column[:40], place=i + 1)))
        elif header.index(column) != i:
            report.errors.append((1, _("column '{column}' appears twice; the first is used").format(column=column)))


def _parse(ctx: Context, today: dt.date, report: ImportReport, line: int, cells: dict[str, str],
           staff: dict[str, int], seen_ids: dict[str, int], seen_numbers: dict[str, int]) -> _Row | None:
    cell = cells.get
    # An exported file imports back: its phones (+351...) were written behind the formula guard's quote.
    phones = [p.strip().removeprefix(QUOTE) for p in ([cell("phone")] + (cell("phones") or "").split(";")) if p and p.strip()]
    draft = CustomerDraft(
        name=cell("name") or "", national_id=cell("national_id"), birth_date=cell("birth_date"),
        phones=phones or None, email=cell("email"), address=cell("address"), segment=cell("segment"),
        marketing_consent=cell("marketing_consent"), kyc_review_due=cell("kyc_review_due"),
        id_doc_type=cell("id_doc_type"), id_doc_expiry=cell("id_doc_expiry"), number=cell("number"),
    )
    try:
        checked = check(ctx.config, today, draft, new=True)
    except CustomerInvalid as exc:
        for column, problem in exc.problems.items():
            report.errors.append((line, f"{column}: {problem}"))
        return None
    values = checked.values
    manager_login = (cell("manager") or "").lower()
    if manager_login and manager_login not in staff:
        report.errors.append((line, _("manager: there is no staff member '{login}'").format(login=manager_login[:32])))
        return None
    nid, number = values.get("national_id"), values.get("number")
    if not nid and not number:
        report.errors.append((line, _("national_id: needed (or a number) to know whether the customer is on file")))
        return None
    if nid and nid in seen_ids:
        report.errors.append((line, _("national_id: the same as on row {row} of this file").format(row=seen_ids[nid])))
        return None
    if number and number in seen_numbers:
        report.errors.append((line, _("number: the same as on row {row} of this file").format(
            row=seen_numbers[number])))
        return None
    if nid:
        seen_ids[nid] = line  # type: ignore[index]
    if number:
        seen_numbers[number] = line  # type: ignore[index]
    return _Row(line, values, checked.phones or [], staff.get(manager_login), bool(manager_login))


def _apply(ctx: Context, report: ImportReport, rows: list[_Row], dry_run: bool,
           similar_check: duplicates.ImportCheck) -> None:
    """One batch in one transaction: what is on file is read for the whole batch at once, then the
    changed customers are updated and the new ones written with a few statements (customer_bulk)."""
    def work() -> tuple[int, int, int, list[tuple[int, str]], list[tuple[int, str, tuple[str, ...]]]]:
        errors: list[tuple[int, str]] = []  # kept apart so a transaction run again reports once
        by_id = bulk.on_file("national_id", [r.values["national_id"] for r in rows if r.values.get("national_id")])
        by_number = bulk.on_file("number", [r.values["number"] for r in rows if r.values.get("number")])
        phones = bulk.phones_of([c["id"] for c in (*by_id.values(), *by_number.values())])
        now = ctx.now()
        created: list[_Row] = []
        updated, unchanged = 0, 0
        new_phones: list[tuple] = []
        for r in rows:
            existing = by_id.get(r.values.get("national_id")) or by_number.get(r.values.get("number"))
            if existing is None:
                created.append(r)
                continue
            if existing["merged_into_id"] is not None or existing["erased_at"] is not None:
                gone = (_("number: customer {number} was merged into another record; it takes no new data")
                        if existing["merged_into_id"] else _("number: customer {number} was erased; it takes no new data"))
                errors.append((r.line, gone.format(number=existing["number"])))
                continue
            other = by_number.get(r.values.get("number"))
            if other is not None and other["id"] != existing["id"]:
                errors.append((r.line, _("number: {number} belongs to another customer").format(
                    number=r.values["number"])))
                continue
            if existing["national_id"] and r.values.get("national_id") not in (None, existing["national_id"]):
                errors.append((r.line, _("number: belongs to a customer with another national ID")))
                continue
            diff = {k: v for k, v in r.values.items() if k in _COMPARED and existing[k] != v}
            if r.manager_given and existing["manager_id"] != r.manager:
                diff["manager"] = r.manager
            if "marketing_consent" in diff:
                diff.update(consent_at=now, consent_source="import")
            known = phones.get(existing["id"], set())
            extra = [p for p in r.phones if p not in known]
            if not diff and not extra:
                unchanged += 1
                continue
            updated += 1
            if not dry_run:
                if diff:
                    Customer.update(updated_at=now, **diff).where(Customer.id == existing["id"]).execute()
                new_phones += [(existing["id"], p, "other") for p in extra]
        similar = similar_check.batch([(str(r.values.get("name_folded") or ""), r.values.get("birth_date"),  # type: ignore[misc]
                                         r.phones, r.values.get("email")) for r in created])  # type: ignore[misc]
        possible = [(r.line, number, reasons) for r, matches in zip(created, similar) for number, reasons in matches]
        if not dry_run:
            new_phones += _insert(created, now)
            bulk.insert_phones(new_phones)
            changes.bump(ctx.branch_id)
        return len(created), updated, unchanged, errors, possible

    created, updated, unchanged, errors, possible = transaction(work)
    report.errors += errors
    report.duplicates += possible
    report.created += created
    report.updated += updated
    report.unchanged += unchanged


def _insert(rows: list[_Row], now: dt.datetime) -> list[tuple]:
    """Write the new customers of a batch; returns their phones as (customer id, digits, label)."""
    if not rows:
        return []
    ids = bulk.new_ids(len(rows))
    # Customer numbers for the rows whose file gives none: from the next free one on, past those
    # the batch's own rows bring.
    following = int(next_number())
    given = {r.values["number"] for r in rows if r.values.get("number")}
    records = []
    phones: list[tuple] = []
    for r, cid in zip(rows, ids):
        values = r.values
        number = values.get("number")
        if number is None:
            while f"{following:0{NUMBER_WIDTH}d}" in given:
                following += 1
            number = f"{following:0{NUMBER_WIDTH}d}"
            following += 1
        consent = bool(values.get("marketing_consent"))
        records.append((
            cid, number, values["name"], values["name_folded"], values.get("national_id"), values.get("birth_date"),
            values.get("email"), values.get("address"), values.get("segment"), r.manager, consent,
            now if consent else None, "import" if consent else None, values.get("kyc_review_due"),
            values.get("id_doc_type"), values.get("id_doc_expiry"), True, now, now,
        ))
        phones += [(cid, p, "mobile" if i == 0 else "other") for i, p in enumerate(r.phones)]
    bulk.insert_customers(records)
    return phones


@acts_as("customers.export", "customers.reveal")
def export_csv(ctx: Context, session: Session, out: str | os.PathLike, *, reveal: bool = False) -> int:
    """Every customer to a CSV with the import's columns; IDs masked unless revealed by a role that may.
    Records merged away and erased records are left out."""
    require(ctx, session, "export")
    if reveal:
        require(ctx, session, "reveal")
    staff = dict(Staff.select(Staff.id, Staff.login).tuples())
    count = 0
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(safe_cells(c for c in COLUMNS if c != "phone"))
        last = 0
        while True:
            batch = list(Customer.select().where(Customer.id > last).order_by(Customer.id).limit(BATCH))
            if not batch:
                break
            phones: dict[int, list[str]] = {}
            for cid, digits in (
                CustomerPhone.select(CustomerPhone.customer, CustomerPhone.digits)
                .where(CustomerPhone.customer.in_([c.id for c in batch]))
                .order_by(CustomerPhone.id)
                .tuples()
            ):
                phones.setdefault(cid, []).append("+" + digits)
            for c in batch:
                if c.merged_into_id is not None or c.erased_at is not None:
                    continue  # a tombstone or an erased record: nothing of a customer's to export
                writer.writerow(safe_cells([
                    c.number, c.name, c.national_id if reveal else mask(c.national_id), _iso(c.birth_date),
                    ";".join(phones.get(c.id, [])), c.email or "", c.address or "", c.segment or "",
                    staff.get(c.manager_id, ""), "yes" if c.marketing_consent else "no", _iso(c.kyc_review_due),
                    c.id_doc_type or "", _iso(c.id_doc_expiry),
                ]))
                count += 1
            last = batch[-1].id
    transaction(lambda: audit.record(
        ctx.now(), session.login, "customer_export", "customer", "", f"rows={count} revealed={'yes' if reveal else 'no'}"
    ))
    return count


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""
