"""Workflow step corrections: a step record gets a version and the reason for it.

A committed step stays as it was recorded; correcting it (deskapp.core.workflows.guide.amend_step)
writes the step again with the next version, who, when and why, and so does re-evaluating a later
step after a correction. The unique index moves from (ticket_id, step_id) to (ticket_id, step_id,
version): each version is written once, whichever desk tries again. Existing rows are version 1.
"""
from peewee import IntegerField, TextField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("step_record", "version", IntegerField(default=1)),
        migrator.add_column("step_record", "reason", TextField(null=True)),
    )
    db.execute_sql("DROP INDEX IF EXISTS step_record_ticket_id_step_id")
    migrator.migrate(migrator.add_index("step_record", ("ticket_id", "step_id", "version"), True))


def down(migrator, db):
    db.execute_sql("DROP INDEX IF EXISTS step_record_ticket_id_step_id_version")
    migrator.migrate(migrator.drop_column("step_record", "reason"), migrator.drop_column("step_record", "version"))
    migrator.migrate(migrator.add_index("step_record", ("ticket_id", "step_id"), True))
