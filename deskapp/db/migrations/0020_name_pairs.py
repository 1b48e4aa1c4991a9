"""Search speed on PostgreSQL: two-word name prefixes answered from a B-tree of (word pair, customer).

"mar silv" asked the index of first letters (0010) for the names holding both {mar, sil}: GIN
reads the whole posting list of each key into a bitmap and intersects them, so the cost grew
with how many customers have a word beginning "mar" and one beginning "sil" (8 ms and more at a
million customers), however few names hold both.

customer_name_pair holds, for each customer, every pair of the first three letters of two of its
name words (a word under three letters whole), the two sorted and joined by a space: Maria de
Sousa Silva gives "de mar", "mar sou", "mar sil", "de sou", "de sil", "sil sou". Its primary key
(pair, customer_id) is a B-tree: the customers holding "mar" and "sil" are one range of it, read
in customer order, so a search reads its page of them (the whole prefixes "silv" checked on the
names) and stops: the work is bounded by the page, not by the table. A name of more than
PAIR_WORDS words gets the pairs of its first PAIR_WORDS words and the pair "" (which deskapp.db.search
also reads), so no name is missed and a long name costs at most PAIR_WORDS * (PAIR_WORDS - 1) / 2 rows.

Kept by a trigger on customer (any client's writes too), like the vocabulary (0016); existing
names are read once here. SQLite needs no pairs: FTS5 walks the doclists of "mar"* and "sil"* of
its 3-character prefix index in rowid order and stops at the page already (0003).

Both backends: customer_phone's indexes on digits and on customer_id become (digits, customer_id)
and (customer_id, digits). A phone beginning ("+351 92") is counted and read from the first alone,
in the order of the digits, without a table row per phone (a thousand rows read at random for a
common beginning: 5-30 ms at a million phones); a common one is then looked for in customer order
in the second, again without the table.
"""
from peewee import PostgresqlDatabase

PAIR_WORDS = 12


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        # Reading a million names into pairs takes minutes, longer than a desk's statement timeout.
        db.execute_sql("SET LOCAL statement_timeout = 0")
    for statement in (
        "CREATE INDEX customer_phone_digits_customer ON customer_phone (digits, customer_id)",
        "CREATE INDEX customer_phone_customer_digits ON customer_phone (customer_id, digits)",
        "DROP INDEX IF EXISTS customer_phone_digits",
        "DROP INDEX IF EXISTS customer_phone_customer_id",
    ):
        db.execute_sql(statement)
    if not isinstance(db, PostgresqlDatabase):
        return
    for statement in (
        # The pairs of one folded name (words separated by single spaces).
        "CREATE FUNCTION customer_name_pairs(name text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT "
        "PARALLEL SAFE AS $$ SELECT coalesce(array_agg(DISTINCT p), '{}') FROM ("
        "SELECT least(a.s, b.s) || ' ' || greatest(a.s, b.s) AS p "
        "FROM (SELECT left(w, 3) AS s, i FROM unnest(string_to_array(name, ' ')) WITH ORDINALITY AS t(w, i) "
        f"WHERE w <> '' AND i <= {PAIR_WORDS}) a "
        f"JOIN (SELECT left(w, 3) AS s, i FROM unnest(string_to_array(name, ' ')) WITH ORDINALITY AS t(w, i) "
        f"WHERE w <> '' AND i <= {PAIR_WORDS}) b ON a.i < b.i "
        f"UNION ALL SELECT '' WHERE cardinality(string_to_array(name, ' ')) > {PAIR_WORDS}) pairs $$",
        "CREATE TABLE customer_name_pair (pair text NOT NULL, customer_id integer NOT NULL, "
        "PRIMARY KEY (pair, customer_id))",
        """CREATE FUNCTION customer_pairs() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             IF TG_OP = 'UPDATE' AND OLD.name_folded IS NOT DISTINCT FROM NEW.name_folded THEN
               RETURN NULL;
             END IF;
             IF TG_OP IN ('UPDATE', 'DELETE') THEN
               DELETE FROM customer_name_pair
                 WHERE pair = ANY (customer_name_pairs(OLD.name_folded)) AND customer_id = OLD.id;
             END IF;
             IF TG_OP IN ('UPDATE', 'INSERT') THEN
               INSERT INTO customer_name_pair(pair, customer_id)
                 SELECT p, NEW.id FROM unnest(customer_name_pairs(NEW.name_folded)) AS p ON CONFLICT DO NOTHING;
             END IF;
             RETURN NULL;
           END $$""",
        "INSERT INTO customer_name_pair(pair, customer_id) "
        "SELECT p, id FROM customer, unnest(customer_name_pairs(name_folded)) AS p",
        "CREATE TRIGGER customer_pairs AFTER INSERT OR DELETE OR UPDATE OF name_folded ON customer "
        "FOR EACH ROW EXECUTE FUNCTION customer_pairs()",
        "ANALYZE customer_name_pair",  # planner statistics at once: the table was filled in one statement
    ):
        db.execute_sql(statement)
