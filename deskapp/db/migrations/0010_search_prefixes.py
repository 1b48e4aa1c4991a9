"""Search speed on PostgreSQL: an index of the first letters of every name word.

A name prefix typed as a teller types it ("zoe nune") was answered by the tsvector GIN index with
prefix lexemes ('zoe':* & 'nune':*), which PostgreSQL serves by reading every entry that begins
with each prefix into a bitmap before intersecting them: 25 ms and more at a million customers,
whatever the result ("zoe n", as typed on the way to "zoe nunes": 200 ms). Here each
customer's name gets the set of the first one, two and three letters of its words
(customer_name_prefixes('maria de sousa') = {m, ma, mar, d, de, s, so, sou}), indexed with GIN as
exact keys: "zoe nune" asks for names holding both {zoe, nun}, "zoe n" for {zoe, n}, which the
index intersects without a prefix scan; the whole prefixes typed are then checked on those names
("nune"). Letters alone still find no name (deskapp.db.search asks only with a longer word).

customer_name_prefixes is an IMMUTABLE SQL function of name_folded, so the index follows every
write (any client's too) without a trigger; no column changes, the models are unchanged.
SQLite needs nothing: its FTS5 table has a 3-character prefix index already (0003).
"""
from peewee import PostgresqlDatabase


def up(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return
    db.execute_sql(
        "CREATE FUNCTION customer_name_prefixes(name text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT "
        "PARALLEL SAFE AS $$ SELECT coalesce(array_agg(DISTINCT p), '{}') "
        "FROM unnest(string_to_array(name, ' ')) AS w, LATERAL (VALUES (left(w, 1)), (left(w, 2)), (left(w, 3))) "
        "AS v(p) WHERE length(w) >= 1 $$")
    db.execute_sql("CREATE INDEX customer_name_prefixes ON customer USING gin (customer_name_prefixes(name_folded))")
