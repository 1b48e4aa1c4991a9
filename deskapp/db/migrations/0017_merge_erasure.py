"""Merging duplicate customers, erasure on request (GDPR art. 17) and legal holds.

customer.merged_into_id: the survivor a merged-away record now points to (its number resolves there);
customer.legal_hold, legal_hold_reason: a hold (litigation, an authority's order) that blocks erasure;
customer.erased_at: when the record's personal data was erased (the row stays, holding no personal value).
follow_up.snooze_reason: why a follow-up was snoozed, which the audit detail used to hold; the audit
now names no free text, so an erasure can reach the reason here.
"""


def up(migrator, db):
    from peewee import PostgresqlDatabase

    timestamp = "TIMESTAMP" if isinstance(db, PostgresqlDatabase) else "DATETIME"
    for statement in (
        "ALTER TABLE customer ADD COLUMN merged_into_id INTEGER REFERENCES customer (id)",
        "ALTER TABLE customer ADD COLUMN legal_hold BOOLEAN NOT NULL DEFAULT FALSE",
        "ALTER TABLE customer ADD COLUMN legal_hold_reason TEXT",
        f"ALTER TABLE customer ADD COLUMN erased_at {timestamp}",
        "CREATE INDEX customer_merged_into_id ON customer (merged_into_id)",
        "ALTER TABLE follow_up ADD COLUMN snooze_reason TEXT",
    ):
        db.execute_sql(statement)


def down(migrator, db):
    for statement in (
        "ALTER TABLE follow_up DROP COLUMN snooze_reason",
        "DROP INDEX customer_merged_into_id",
        "ALTER TABLE customer DROP COLUMN erased_at",
        "ALTER TABLE customer DROP COLUMN legal_hold_reason",
        "ALTER TABLE customer DROP COLUMN legal_hold",
        "ALTER TABLE customer DROP COLUMN merged_into_id",
    ):
        db.execute_sql(statement)
