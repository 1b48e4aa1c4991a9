"""Search work is bounded by a page, not by how many customers share what was typed (issue #18,
Performance): a prefix of 4+ letters that begins no name ("silvx") and a phone typed with its
country code ("+351 9") read as much with 6,000 customers starting "sil" / "3519" as with 18,000.
Work is measured by the database itself: SQLite's virtual machine instructions (progress handler),
PostgreSQL's rows fetched in the transaction (pg_stat_xact_user_tables). Times belong to bench/."""
from __future__ import annotations

import datetime as dt
import logging
from contextlib import contextmanager

import pytest

from deskapp.core.customers import edit as customer_edit
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.security.auth import Session
from deskapp.db import database
from deskapp.db.search import DIGITS_INSIDE, EXACT_KEY, search_customers

BOSS = Session("sofia", "Sofia Almeida", "supervisor")
NOW = dt.datetime(2026, 1, 5, 9, 0)


def _add_silvas(count: int) -> None:
    """`count` more customers named Ana Silva, each with a Portuguese mobile beginning 3519."""
    db, p = database.db, database.db.param
    true, false = ("TRUE", "FALSE") if database.is_postgres() else ("1", "0")
    first = db.execute_sql("SELECT count(*) FROM customer").fetchone()[0]
    with db.atomic():
        for start in range(first, first + count, 500):
            rows = range(start, min(start + 500, first + count))
            db.execute_sql(
                "INSERT INTO customer (number, name, name_folded, active, marketing_consent, created_at) VALUES "
                + ", ".join([f"({p}, 'Ana Silva', 'ana silva', {true}, {false}, {p})"] * len(rows)),
                [v for i in rows for v in (f"B{i:07d}", NOW)])
        db.execute_sql("INSERT INTO customer_phone (customer_id, digits, label) SELECT id, '3519' || (10000000 + id), "
                       "'mobile' FROM customer WHERE id NOT IN (SELECT customer_id FROM customer_phone)")
    if database.is_postgres():
        db.execute_sql("ANALYZE customer")
        db.execute_sql("ANALYZE customer_phone")


@contextmanager
def _work():
    """Yields a list that holds, after the block, the work the database did in it."""
    done: list[int] = []
    db = database.db
    if database.is_postgres():
        read = ("SELECT coalesce(sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)), 0) "
                "FROM pg_stat_xact_user_tables WHERE relname IN ('customer', 'customer_phone')")
        with db.atomic():
            before = db.execute_sql(read).fetchone()[0]
            yield done
            done.append(int(db.execute_sql(read).fetchone()[0] - before))
        return
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    connection = db.connection()
    connection.set_progress_handler(count, 100)
    try:
        yield done
    finally:
        connection.set_progress_handler(None, 0)
    done.append(steps[0])


def _work_for(text: str) -> int:
    search_customers(text, region="PT")  # statements prepared, pages cached: the same for both sizes
    with _work() as done:
        found = search_customers(text, region="PT")
    assert len(found) in (0, 20)
    return done[0]


@pytest.mark.parametrize("typed", ["silvx", "ana silvx", "+351 9", "+351 91", "00351 9", "ana x", "ana silvx q"])
def test_work_does_not_grow_with_the_customers_sharing_a_prefix(ctx, typed):
    _add_silvas(6_000)
    small = _work_for(typed)
    _add_silvas(12_000)
    large = _work_for(typed)
    assert large <= small * 1.2 + 50, (small, large)  # unbounded work grows threefold


def test_a_word_beginning_no_name_word_is_known_from_the_vocabulary_kept_with_the_names(ctx):
    """"ana x" reads no Ana for the x (the vocabulary of name words says no name word begins with
    x), yet finds the first customer whose name gets such a word, at once (kept in the same transaction)."""
    from deskapp.db.search import PREFIXES
    _add_silvas(50)
    assert all(rank > PREFIXES for _, rank in search_customers("ana x", region="PT"))
    xavier = _add(ctx, "Ana Xavier", "+351 912 000 222")
    assert dict(search_customers("ana x", region="PT"))[xavier] == PREFIXES
    assert dict(search_customers("xav an", region="PT"))[xavier] == PREFIXES


def _add(ctx, name: str, phone: str, nid: str = "") -> int:
    return customer_edit.create(ctx, BOSS, CustomerDraft(name=name, phones=[phone], national_id=nid), force=True).id


def test_a_number_typed_with_its_country_code_only_begins_a_stored_number(ctx):
    lisbon = _add(ctx, "Rui Sousa", "+351 912 345 678")  # 351912345678
    london = _add(ctx, "Harry Jones", "+44 20 7135 1900")  # 442071351900: 3519 in the middle
    for typed in ("+351 9", "+351 91", "00351 9", "(+351) 9", "+351 912 3"):
        found = dict(search_customers(typed, region="PT"))
        assert found == {lisbon: DIGITS_INSIDE}, typed
    assert dict(search_customers("+44 20 71", region="PT")) == {london: DIGITS_INSIDE}
    # Without the country code the digits may be anywhere in a number (its last digits, say).
    assert london in dict(search_customers("3519", region="PT"))
    assert london in dict(search_customers("1351 9", region="PT"))
    # In national format at the branch: the number beginning with the branch's country code and them.
    assert dict(search_customers("912 3", region="PT")).get(lisbon) == DIGITS_INSIDE


def test_a_whole_id_does_not_look_inside_every_phone(ctx, caplog):
    """A national ID (8 digits or more) at a branch: an exact key, a number's end or its beginning,
    never digits inside phones (the trigram index, whose cost grows with the digits' commonness):
    the statements run (peewee's log of them) do not ask for it."""
    nid = "123456789"
    maria = _add(ctx, "Maria Costa", "+351 912 000 111", nid)
    inside = _add(ctx, "Rui Sousa", "+44 20 1234 5678")  # 442012345678: most of the ID inside
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        found = search_customers(nid, region="PT")
    statements = [str(r.msg) for r in caplog.records if r.name == "peewee"]
    assert any("customer_phone" in s for s in statements)  # the log holds the statements
    assert [s for s in statements if "customer_phone_fts" in s or "digits LIKE" in s] == []
    assert found[0] == (maria, EXACT_KEY)
    assert inside not in dict(found)
    # Fewer digits are still looked for inside numbers.
    assert inside in dict(search_customers("2345", region="PT"))


def test_a_full_name_typed_whole_is_not_looked_for_again_as_prefixes(ctx, caplog):
    """Words that begin no longer name word (the vocabulary says so) find by prefix what they find
    whole: a full name typed whole reads its names once, not again through the first-letters index
    (PostgreSQL) or FTS5's prefix stream (SQLite). A longer word that one begins brings the step back."""
    from deskapp.db.search import PREFIXES, WHOLE_WORDS
    prefix_statement = "oldest WHERE ' ' || name_folded" if database.is_postgres() else "CROSS JOIN customer"
    rui = _add(ctx, "Rui Tavares Sousa", "+351 912 000 333")
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        found = dict(search_customers("rui sousa", region="PT"))
    statements = [str(r.msg) for r in caplog.records if r.name == "peewee"]
    assert any("customer_name_word" in s for s in statements)  # the log holds the statements
    assert [s for s in statements if prefix_statement in s] == []
    assert found == {rui: WHOLE_WORDS}
    ruiz = _add(ctx, "Ruiz Sousa", "+351 912 000 444")
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        found = dict(search_customers("rui sousa", region="PT"))
    assert [str(r.msg) for r in caplog.records if r.name == "peewee" and prefix_statement in str(r.msg)] != []
    assert found == {rui: WHOLE_WORDS, ruiz: PREFIXES}


def _add_many(name: str, count: int) -> None:
    """`count` more customers named `name` (no phones)."""
    db, p = database.db, database.db.param
    true, false = ("TRUE", "FALSE") if database.is_postgres() else ("1", "0")
    first = db.execute_sql("SELECT count(*) FROM customer").fetchone()[0]
    with db.atomic():
        for start in range(first, first + count, 500):
            rows = range(start, min(start + 500, first + count))
            db.execute_sql(
                "INSERT INTO customer (number, name, name_folded, active, marketing_consent, created_at) VALUES "
                + ", ".join([f"({p}, {p}, {p}, {true}, {false}, {p})"] * len(rows)),
                [v for i in rows for v in (f"P{i:07d}", name, name.lower(), NOW)])
    if database.is_postgres():
        # As autovacuum would after a bulk insert: each name's trigger updated the vocabulary's
        # count of "ana", leaving thousands of dead versions of that row for any reader to skip.
        for table in ("customer", "customer_name_word", "customer_name_pair"):
            db.execute_sql(f"VACUUM ANALYZE {table}")


_PAGES_BY_STATEMENT: list = []
_PLANS: list = []


@contextmanager
def _pages_read():
    """Yields a list that holds, after the block, the buffer pages PostgreSQL read for the block's
    SELECT statements (EXPLAIN ANALYZE BUFFERS of each, run again), index pages included: the
    posting lists a GIN index intersects are pages read, not rows fetched. The vocabulary's
    counts are not among them (see below)."""
    db = database.db.obj  # the bound database behind the proxy
    run = db.execute_sql
    statements: list[tuple] = []

    def recording(sql, params=None, *args, **kwargs):
        # The vocabulary's counts (a range of at most 200 words per prefix) are left out: the bulk
        # inserts here leave dead versions of the "ana" row that VACUUM may not yet remove while
        # other sessions of the server hold older snapshots (autovacuum's work on a live server).
        if sql.lstrip().upper().startswith(("SELECT", "WITH")) and "customer_name_word" not in sql:
            statements.append((sql, params))
        return run(sql, params, *args, **kwargs)

    done: list[int] = []
    _PAGES_BY_STATEMENT.clear()
    _PLANS.clear()
    db.execute_sql = recording
    try:
        yield done
    finally:
        del db.execute_sql  # the class's method again
    pages = 0
    for sql, params in statements:
        plan = run(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params).fetchone()[0]
        top = (plan if isinstance(plan, list) else __import__("json").loads(plan))[0]["Plan"]
        read = top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
        pages += read
        _PAGES_BY_STATEMENT.append((read, sql[:150]))
        _PLANS.append((sql, top))
    done.append(pages)


@pytest.mark.parametrize("typed", ["ana sous", "ana sousa", "sou ana", "ana sou r"])
def test_two_common_words_rarely_together_read_a_page_not_every_customer_of_each(ctx, typed):
    """"ana sous" with thousands of Ana Silva and of Rui Sousa, and one Ana Sousa: the names
    holding both are found without reading every Ana and every Sousa (PostgreSQL: the B-tree of
    word pairs of 0020, read in customer order; SQLite: FTS5's prefix doclists, walked in rowid
    order). The work (pages read; SQLite's virtual machine steps) does not grow with them. (Five
    Ana Sousa, so that the typo-tolerant steps, for fewer, are not asked.)"""
    ana = _add(ctx, "Ana Sousa Rebelo", "+351 912 000 555")
    for k in range(4):
        _add(ctx, "Ana Sousa Rebelo", f"+351 912 000 56{k}")
    measure = _pages_read if database.is_postgres() else _work

    def work() -> int:
        search_customers(typed, region="PT")
        with measure() as done:
            found = search_customers(typed, region="PT")
        assert ana in dict(found)
        return done[0]

    _add_many("Ana Silva", 3_000)
    _add_many("Rui Sousa", 3_000)
    small = work()
    _add_many("Ana Silva", 9_000)
    _add_many("Rui Sousa", 9_000)
    large = work()
    assert large <= small * 1.2 + 20, (small, large, _PAGES_BY_STATEMENT)
    if database.is_postgres() and typed != "ana sousa":  # a full name's words: no prefix step (see above)
        # Pages alone hardly tell: GIN's posting lists are compressed, so intersecting every Ana with
        # every Sousa costs CPU over their entries (ms at a million), not many pages. The plan does:
        # the prefix step walks the pair's B-tree range in customer order under its LIMIT, no bitmap.
        paired = [top for sql, top in _PLANS if "customer_name_pair" in sql]
        assert paired, [sql[:80] for sql, _ in _PLANS]
        nodes = _nodes(paired[0])
        assert any(n.get("Index Name") == "customer_name_pair_pkey" for n in nodes), nodes
        assert not any("Bitmap" in n["Node Type"] for n in nodes), [n["Node Type"] for n in nodes]


def _nodes(plan: dict) -> list[dict]:
    return [plan] + [node for child in plan.get("Plans", []) for node in _nodes(child)]


def test_name_pairs_follow_every_change_of_a_name(ctx):
    """The pairs (0020) are kept by the database: a new name is found by two of its prefixes at
    once, a renamed customer by the new name's and not the old one's, an erased one by neither;
    a name of more words than the pairs are made of is found by any two of them."""
    from deskapp.db.search import PREFIXES
    _add_many("Ana Silva", 30)
    rui = _add(ctx, "Rui Tavares", "+351 912 000 666")
    assert dict(search_customers("rui tava", region="PT")).get(rui) == PREFIXES
    customer_edit.update(ctx, BOSS, rui, CustomerDraft(name="Rui Barbosa", phones=["+351 912 000 666"]))
    assert rui not in dict(search_customers("rui tava", region="PT"))
    assert dict(search_customers("rui barb", region="PT")).get(rui) == PREFIXES
    words = " ".join(f"Nome{chr(97 + i)}{chr(97 + i)}" for i in range(15))  # Nomeaa Nomebb ... 15 words
    long = _add(ctx, f"{words} Zacarias Quintela", "+351 912 000 777")
    assert dict(search_customers("zaca quin", region="PT")).get(long) == PREFIXES
    database.db.execute_sql(f"DELETE FROM customer_phone WHERE customer_id = {database.db.param}", (rui,))
    database.db.execute_sql(f"DELETE FROM customer WHERE id = {database.db.param}", (rui,))
    assert rui not in dict(search_customers("rui barb", region="PT"))
    if database.is_postgres():
        left = database.db.execute_sql("SELECT count(*) FROM customer_name_pair WHERE customer_id = %s",
                                       (rui,)).fetchone()[0]
        assert left == 0


def test_a_typed_word_that_is_no_name_word_reads_no_name_as_whole_words(ctx, caplog):
    """"ana sou" on the way to "ana sousa": "sou" is no name word (the vocabulary says so), so on
    PostgreSQL the whole-words step ends before the oldest customers are probed; the prefix step
    finds Ana Sousa. A word that is a name word still asks the step."""
    from deskapp.db.search import PREFIXES, WHOLE_WORDS
    ana = _add(ctx, "Ana Sousa Lima", "+351 912 000 888")
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        found = dict(search_customers("ana sou", region="PT"))
    statements = [str(r.msg) for r in caplog.records if r.name == "peewee"]
    assert any("customer_name_word" in s for s in statements)  # the log holds the statements
    if database.is_postgres():
        assert [s for s in statements if "to_tsvector" in s and "probe" in s] == []
    assert found[ana] == PREFIXES
    assert dict(search_customers("ana sousa", region="PT"))[ana] == WHOLE_WORDS
