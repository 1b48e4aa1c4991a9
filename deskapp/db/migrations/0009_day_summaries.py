"""Per-day summaries of closed days, for reports over long periods (deskapp.core.day_summaries).

summary_day: one row per (branch, day) that a report has summarised or is about to. `version`
counts the changes written to that day's tickets and feedback since the row exists;
`summarised_version` is the version the summary rows were computed at (null: none yet) and
`timezone` the branch timezone the per-hour rows were cut with. A summary is valid only while
summarised_version = version and the timezone is the branch's.

Triggers keep `version` honest in the database itself, whoever writes: any insert, update or
delete of a ticket, any insert, update or delete of feedback (by its ticket's day), and a change
of a service's target wait (every day of the branch) add 1 to the matching rows. A day without
a summary_day row (today, or a day never reported) has nothing to update, so the queue's hot
path pays one index probe that finds nothing (and on PostgreSQL a shared advisory lock on the
branch and day, which only a process summarising that day ever waits for).

The summary rows, all keyed by (branch, day) and rebuilt whole for a day:
- summary_sums: the counts and sums of deskapp.core.period_sums per (service, counter, staff);
- summary_waits: per service, every wait (seconds, as period_sums reads them) of the tickets that
  reached service, as a sorted array of 8-byte floats: the 90th percentile stays exact;
- summary_hours: per branch-local (date, hour) the per-hour sums of the day's tickets;
- summary_feedback: per service, customer feedback counts by (answered, csat, nps, ces).
"""
from peewee import (
    BlobField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    PostgresqlDatabase,
)

SUMMARY_TABLES = ("summary_sums", "summary_waits", "summary_hours", "summary_feedback")


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Branch(Base):
        class Meta:
            table_name = "branch"

    class Service(Base):
        class Meta:
            table_name = "service"

    class SummaryDay(Base):
        branch = ForeignKeyField(Branch)
        day = DateField()
        version = IntegerField(default=0)
        summarised_version = IntegerField(null=True)
        timezone = CharField(max_length=64, null=True)
        summarised_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("branch", "day"), True),)

    class SummarySums(Base):
        branch = ForeignKeyField(Branch, index=False)
        day = DateField()
        service = ForeignKeyField(Service, index=False)
        counter_id = IntegerField(null=True)
        staff_id = IntegerField(null=True)
        n = IntegerField()
        done = IntegerField()
        called = IntegerField()
        no_show = IntegerField()
        walk = IntegerField()
        on_time = IntegerField()
        wait_sum = FloatField()
        waits = IntegerField()
        service_sum = FloatField()
        services = IntegerField()
        reached = IntegerField()
        reached_done = IntegerField()

        class Meta:
            indexes = ((("branch", "day"), False),)

    class SummaryWaits(Base):
        branch = ForeignKeyField(Branch, index=False)
        day = DateField()
        service = ForeignKeyField(Service, index=False)
        seconds = BlobField()

        class Meta:
            indexes = ((("branch", "day"), False),)

    class SummaryHours(Base):
        branch = ForeignKeyField(Branch, index=False)
        day = DateField()
        local_day = DateField()
        hour = IntegerField()
        arrivals = IntegerField()
        completed = IntegerField()
        called = IntegerField()
        on_time = IntegerField()
        wait_sum = FloatField()
        waits = IntegerField()

        class Meta:
            indexes = ((("branch", "day"), False),)

    class SummaryFeedback(Base):
        branch = ForeignKeyField(Branch, index=False)
        day = DateField()
        service = ForeignKeyField(Service, index=False)
        answered = BooleanField()
        csat = IntegerField(null=True)
        nps = IntegerField(null=True)
        ces = IntegerField(null=True)
        count = IntegerField()

        class Meta:
            indexes = ((("branch", "day"), False),)

    db.create_tables([SummaryDay, SummarySums, SummaryWaits, SummaryHours, SummaryFeedback])
    bump = "UPDATE summary_day SET version = version + 1 WHERE branch_id = {row}.branch_id AND day = {row}.day"
    bump_feedback = ("UPDATE summary_day SET version = version + 1 WHERE branch_id = {row}.branch_id "
                     "AND day = (SELECT day FROM ticket WHERE id = {row}.ticket_id)")
    bump_branch = "UPDATE summary_day SET version = version + 1 WHERE branch_id = NEW.branch_id"
    if isinstance(db, PostgresqlDatabase):
        # Each write also takes a shared advisory lock on its (branch, day) until it commits; a
        # process summarising that day takes the same lock exclusively first, so it waits for the
        # writes under way and those that follow wait for it (they then raise the version).
        ticket_lock = "PERFORM pg_advisory_xact_lock_shared({row}.branch_id, {row}.day - DATE '2000-01-01')"
        feedback_lock = ("PERFORM pg_advisory_xact_lock_shared({row}.branch_id, "
                         "(SELECT day FROM ticket WHERE id = {row}.ticket_id) - DATE '2000-01-01')")
        for name, lock, body, key in (
            ("ticket", ticket_lock, bump, "{row}.branch_id, {row}.day"),
            ("feedback", feedback_lock, bump_feedback, "{row}.branch_id, {row}.ticket_id"),
        ):
            # The old row's day only when it is not the new row's (a delete, or a row moved).
            old_day = (f"TG_OP = 'DELETE' OR TG_OP = 'UPDATE' AND ({key.format(row='OLD')}) "
                       f"IS DISTINCT FROM ({key.format(row='NEW')})")
            db.execute_sql(
                f"CREATE OR REPLACE FUNCTION {name}_summary_changed() RETURNS trigger AS $$ BEGIN "
                f"IF {old_day} THEN {lock.format(row='OLD')}; {body.format(row='OLD')}; END IF; "
                f"IF TG_OP <> 'DELETE' THEN {lock.format(row='NEW')}; {body.format(row='NEW')}; END IF; "
                f"RETURN NULL; END; $$ LANGUAGE plpgsql")
            db.execute_sql(f"CREATE TRIGGER {name}_summary_changed AFTER INSERT OR UPDATE OR DELETE ON {name} "
                           f"FOR EACH ROW EXECUTE FUNCTION {name}_summary_changed()")
        db.execute_sql(f"CREATE OR REPLACE FUNCTION service_target_changed() RETURNS trigger AS $$ BEGIN "
                       f"{bump_branch}; RETURN NULL; END; $$ LANGUAGE plpgsql")
        db.execute_sql("CREATE TRIGGER service_target_changed AFTER UPDATE OF target_wait_minutes ON service "
                       "FOR EACH ROW WHEN (OLD.target_wait_minutes IS DISTINCT FROM NEW.target_wait_minutes) "
                       "EXECUTE FUNCTION service_target_changed()")
        return
    for name, body, key in (("ticket", bump, "day"), ("feedback", bump_feedback, "ticket_id")):
        db.execute_sql(f"CREATE TRIGGER {name}_summary_inserted AFTER INSERT ON {name} BEGIN "
                       f"{body.format(row='NEW')}; END")
        db.execute_sql(f"CREATE TRIGGER {name}_summary_deleted AFTER DELETE ON {name} BEGIN "
                       f"{body.format(row='OLD')}; END")
        db.execute_sql(f"CREATE TRIGGER {name}_summary_updated AFTER UPDATE ON {name} BEGIN "
                       f"{body.format(row='NEW')}; END")
        db.execute_sql(f"CREATE TRIGGER {name}_summary_moved AFTER UPDATE ON {name} "
                       f"WHEN OLD.branch_id IS NOT NEW.branch_id OR OLD.{key} IS NOT NEW.{key} BEGIN "
                       f"{body.format(row='OLD')}; END")
    db.execute_sql("CREATE TRIGGER service_target_changed AFTER UPDATE OF target_wait_minutes ON service "
                   "WHEN OLD.target_wait_minutes IS NOT NEW.target_wait_minutes "
                   f"BEGIN {bump_branch}; END")


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        for name in ("ticket", "feedback"):
            db.execute_sql(f"DROP TRIGGER {name}_summary_changed ON {name}")
            db.execute_sql(f"DROP FUNCTION {name}_summary_changed()")
        db.execute_sql("DROP TRIGGER service_target_changed ON service")
        db.execute_sql("DROP FUNCTION service_target_changed()")
    else:
        for name in ("ticket", "feedback"):
            for op in ("inserted", "deleted", "updated", "moved"):
                db.execute_sql(f"DROP TRIGGER {name}_summary_{op}")
        db.execute_sql("DROP TRIGGER service_target_changed")
    for table in (*SUMMARY_TABLES, "summary_day"):
        db.execute_sql(f"DROP TABLE {table}")
