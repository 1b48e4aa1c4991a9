"""Customer search at scale, and import speed, each beside a baseline measured in the same run.

    python bench/search.py [--customers 1000000] [--import-rows 100000] [--import-base 0] [--pg URL] [--db URL]
                           [--json OUT]

(--import-rows 0 times the search only.)

1. Generates N customers fast (bulk inserts through the real schema and its triggers, names
   folded and phones normalised with deskapp's own helpers), then settles the indexes as after
   any bulk load (settle_indexes). Or, with --db, searches a database an earlier run filled.
2. Times realistic queries (surnames, name prefixes as typed, full names, phones whole and in
   part, national IDs whole and by their last digits, customer numbers; phones and IDs key by key,
   with and without the country code; prefixes of 4+ letters that begin no name; misses) through
   deskapp.db.search.search_customers, and the same queries as one raw SQL statement each (what
   the query is mostly about, without ranking tiers). Targets: p95 <= 20 ms, ratio <= 2, no query
   over 50 ms.
3. Imports a CSV of R rows with `deskapp customers import`'s core (validation, idempotency
   checks, batches) into a fresh database (or, with --import-base B, one already holding B
   customers made by fill), then the same file again (every row unchanged); beside the same rows
   written by plain SQL into a database of the same size: COPY on PostgreSQL, INSERTs of 1,000
   rows on SQLite, nothing checked. Target: >= 5,000 rows/s.

    python bench/search.py --import-only [--import-base B] [--skip-sqlite] [--pg URL]  (imports alone)

4. Times 30 misspelt names (one typo in a name word, two letters swapped, ü/ß/ø ... typed as
   ue/ss/oe, words in another order, as typed by someone who heard the name), answered by the
   typo-tolerant steps; reports p50/p95 and how often the customer meant is on the first page.
   Target: p95 <= 60 ms.
5. With --duplicates P: plants P duplicates of sampled customers (a typo or another spelling of
   a name word, the birth date the same, a day off or day and month swapped, some with the same
   phone) and times `deskapp customers duplicates`' scan over the whole base, with its precision
   (planted pairs among the pairs listed) and recall (planted pairs listed). Target: < 10 min at
   1,000,000 customers.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deskapp.config.load import load_config  # noqa: E402
from deskapp.core.clock import FixedClock  # noqa: E402
from deskapp.core.customers import io as customer_io  # noqa: E402
from deskapp.core.demo.customers import national_id  # noqa: E402
from deskapp.core.demo.data import FIRST_NAMES, LAST_NAMES  # noqa: E402
from deskapp.core.startup import open_context  # noqa: E402
from deskapp.db import database, migrate  # noqa: E402
from deskapp.db.database import db, is_postgres  # noqa: E402
from deskapp.db.search import folded_name, search_customers  # noqa: E402

REGION = "PT"  # config.yaml's customers.phone_region, which the desk's search passes (phones in national format)

NOW = dt.datetime(2026, 3, 10, 10, 0)
BATCH = 20_000


def people(rng: random.Random, count: int):
    """(number, name, folded, national id, birth date, phone digits) rows, national IDs unique."""
    seen: set[str] = set()
    for n in range(count):
        nid = national_id(rng)
        while nid in seen:
            nid = national_id(rng)
        seen.add(nid)
        last = rng.choice(LAST_NAMES)
        if rng.random() < 0.4:
            last = f"{rng.choice(LAST_NAMES)} {last}"
        name = f"{rng.choice(FIRST_NAMES)} {last}"
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 66))
        phone = "3519" + rng.choice("1236") + f"{rng.randrange(10**7):07d}"  # a mobile number in use (91, 92, 93, 96)
        yield f"{n + 1:08d}", name, folded_name(name), nid, birth, phone


def fill(count: int, seed: int = 1) -> list[tuple]:
    """Insert `count` customers and their phones; returns a sample of rows for the queries."""
    rng = random.Random(seed)
    p = db.param
    sample: list[tuple] = []
    one_customer = f"({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})"
    customer_sql = ("INSERT INTO customer (number, name, name_folded, national_id, birth_date, active, created_at, "
                    "marketing_consent) VALUES ")
    phone_sql = "INSERT INTO customer_phone (customer_id, digits, label) VALUES "
    rows: list[tuple] = []
    started = time.perf_counter()
    for i, row in enumerate(people(rng, count), 1):
        rows.append(row)
        if i % 997 == 0 and len(sample) < 2000:
            sample.append(row)
        if len(rows) == BATCH or i == count:
            first_id = (db.execute_sql("SELECT coalesce(max(id), 0) FROM customer").fetchone()[0] or 0) + 1
            customers = [(r[0], r[1], r[2], r[3], r[4], True, NOW, False) for r in rows]
            phones = [(first_id + k, r[5], "mobile") for k, r in enumerate(rows)]
            with db.atomic():
                # Statements of 1000 rows: SQLite's FTS5 triggers flush their index data once per
                # statement, so a statement per row would write a new index segment per row.
                for start in range(0, len(rows), 1000):
                    chunk = customers[start:start + 1000]
                    db.execute_sql(customer_sql + ", ".join([one_customer] * len(chunk)), [v for r in chunk for v in r])
                    chunk = phones[start:start + 1000]
                    db.execute_sql(phone_sql + ", ".join([f"({p}, {p}, {p})"] * len(chunk)),
                                   [v for r in chunk for v in r])
            rows = []
            print(f"\r  generated {i:,} customers ({time.perf_counter() - started:.0f} s)", end="", file=sys.stderr)
    print(file=sys.stderr)
    settle_indexes()
    return sample


def settle_indexes() -> None:
    """What follows a bulk load: planner statistics, and the search indexes in their steady shape.

    PostgreSQL: autovacuum soon vacuums a table after many inserts (its visibility map lets
    index-only scans skip the table) and moves the GIN indexes' pending lists (fast inserts) into
    the indexes proper, which every query would otherwise scan linearly; done here at once. SQLite:
    FTS5 keeps the segments its statements wrote until its automerge gets to them; 'optimize'
    merges them into one, as migration 0008 does once for an existing database.
    """
    if is_postgres():
        # Autovacuum's pass after a bulk insert (it may be off on a test server).
        db.execute_sql("VACUUM ANALYZE customer")
        db.execute_sql("VACUUM ANALYZE customer_phone")
        # The vocabulary (0016): each name inserted updated its words' counts, leaving a dead version
        # of "ana" per Ana (1.2 million dead rows, 132 MB, for 94 words at a million customers), which
        # every count then skips (5-10 ms) on a server where autovacuum is off. And the pairs (0020).
        for table in ("customer_name_word", "customer_name_gram", "customer_name_pair"):
            if db.execute_sql("SELECT to_regclass(%s)", (table,)).fetchone()[0]:
                db.execute_sql(f"VACUUM ANALYZE {table}")
        for (index,) in db.execute_sql("SELECT indexname FROM pg_indexes WHERE tablename IN ('customer', "
                                       "'customer_phone') AND position('USING gin' IN indexdef) > 0 "
                                       "AND schemaname = current_schema()").fetchall():
            db.execute_sql("SELECT gin_clean_pending_list(%s::regclass)", (index,))
    else:
        for table in ("customer_name_fts", "customer_phone_fts"):
            db.execute_sql(f"INSERT INTO {table}({table}) VALUES ('optimize')")
        db.execute_sql("ANALYZE")


def sample_rows(count: int, seed: int = 5) -> list[tuple]:
    """Rows of `people`'s shape for `count` customers spread over an existing table (for --db)."""
    top = db.execute_sql("SELECT max(id) FROM customer").fetchone()[0] or 0
    rng = random.Random(seed)
    wanted = sorted({rng.randrange(1, top + 1) for _ in range(count)})
    p = db.param
    rows = db.execute_sql(
        "SELECT c.number, c.name, c.name_folded, c.national_id, c.birth_date, min(ph.digits) FROM customer c "
        f"JOIN customer_phone ph ON ph.customer_id = c.id WHERE c.id IN ({', '.join([p] * len(wanted))}) "
        "GROUP BY c.id, c.number, c.name, c.name_folded, c.national_id, c.birth_date", wanted).fetchall()
    return [tuple(r) for r in rows]


def queries(sample: list[tuple], rng: random.Random) -> list[tuple[str, str]]:
    """(kind, text) queries as tellers type them: 50 whole ones, then those of typed_queries."""
    pick = lambda: rng.choice(sample)
    out: list[tuple[str, str]] = []
    for _ in range(8):
        out.append(("surname", pick()[1].split()[-1]))
    for _ in range(8):
        words = pick()[1].split()
        out.append(("prefixes", f"{words[0][:3]} {words[-1][:4]}"))
    for _ in range(5):
        out.append(("prefix", pick()[1].split()[-1][:3].lower()))
    for _ in range(5):
        out.append(("full name", pick()[1]))
    for _ in range(5):
        d = pick()[5][3:]
        out.append(("phone", f"{d[:3]} {d[3:6]} {d[6:]}"))
    for _ in range(5):
        d = pick()[5]
        k = rng.randrange(4, 7)
        start = rng.randrange(3, len(d) - k)
        out.append(("phone part", d[start:start + k]))
    for _ in range(6):
        out.append(("national id", pick()[3]))
    for _ in range(4):
        out.append(("id last 4", pick()[3][-4:]))
    for _ in range(4):
        out.append(("number", pick()[0]))
    return out + typed_queries(sample, rng)


def keystrokes(text: str) -> list[str]:
    """What the search box holds after each key of `text` ('+', '+3', '+35', ...)."""
    return [text[:i] for i in range(1, len(text) + 1) if not text[:i].endswith(" ")]


def typed_queries(sample: list[tuple], rng: random.Random) -> list[tuple[str, str]]:
    """What tellers type on the way to a match, or to none: phones key by key with and without the
    country code, national IDs key by key, prefixes of four letters or more that begin no name,
    and misses (names and numbers no customer has)."""
    pick = lambda: rng.choice(sample)
    out: list[tuple[str, str]] = []
    for _ in range(2):
        d = pick()[5]
        out += [("phone +cc keys", t) for t in keystrokes(f"+{d[:3]} {d[3:6]} {d[6:9]} {d[9:]}")]
        d = pick()[5][3:]
        out += [("phone keys", t) for t in keystrokes(f"{d[:3]} {d[3:6]} {d[6:]}")]
        out += [("id keys", t) for t in keystrokes(pick()[3])]
    for _ in range(6):  # "silvx", "marix": the first letters of a name word, then a letter no name has there
        word = folded_name(pick()[1].split()[-1])[:rng.randrange(3, 6)]
        out.append(("prefix miss", word + "x" if not word.endswith("x") else word + "q"))
    for _ in range(3):
        first, last = folded_name(pick()[1]).split()[0], folded_name(pick()[1]).split()[-1]
        out.append(("prefix miss", f"{first[:3]} {last[:4]}xq"))
    for text in ("Zebedeu Quintanilha", "quixotez", "xyzzy", "98765432", "+44 20 7946 0000", "000000000"):
        out.append(("miss", text))
    return out


def _misspell(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    at = rng.randrange(1, len(word) - 2)
    kind = rng.choice(["swap", "change", "drop", "add"])
    letter = rng.choice("aeioulnrst")
    if kind == "swap":
        return word[:at] + word[at + 1] + word[at] + word[at + 2:]
    if kind == "change":
        return word[:at] + (letter if letter != word[at] else "x") + word[at + 1:]
    if kind == "drop":
        return word[:at] + word[at + 1:]
    return word[:at] + letter + word[at:]


_SPELT = {"ü": "ue", "ö": "oe", "ä": "ae", "ß": "ss", "ø": "oe", "æ": "ae", "å": "aa", "Ü": "Ue", "Ö": "Oe"}


def typo_queries(sample: list[tuple], rng: random.Random) -> list[tuple[str, str]]:
    """30 (misspelt query, the name meant) pairs that the exact and prefix steps cannot answer."""
    out: list[tuple[str, str]] = []
    while len(out) < 30:
        name = rng.choice(sample)[1]
        words = name.split()
        style = len(out) % 3
        if style == 0:  # a typo in the surname
            typed = words[:-1] + [_misspell(folded_name(words[-1]), rng)]
        elif style == 1:  # typos in first name and surname, surname first
            typed = [_misspell(folded_name(words[-1]), rng), _misspell(folded_name(words[0]), rng)]
        else:  # other spellings of the same letters, else a typo in the first name
            spelt = "".join(_SPELT.get(ch, ch) for ch in name)
            typed = spelt.split() if spelt != name else [_misspell(folded_name(words[0]), rng)] + words[1:]
        text = " ".join(typed)
        if folded_name(text) != folded_name(name):
            out.append((text, name))
    return out


def time_typos(qs: list[tuple[str, str]], rounds: int = 3) -> dict:
    """Times of the misspelt queries, and how often the name meant is among the first page's."""
    for text, _ in qs:
        search_customers(text, region=REGION)
    times: list[float] = []
    hits = 0
    for _ in range(rounds):
        for text, meant in qs:
            start = time.perf_counter()
            found = search_customers(text, region=REGION)
            times.append((time.perf_counter() - start) * 1000)
            ids = [cid for cid, _ in found]
            if ids:
                p = db.param
                names = {n for (n,) in db.execute_sql(
                    f"SELECT name_folded FROM customer WHERE id IN ({', '.join([p] * len(ids))})", ids).fetchall()}
                hits += folded_name(meant) in names
    return {"queries": len(qs), "rounds": rounds, "p50_ms": statistics.median(times),
            "p95_ms": percentile(times, 0.95), "max_ms": max(times), "meant_on_first_page": hits / rounds / len(qs),
            "examples": [t for t, _ in qs[:6]]}


def plant_duplicates(count: int, rng: random.Random) -> set[tuple[int, int]]:
    """Copies of `count` random customers as a careless second registration would make them;
    returns the (original id, copy id) pairs."""
    top = db.execute_sql("SELECT max(id) FROM customer").fetchone()[0]
    p = db.param
    planted: set[tuple[int, int]] = set()
    for n in range(count):
        cid = rng.randrange(1, top + 1)
        row = db.execute_sql(f"SELECT name, birth_date FROM customer WHERE id = {p}", (cid,)).fetchone()
        phone = db.execute_sql(f"SELECT digits FROM customer_phone WHERE customer_id = {p}", (cid,)).fetchone()
        name, born = row[0], row[1]
        born = born if isinstance(born, dt.date) else dt.date.fromisoformat(str(born)[:10])
        words = name.split()
        change = n % 3
        if change == 0:
            k = rng.randrange(len(words))
            words[k] = _misspell(folded_name(words[k]), rng).capitalize()
        elif change == 1:
            words = "".join(_SPELT.get(ch, ch) for ch in name).split()
        new_name = " ".join(words)
        shift = n % 4
        if shift == 1:
            born = born + dt.timedelta(days=rng.choice((-1, 1)))
        elif shift == 2 and born.day <= 12 and born.day != born.month:
            born = born.replace(month=born.day, day=born.month)
        nid = f"D{n:09d}"
        db.execute_sql(f"INSERT INTO customer (number, name, name_folded, national_id, birth_date, active, created_at, "
                       f"marketing_consent) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})",
                       (f"D{n:07d}", new_name, folded_name(new_name), nid, born, True, NOW, False))
        copy = db.execute_sql(f"SELECT id FROM customer WHERE national_id = {p}", (nid,)).fetchone()[0]
        if phone and n % 5 == 0:
            db.execute_sql(f"INSERT INTO customer_phone (customer_id, digits, label) VALUES ({p}, {p}, 'mobile')",
                           (copy, phone[0]))
        planted.add((min(cid, copy), max(cid, copy)))
    return planted


def duplicates_run(count: int) -> dict:
    """Plant `count` duplicates, then time the whole-base scan of `customers duplicates`."""
    from deskapp.core.customers import duplicates

    with db.atomic():
        planted = plant_duplicates(count, random.Random(11))
    customers = db.execute_sql("SELECT count(*) FROM customer").fetchone()[0]
    start = time.perf_counter()
    pairs = duplicates.scan(progress=lambda f: print(f"\r  duplicates scan {f:.0%}", end="", file=sys.stderr))
    seconds = time.perf_counter() - start
    print(file=sys.stderr)
    listed = {(pair.first, pair.second) for pair in pairs}
    top = {(pair.first, pair.second) for pair in pairs[:len(planted)]}
    found = listed & planted
    return {"customers": customers, "planted": len(planted), "seconds": seconds, "pairs_listed": len(listed),
            "planted_listed": len(found), "precision": len(found) / max(len(listed), 1),
            "recall": len(found) / max(len(planted), 1),
            "precision_of_top_planted_count": len(top & planted) / max(len(top), 1),
            "other_pairs_by_reasons": _reason_counts([pair for pair in pairs if (pair.first, pair.second)
                                                      not in planted])}


def _reason_counts(pairs: list) -> dict[str, int]:
    counts: dict[str, int] = {}
    for pair in pairs:
        key = " + ".join(pair.reasons)
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1])[:8])


def raw_sql(kind: str, text: str) -> tuple[str, tuple]:
    """One plain statement answering the query's main intent (no ranking tiers)."""
    pg = is_postgres()
    p = db.param
    if kind in ("phone +cc keys", "phone keys", "id keys", "miss") and not any(c.isalpha() for c in text):
        digits = "".join(c for c in text if c.isdigit())
        if len(digits) < 4 or kind == "id keys":  # an ID or customer number as typed so far
            return f"SELECT id FROM customer WHERE number = {p} OR national_id = {p} ORDER BY id LIMIT 20", (text, text)
        start = digits if text.startswith("+") or kind != "phone keys" else "351" + digits  # REGION's code
        # 20 phones beginning with it, in the order of the index on the digits
        return (f"SELECT customer_id FROM customer_phone WHERE digits >= {p} AND digits < {p} "
                f"ORDER BY digits LIMIT 20", (start, start + ":"))
    if kind in ("surname", "prefixes", "prefix", "full name", "prefix miss", "miss"):
        words = folded_name(text).split()
        if pg:
            query = " & ".join(f"'{w}':*" for w in words)
            # id + 0: ordered by the bare id, the planner may walk the primary key testing every name
            # (seconds once VACUUM has set the visibility map), as deskapp's own queries avoid too.
            return ("SELECT id FROM customer WHERE to_tsvector('simple'::regconfig, name_folded) @@ "
                    f"to_tsquery('simple'::regconfig, {p}) ORDER BY id + 0 LIMIT 20", (query,))
        match = " ".join(f'"{w}"*' for w in words)
        return (f"SELECT rowid FROM customer_name_fts WHERE customer_name_fts MATCH {p} ORDER BY rowid LIMIT 20",
                (match,))
    if kind == "phone":  # a whole national number: the phone ending with it (index on the last 8 digits)
        digits = "".join(c for c in text if c.isdigit())
        tail = "right(digits, 8)" if pg else "substr(digits, -8)"
        order = "customer_id + 0" if pg else "customer_id"  # a prepared statement's generic plan must not walk the FK
        return (f"SELECT DISTINCT {order} AS c FROM customer_phone WHERE {tail} = {p} ORDER BY c LIMIT 20",
                (digits[-8:],))
    if kind == "phone part":
        if pg:
            return ("SELECT DISTINCT customer_id + 0 AS c FROM customer_phone WHERE digits LIKE %s ORDER BY c LIMIT 20",
                    (f"%{text}%",))
        return ("SELECT DISTINCT p.customer_id FROM customer_phone_fts f JOIN customer_phone p ON p.id = f.rowid "
                "WHERE customer_phone_fts MATCH ? ORDER BY p.customer_id LIMIT 20", (f'"{text}"',))
    if kind == "id last 4":  # index on the last 4 characters
        tail = "right(national_id, 4)" if pg else "substr(national_id, -4)"
        return f"SELECT id FROM customer WHERE {tail} = {p} ORDER BY id LIMIT 20", (text,)
    return (f"SELECT id FROM customer WHERE number = {p} OR national_id = {p} ORDER BY id LIMIT 20", (text, text))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def time_queries(qs: list[tuple[str, str]], rounds: int = 3) -> dict:
    for kind, text in qs:  # warm the cache for both
        search_customers(text, region=REGION)
        db.execute_sql(*raw_sql(kind, text)).fetchall()
    ours: list[float] = []
    raw: list[float] = []
    per_kind: dict[str, list[float]] = {}
    raw_kind: dict[str, list[float]] = {}
    empty = 0
    slowest = (0.0, "")
    for _ in range(rounds):
        for kind, text in qs:
            start = time.perf_counter()
            found = search_customers(text, region=REGION)
            elapsed = (time.perf_counter() - start) * 1000
            ours.append(elapsed)
            slowest = max(slowest, (elapsed, text))
            per_kind.setdefault(kind, []).append(elapsed)
            empty += not found
            sql, params = raw_sql(kind, text)
            start = time.perf_counter()
            db.execute_sql(sql, params).fetchall()
            raw.append((time.perf_counter() - start) * 1000)
            raw_kind.setdefault(kind, []).append(raw[-1])
    return {
        "queries": len(qs), "rounds": rounds, "no_result": empty // rounds,
        "deskapp_p50_ms": statistics.median(ours), "deskapp_p95_ms": percentile(ours, 0.95),
        "raw_p50_ms": statistics.median(raw), "raw_p95_ms": percentile(raw, 0.95),
        "ratio_p95": percentile(ours, 0.95) / max(percentile(raw, 0.95), 1e-6),
        "by_kind_p95_ms": {k: percentile(v, 0.95) for k, v in per_kind.items()},
        "max_ms": max(ours), "slowest": slowest,
        "by_kind": {k: {"p50_ms": statistics.median(v), "p95_ms": percentile(v, 0.95), "max_ms": max(v),
                        "raw_p50_ms": statistics.median(raw_kind[k]), "raw_p95_ms": percentile(raw_kind[k], 0.95),
                        "raw_max_ms": max(raw_kind[k])}
                    for k, v in per_kind.items()},
    }


def prefilled(url: str, base: int) -> set[str]:
    """Migrate the database at `url` and give it `base` customers made by fill (as an existing
    branch database); returns their national IDs, which the imported rows must not reuse."""
    database.connect(url)
    migrate.migrate()
    taken: set[str] = set()
    if base:
        if not is_postgres():
            db.execute_sql("PRAGMA synchronous = OFF")  # generation only; the timed parts use the normal pragmas
        fill(base)
        taken = {nid for (nid,) in db.execute_sql("SELECT national_id FROM customer").fetchall()}
    database.close()
    return taken


def import_rows(rows: int, taken: set[str]) -> list[tuple]:
    """The rows both imports write: `people` rows whose national ID is not already on file."""
    out: list[tuple] = []
    for row in people(random.Random(2), rows + len(taken)):
        if row[3] not in taken:
            out.append(row)
            if len(out) == rows:
                break
    return out


def import_speed(url: str, rows: int, folder: Path, base: int = 0) -> dict:
    config = load_config(ROOT / "config.yaml")
    data = import_rows(rows, prefilled(url, base))
    path = folder / "import.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "national_id", "birth_date", "phone", "email", "segment"])
        for number, name, _, nid, birth, phone in data:
            writer.writerow([name, nid, birth.isoformat(), "+" + phone, f"c{number}@example.com", "mass"])
    ctx = open_context(config, url, FixedClock(NOW))
    start = time.perf_counter()
    report = customer_io.import_csv(ctx, path)
    seconds = time.perf_counter() - start
    assert report.created == rows and not report.errors, report.summary()
    start = time.perf_counter()
    again = customer_io.import_csv(ctx, path)
    second = time.perf_counter() - start
    assert again.unchanged == rows, again.summary()
    database.close()
    return {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds,
            "second_import_rows_per_s": rows / second, "customers_before": base}


def raw_import(url: str, rows: int, base: int = 0) -> dict:
    """The same rows written with plain SQL the fastest simple way each backend has, in one
    transaction, nothing checked: PostgreSQL COPY; SQLite INSERT statements of 1,000 rows (each
    statement makes FTS5 write its pending index data, so fewer rows per statement cost more)."""
    data = import_rows(rows, prefilled(url, base))
    database.connect(url)
    p = db.param
    start = time.perf_counter()
    with db.atomic():
        top = db.execute_sql("SELECT coalesce(max(id), 0) FROM customer").fetchone()[0]
        customers = [(top + i + 1, f"{top + i + 1:08d}", r[1], r[2], r[3], r[4], True, NOW, False,
                      f"c{r[0]}@example.com", "mass") for i, r in enumerate(data)]
        phones = [(top + i + 1, r[5], "mobile") for i, r in enumerate(data)]
        columns = ("id, number, name, name_folded, national_id, birth_date, active, created_at, marketing_consent, "
                   "email, segment")
        if is_postgres():
            cursor = db.cursor()
            with cursor.copy(f"COPY customer ({columns}) FROM STDIN") as copy:
                for row in customers:
                    copy.write_row(row)
            with cursor.copy("COPY customer_phone (customer_id, digits, label) FROM STDIN") as copy:
                for row in phones:
                    copy.write_row(row)
            db.execute_sql("SELECT setval(pg_get_serial_sequence('customer', 'id'), %s)", (top + len(data),))
        else:
            for start_row in range(0, len(data), 1000):
                chunk = customers[start_row:start_row + 1000]
                db.execute_sql(f"INSERT INTO customer ({columns}) VALUES " + ", ".join([f"({', '.join([p] * 11)})"]
                                                                                     * len(chunk)),
                               [v for r in chunk for v in r])
                chunk = phones[start_row:start_row + 1000]
                db.execute_sql("INSERT INTO customer_phone (customer_id, digits, label) VALUES "
                               + ", ".join([f"({p}, {p}, {p})"] * len(chunk)), [v for r in chunk for v in r])
    seconds = time.perf_counter() - start
    database.close()
    return {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds, "customers_before": base}


class PgSchemas:
    """Throw-away schemas in the benchmark's PostgreSQL database."""

    def __init__(self, url: str):
        self.url = url
        self.names: list[str] = []

    def new(self) -> str:
        import psycopg

        name = f"deskapp_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{name}"')
        self.names.append(name)
        sep = "&" if "?" in self.url else "?"
        return f"{self.url}{sep}options=-csearch_path%3D{name},public"

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            for name in self.names:
                conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def run_backend(label: str, new_url, customers: int, import_rows: int, folder: Path, existing: str | None = None,
                import_base: int = 0, skip_search: bool = False, planted: int = 0) -> dict:
    if skip_search:
        return {"backend": label, "customers": 0, "generate_s": 0.0, "reused_db": False, "search": None,
                "import": import_speed(new_url(), import_rows, folder, import_base),
                "raw_import": raw_import(new_url(), import_rows, import_base)}
    url = existing or new_url()
    database.connect(url)
    migrate.migrate()
    if existing:  # customers generated by an earlier run (--db): sample them
        started = time.perf_counter()
        settle_indexes()
        sample = sample_rows(1000)
        customers = db.execute_sql("SELECT count(*) FROM customer").fetchone()[0]
    else:
        if not is_postgres():
            db.execute_sql("PRAGMA synchronous = OFF")  # generation only; the timed parts use the normal pragmas
        started = time.perf_counter()
        sample = fill(customers)
    generated = time.perf_counter() - started
    if not is_postgres():
        database.close()
        database.connect(url)
    result = {"backend": label, "customers": customers, "generate_s": generated, "reused_db": bool(existing)}
    result["search"] = time_queries(queries(sample, random.Random(9)))
    result["typo"] = time_typos(typo_queries(sample, random.Random(13)))
    if planted and not existing:  # never plant into a database given with --db
        result["duplicates"] = duplicates_run(planted)
    database.close()
    if not import_rows:  # --import-rows 0: search only
        return result
    result["import"] = import_speed(new_url(), import_rows, folder, import_base)
    result["raw_import"] = raw_import(new_url(), import_rows, import_base)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--pg", default=None, help="postgresql:// URL to run the same on PostgreSQL")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--db", default=None, help="search an existing SQLite or PostgreSQL database filled by fill() "
                                                   "instead of generating one (imports still use fresh databases)")
    parser.add_argument("--import-base", type=int, default=0,
                        help="customers (made by fill) already in each import database; 0: imports into empty ones")
    parser.add_argument("--import-only", action="store_true", help="time the imports only, no search")
    parser.add_argument("--duplicates", type=int, default=0, metavar="P",
                        help="plant P duplicates after the search timings and time `customers duplicates`")
    parser.add_argument("--json", dest="json_out", default=None, help="write the figures as JSON here")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="deskapp-bench-") as tmp:
        folder = Path(tmp)
        if not args.skip_sqlite:
            counter = iter(range(100))
            existing = args.db if args.db and args.db.startswith("sqlite") else None
            results.append(run_backend("sqlite", lambda: f"sqlite:///{folder}/bench{next(counter)}.db",
                                       args.customers, args.import_rows, folder, existing,
                                       args.import_base, args.import_only, args.duplicates))
        if args.pg:
            schemas = PgSchemas(args.pg)
            try:
                existing = args.db if args.db and args.db.startswith("postgres") else None
                results.append(run_backend("postgresql", schemas.new, args.customers, args.import_rows, folder,
                                           existing, args.import_base, args.import_only, args.duplicates))
            finally:
                database.close()
                schemas.drop()
    print_table(results)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2))


def print_table(results: list[dict]) -> None:
    print(f"{'backend':<11} {'customers':>10} {'deskapp p50':>12} {'p95':>8} {'raw p50':>8} {'raw p95':>8} "
          f"{'ratio':>6} {'import rows/s':>14} {'raw rows/s':>11}  targets: p95<=20ms ratio<=2 import>=5000/s")
    for r in results:
        s, i, raw = r["search"], r.get("import"), r.get("raw_import")
        if s is None:  # --import-only
            ok = i["rows_per_s"] >= 5000
            print(f"{r['backend']:<11} {'-':>10} {'-':>12} {'-':>8} {'-':>8} {'-':>8} {'-':>6} "
                  f"{i['rows_per_s']:>14,.0f} {raw['rows_per_s']:>11,.0f}  {'OK' if ok else 'MISSED'}")
        else:
            ok = (s["deskapp_p95_ms"] <= 20 and s["ratio_p95"] <= 2 and s.get("max_ms", 0) <= 50
                  and (i is None or i["rows_per_s"] >= 5000))
            rates = (f"{i['rows_per_s']:>14,.0f} {raw['rows_per_s']:>11,.0f}" if i is not None
                     else f"{'-':>14} {'-':>11}")
            print(f"{r['backend']:<11} {r['customers']:>10,} {s['deskapp_p50_ms']:>10.2f}ms "
                  f"{s['deskapp_p95_ms']:>6.2f}ms {s['raw_p50_ms']:>6.2f}ms {s['raw_p95_ms']:>6.2f}ms "
                  f"{s['ratio_p95']:>6.2f} {rates}  {'OK' if ok else 'MISSED'}")
            made = "existing database" if r.get("reused_db") else f"generation {r['generate_s']:.0f} s"
            print(f"{'':<11} {made}; {s['queries']} queries x {s['rounds']}; slowest {s['slowest'][0]:.1f} ms "
                  f"({s['slowest'][1]!r}; target <= 50 ms); max by kind, deskapp (raw SQL) ms: "
                  + ", ".join(f"{k} {f['max_ms']:.1f} ({f['raw_max_ms']:.1f})" for k, f in s["by_kind"].items()))
            print(f"{'':<11} by kind, deskapp p50 / p95 (raw SQL p50 / p95) ms:")
            for kind, f in s.get("by_kind", {}).items():
                print(f"{'':<13}{kind:<12} {f['p50_ms']:>6.1f} / {f['p95_ms']:>6.1f}  "
                      f"({f['raw_p50_ms']:.1f} / {f['raw_p95_ms']:.1f})")
        t = r.get("typo")
        if t is not None:
            print(f"{'':<11} misspelt names ({t['queries']} x {t['rounds']}): p50 {t['p50_ms']:.1f} ms, p95 "
                  f"{t['p95_ms']:.1f} ms, max {t['max_ms']:.1f} ms, customer meant on the first page "
                  f"{t['meant_on_first_page']:.0%}  target p95<=60ms {'OK' if t['p95_ms'] <= 60 else 'MISSED'}")
        d = r.get("duplicates")
        if d is not None:
            print(f"{'':<11} customers duplicates over {d['customers']:,} customers: {d['seconds']:.0f} s, "
                  f"{d['pairs_listed']:,} pairs listed, {d['planted_listed']}/{d['planted']} planted found "
                  f"(recall {d['recall']:.0%}), precision {d['precision']:.0%} (top {d['planted']}: "
                  f"{d['precision_of_top_planted_count']:.0%})  target <10 min {'OK' if d['seconds'] < 600 else 'MISSED'}")
            print(f"{'':<11} other pairs listed, by reasons: {d['other_pairs_by_reasons']}")
        if i is not None:
            print(f"{'':<11} import of {i['rows']:,} rows into a database holding {i.get('customers_before', 0):,} "
                  f"customers: {i['seconds']:.1f} s; second import {i['second_import_rows_per_s']:,.0f} rows/s; "
                  f"raw SQL {raw['seconds']:.1f} s")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
