"""Every wait promised at issue is kept with its ticket, so estimates can be checked against outcomes.

ticket.estimated_wait_minutes: the expected wait told when the ticket was issued (the point);
ticket.estimated_wait_low / estimated_wait_high: the range shown beside it (10th and 90th
percentile). Empty when no estimate was shown (no open counter served the service, or a ticket
from before this version). Transferred and moved tickets keep what their customer was told.
"""
from peewee import FloatField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("ticket", "estimated_wait_minutes", FloatField(null=True)),
        migrator.add_column("ticket", "estimated_wait_low", FloatField(null=True)),
        migrator.add_column("ticket", "estimated_wait_high", FloatField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("ticket", "estimated_wait_high"),
        migrator.drop_column("ticket", "estimated_wait_low"),
        migrator.drop_column("ticket", "estimated_wait_minutes"),
    )
