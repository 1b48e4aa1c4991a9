"""Search speed at a million customers: B-tree indexes on the last digits, one trigram index fewer.

"The last digits of a national ID" and "a phone without its country code" are questions about
the end of a value, which a plain B-tree over the value's tail answers with a short range scan:

- customer: an index on the national ID's last 4 characters (SQLite substr(national_id, -4),
  PostgreSQL right(national_id, 4)); a typed tail of 4 or more finds its few candidates there
  and the rest of the tail is checked on them;
- customer_phone: an index on the number's last 8 digits (substr(digits, -8) / right(digits, 8)),
  for a whole national number typed without its country code.

These replace the national ID trigram index (SQLite customer_nid_fts, PostgreSQL
customer_national_id_trgm), which read every ID containing the digits somewhere to keep the few
that end with them; on SQLite the customer triggers are rewritten without it. Digits anywhere
in a phone still use the phone trigram index. The expressions are built-in functions only, so
any client (sqlite3 shell, psql) keeps the indexes current without deskapp. No column changes:
the models are unchanged.

SQLite: the name and phone FTS5 tables are merged into one segment each ('optimize'), which a
database filled row by row (every statement flushes the FTS5 buffer) otherwise carries as many
small segments, each probed by every query.
"""
from peewee import PostgresqlDatabase


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP INDEX IF EXISTS customer_national_id_trgm")
        db.execute_sql("CREATE INDEX customer_national_id_tail ON customer (right(national_id, 4))")
        db.execute_sql("CREATE INDEX customer_phone_digits_tail ON customer_phone (right(digits, 8))")
        return
    for statement in (
        "CREATE INDEX customer_national_id_tail ON customer (substr(national_id, -4))",
        "CREATE INDEX customer_phone_digits_tail ON customer_phone (substr(digits, -8))",
        "DROP TRIGGER customer_search_insert",
        "DROP TRIGGER customer_search_delete",
        "DROP TRIGGER customer_search_update",
        "DROP TABLE customer_nid_fts",
        """CREATE TRIGGER customer_search_insert AFTER INSERT ON customer BEGIN
             INSERT INTO customer_name_fts(rowid, name_folded) VALUES (new.id, new.name_folded);
           END""",
        """CREATE TRIGGER customer_search_delete AFTER DELETE ON customer BEGIN
             INSERT INTO customer_name_fts(customer_name_fts, rowid, name_folded)
               VALUES ('delete', old.id, old.name_folded);
           END""",
        """CREATE TRIGGER customer_search_update AFTER UPDATE OF name_folded ON customer BEGIN
             INSERT INTO customer_name_fts(customer_name_fts, rowid, name_folded)
               VALUES ('delete', old.id, old.name_folded);
             INSERT INTO customer_name_fts(rowid, name_folded) VALUES (new.id, new.name_folded);
           END""",
        "INSERT INTO customer_name_fts(customer_name_fts) VALUES ('optimize')",
        "INSERT INTO customer_phone_fts(customer_phone_fts) VALUES ('optimize')",
    ):
        db.execute_sql(statement)
