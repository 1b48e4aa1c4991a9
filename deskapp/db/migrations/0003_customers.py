"""Customers: the full record, products, interactions, needs, life events, and the search indexes.

New Customer columns (consent, KYC, identity document, address, the folded name that search
reads); new tables Product, Interaction, Need and LifeEvent (frozen copies, as in 0001).

Search indexes (deskapp.db.search reads them):
- SQLite: FTS5 external-content tables over customer.name_folded (unicode61, diacritics
  removed, prefix indexes for 2 and 3 characters), customer.national_id and
  customer_phone.digits (trigram, for last digits and digits anywhere), kept in step by triggers.
- PostgreSQL: a GIN index on to_tsvector('simple', name_folded), and pg_trgm GIN indexes on
  customer.national_id and customer_phone.digits. The extension is created once per database.

Existing customers get their folded name here, with the same helper core uses when it writes a
name; if that helper ever changes, a later migration must fold every name again.
"""
from peewee import (
    SQL,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    PostgresqlDatabase,
    TextField,
)

from deskapp.db.search import folded_name


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Customer(Base):
        name = CharField()
        name_folded = CharField(default="")

        class Meta:
            table_name = "customer"

    class Ticket(Base):
        class Meta:
            table_name = "ticket"

    class Staff(Base):
        class Meta:
            table_name = "staff"

    class Product(Base):
        customer = ForeignKeyField(Customer)
        type = CharField(max_length=32)
        opened = DateField()
        status = CharField(max_length=12, default="active")
        account_number = CharField(max_length=34, null=True)
        created_at = DateTimeField()

    class Interaction(Base):
        customer = ForeignKeyField(Customer)
        ticket = ForeignKeyField(Ticket, null=True, unique=True)
        kind = CharField(max_length=12)
        service = CharField(max_length=20, null=True)
        staff = ForeignKeyField(Staff, null=True)
        outcome = CharField(max_length=64, null=True)
        duration_seconds = IntegerField(null=True)
        note = TextField(default="")
        at = DateTimeField()

        class Meta:
            indexes = ((("customer", "at"), False),)

    class Need(Base):
        customer = ForeignKeyField(Customer)
        category = CharField(max_length=32)
        description = TextField(default="")
        status = CharField(max_length=12, default="open")
        source = CharField(max_length=12)
        created_by = CharField(max_length=32, null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        met_by_product = ForeignKeyField(Product, null=True)
        met_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("customer", "status"), False),)

    class LifeEvent(Base):
        customer = ForeignKeyField(Customer)
        kind = CharField(max_length=20)
        date = DateField(null=True)
        note = TextField(default="")
        created_by = CharField(max_length=32, null=True)
        created_at = DateTimeField()

    false = "false" if isinstance(db, PostgresqlDatabase) else "0"
    migrator.migrate(
        migrator.add_column("customer", "address", TextField(null=True)),
        migrator.add_column(
            "customer", "marketing_consent",
            BooleanField(default=False, constraints=[SQL(f"DEFAULT {false}")]), allow_not_null=True,
        ),
        migrator.add_column("customer", "consent_at", DateTimeField(null=True)),
        migrator.add_column("customer", "consent_source", CharField(max_length=20, null=True)),
        migrator.add_column("customer", "kyc_review_due", DateField(null=True)),
        migrator.add_column("customer", "id_doc_type", CharField(max_length=20, null=True)),
        migrator.add_column("customer", "id_doc_expiry", DateField(null=True)),
        migrator.add_column(
            "customer", "name_folded", CharField(default="", constraints=[SQL("DEFAULT ''")]), allow_not_null=True
        ),
        migrator.add_column("customer", "updated_at", DateTimeField(null=True)),
        migrator.add_index("customer", ("name_folded",), False),
        migrator.add_index("customer", ("birth_date",), False),
    )
    db.create_tables([Product, Interaction, Need, LifeEvent])

    for customer in Customer.select(Customer.id, Customer.name).iterator():
        Customer.update(name_folded=folded_name(customer.name)).where(Customer.id == customer.id).execute()

    if isinstance(db, PostgresqlDatabase):
        _postgres_indexes(db)
    else:
        _sqlite_indexes(db)


def _postgres_indexes(db):
    row = db.execute_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
    ).fetchone()
    if row is None:
        # Into public when it exists, so every schema of the database (and every test schema) sees it.
        has_public = db.execute_sql("SELECT 1 FROM pg_namespace WHERE nspname = 'public'").fetchone()
        db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm" + (" WITH SCHEMA public" if has_public else ""))
        row = db.execute_sql(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        ).fetchone()
    trgm_ops = f'"{row[0]}".gin_trgm_ops'
    db.execute_sql(
        "CREATE INDEX customer_name_tsv ON customer USING gin (to_tsvector('simple'::regconfig, name_folded))"
    )
    db.execute_sql(f"CREATE INDEX customer_national_id_trgm ON customer USING gin (national_id {trgm_ops})")
    db.execute_sql(f"CREATE INDEX customer_phone_digits_trgm ON customer_phone USING gin (digits {trgm_ops})")


def _sqlite_indexes(db):
    statements = [
        "CREATE VIRTUAL TABLE customer_name_fts USING fts5(name_folded, content='customer', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2', prefix='2 3')",
        "CREATE VIRTUAL TABLE customer_nid_fts USING fts5(national_id, content='customer', content_rowid='id', "
        "tokenize='trigram')",
        "CREATE VIRTUAL TABLE customer_phone_fts USING fts5(digits, content='customer_phone', content_rowid='id', "
        "tokenize='trigram')",
        """CREATE TRIGGER customer_search_insert AFTER INSERT ON customer BEGIN
             INSERT INTO customer_name_fts(rowid, name_folded) VALUES (new.id, new.name_folded);
             INSERT INTO customer_nid_fts(rowid, national_id) VALUES (new.id, new.national_id);
           END""",
        """CREATE TRIGGER customer_search_delete AFTER DELETE ON customer BEGIN
             INSERT INTO customer_name_fts(customer_name_fts, rowid, name_folded)
               VALUES ('delete', old.id, old.name_folded);
             INSERT INTO customer_nid_fts(customer_nid_fts, rowid, national_id)
               VALUES ('delete', old.id, old.national_id);
           END""",
        """CREATE TRIGGER customer_search_update AFTER UPDATE OF name_folded, national_id ON customer BEGIN
             INSERT INTO customer_name_fts(customer_name_fts, rowid, name_folded)
               VALUES ('delete', old.id, old.name_folded);
             INSERT INTO customer_nid_fts(customer_nid_fts, rowid, national_id)
               VALUES ('delete', old.id, old.national_id);
             INSERT INTO customer_name_fts(rowid, name_folded) VALUES (new.id, new.name_folded);
             INSERT INTO customer_nid_fts(rowid, national_id) VALUES (new.id, new.national_id);
           END""",
        """CREATE TRIGGER customer_phone_search_insert AFTER INSERT ON customer_phone BEGIN
             INSERT INTO customer_phone_fts(rowid, digits) VALUES (new.id, new.digits);
           END""",
        """CREATE TRIGGER customer_phone_search_delete AFTER DELETE ON customer_phone BEGIN
             INSERT INTO customer_phone_fts(customer_phone_fts, rowid, digits) VALUES ('delete', old.id, old.digits);
           END""",
        """CREATE TRIGGER customer_phone_search_update AFTER UPDATE OF digits ON customer_phone BEGIN
             INSERT INTO customer_phone_fts(customer_phone_fts, rowid, digits) VALUES ('delete', old.id, old.digits);
             INSERT INTO customer_phone_fts(rowid, digits) VALUES (new.id, new.digits);
           END""",
        "INSERT INTO customer_name_fts(customer_name_fts) VALUES ('rebuild')",
        "INSERT INTO customer_nid_fts(customer_nid_fts) VALUES ('rebuild')",
        "INSERT INTO customer_phone_fts(customer_phone_fts) VALUES ('rebuild')",
    ]
    for statement in statements:
        db.execute_sql(statement)
