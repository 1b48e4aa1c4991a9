"""Customers written a batch at a time, for the CSV import: a few statements per batch, not per row.

What a batch reads: the customers already on file for its national IDs and numbers, only the
columns an import compares, and their phones (PostgreSQL: one statement per batch, an index
probe per key; SQLite: one IN (...) query per 500 keys). What it writes: the new
customers with ids taken in advance (PostgreSQL: from the id sequence; SQLite: after the
highest id, under the write lock the transaction holds), so their phones need no lookup; then
every new phone.

PostgreSQL: COPY for both tables (the server parses rows, no statement per row). SQLite: one
INSERT ... SELECT over json_each of the whole batch for each table. The search triggers stay on
and run for every row as for any INSERT, so the index is what row-by-row inserts give; FTS5
writes its pending index data out at the end of every statement, so one statement per batch
writes one index segment per batch instead of one per statement of a few rows.

Everything here runs inside the caller's transaction: a batch is saved whole or not at all.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import Any

import peewee
from peewee import BooleanField, DateField, DateTimeField

from deskapp.db.database import db, is_postgres
from deskapp.db.models import Customer

CHUNK = 500  # keys per lookup query (SQLite's default limit on bound parameters is far above)

# What an import compares with a customer on file (the Customer columns a row can set).
COMPARED = ("number", "name", "name_folded", "national_id", "birth_date", "email", "address", "segment",
            "marketing_consent", "kyc_review_due", "id_doc_type", "id_doc_expiry")
_READ = ("id", "manager_id", "merged_into_id", "erased_at", *COMPARED)
_CONVERTED = [(i, Customer._meta.columns[column].python_value) for i, column in enumerate(_READ)
              if isinstance(Customer._meta.columns[column], (BooleanField, DateField, DateTimeField))]

# Every column an imported customer sets, in this order (the id comes first, taken in advance).
INSERTED = ("id", "number", "name", "name_folded", "national_id", "birth_date", "email", "address", "segment",
            "manager_id", "marketing_consent", "consent_at", "consent_source", "kyc_review_due", "id_doc_type",
            "id_doc_expiry", "active", "created_at", "updated_at")
PHONE_COLUMNS = ("customer_id", "digits", "label")


def on_file(column: str, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The customers whose `column` (national_id or number) is one of `keys`: key -> the compared
    values, with `id` and `manager_id`, typed as the model gives them (dates, booleans)."""
    assert column in ("national_id", "number")
    found: dict[str, dict[str, Any]] = {}
    for row in _lookup(column, keys):
        values = list(row)
        for i, convert in _CONVERTED:
            if values[i] is not None:
                values[i] = convert(values[i])
        stored = dict(zip(_READ, values))
        found[stored[column]] = stored
    return found


def _lookup(column: str, keys: Sequence[str]) -> list[tuple]:
    if not keys:
        return []
    if is_postgres():
        # One index probe per key, in one statement. As a plain `IN (...)` or `= ANY(...)`, the
        # planner often prefers reading the whole table (a growing table whose statistics lag
        # behind during an import): 50 ms per 500 keys at 100,000 customers. The LIMIT 1 keeps
        # the subquery apart (the key is unique), so it stays an index lookup per key.
        return db.execute_sql(
            f"SELECT c.* FROM unnest(%s::text[]) AS k(key) CROSS JOIN LATERAL "  # i18n: not words
            f"(SELECT {', '.join(_READ)} FROM customer WHERE {column} = k.key LIMIT 1) c",  # i18n: not words
            (list(keys),),
        ).fetchall()
    rows: list[tuple] = []
    for start in range(0, len(keys), CHUNK):
        chunk = list(keys[start:start + CHUNK])
        rows += db.execute_sql(
            f"SELECT {', '.join(_READ)} FROM customer WHERE {column} IN ({', '.join(['?'] * len(chunk))})", chunk  # i18n: not words
        ).fetchall()
    return rows


def phones_of(customer_ids: Sequence[int]) -> dict[int, set[str]]:
    """customer id -> the digits of every phone on file."""
    phones: dict[int, set[str]] = {}
    p = db.param
    if is_postgres() and customer_ids:
        # As in _lookup: an index lookup per customer (OFFSET 0 keeps the subquery apart).
        rows = db.execute_sql("SELECT p.* FROM unnest(%s::int[]) AS k(id) CROSS JOIN LATERAL "
                              "(SELECT customer_id, digits FROM customer_phone WHERE customer_id = k.id OFFSET 0) p",
                              (list(customer_ids),)).fetchall()
        for cid, digits in rows:
            phones.setdefault(cid, set()).add(digits)
        return phones
    for start in range(0, len(customer_ids), CHUNK):
        chunk = list(customer_ids[start:start + CHUNK])
        for cid, digits in db.execute_sql(
            f"SELECT customer_id, digits FROM customer_phone WHERE customer_id IN ({', '.join([p] * len(chunk))})",
            chunk,
        ).fetchall():
            phones.setdefault(cid, set()).add(digits)
    return phones


@contextlib.contextmanager
def roomy_cache(mebibytes: int = 256) -> Iterator[None]:
    """SQLite: a larger page cache for this connection while an import runs (restored after).

    With the default 2 MiB, a batch's changes to the indexes of a large table spill from the cache
    before its commit and the same pages are written out again and again; with room for them each
    changed page is written once per commit. Memory only; nothing about durability changes.
    """
    if is_postgres():
        yield
        return
    before = db.execute_sql("PRAGMA cache_size").fetchone()[0]
    db.execute_sql(f"PRAGMA cache_size = -{int(mebibytes) * 1024}")
    try:
        yield
    finally:
        db.execute_sql(f"PRAGMA cache_size = {int(before)}")


def new_ids(count: int) -> list[int]:
    """Ids for `count` new customers, unused by anyone else, in ascending order."""
    if count <= 0:
        return []
    if is_postgres():
        return [i for (i,) in db.execute_sql(
            "SELECT nextval(pg_get_serial_sequence('customer', 'id')) FROM generate_series(1, %s)", (count,)
        ).fetchall()]
    # SQLite gives a new row the highest id plus one (no AUTOINCREMENT); the transaction holds the
    # write lock (BEGIN IMMEDIATE), so nobody else inserts before these rows are written.
    top = db.execute_sql("SELECT coalesce(max(id), 0) FROM customer").fetchone()[0]
    return list(range(top + 1, top + 1 + count))


def insert_customers(rows: list[tuple]) -> None:
    """Rows of INSERTED's columns, ids included."""
    _write("customer", INSERTED, rows)


def insert_phones(rows: list[tuple]) -> None:
    """Rows of (customer id, digits, label)."""
    _write("customer_phone", PHONE_COLUMNS, rows)


def _write(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if not rows:
        return
    if is_postgres():
        # psycopg's own errors become Peewee's, as for any statement run through Peewee: callers
        # (transaction(), the command line) know those.
        with peewee.__exception_wrapper__:
            with db.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # i18n: not words
                for row in rows:
                    copy.write_row(row)
        return
    # json_extract (SQLite 3.9 and later) gives JSON strings as text, numbers as numbers, null as NULL.
    picked = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(columns)))
    db.execute_sql(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {picked} FROM json_each(?)",  # i18n: not words
                   (json.dumps(rows, default=_sqlite_date, ensure_ascii=False),))


def _sqlite_date(value: object) -> str:
    """What sqlite3 stores for a date or time parameter (its default adapters). Booleans need
    nothing: JSON true and false come out of json_extract as 1 and 0, as a bound bool is stored."""
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in an imported row")  # i18n: not words
