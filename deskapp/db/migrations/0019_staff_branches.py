"""Staff across branches: one identity per person, a home branch and the branches they may work at.

staff.branch_id is now the home branch (set when the person is first synced, or by the
configuration's `home:`; never by which desk started last). staff_branch: (staff, branch), one row
per branch the person may work at (their home included). staff.all_branches: may work at (an
area_manager: sees) every branch, present and future. Existing staff get a row for their branch.

interaction.branch_id, need.branch_id, product.branch_id: the branch where it was recorded (the
customer 360 says where each happened); empty for rows from before this version, except a served
ticket's interaction, which takes its ticket's branch.

A frozen copy of the table as it is at this version.
"""
from peewee import BooleanField, ForeignKeyField, Model


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Branch(Base):
        class Meta:
            table_name = "branch"

    class Staff(Base):
        class Meta:
            table_name = "staff"

    class StaffBranch(Base):
        staff = ForeignKeyField(Staff, index=False)
        branch = ForeignKeyField(Branch)

        class Meta:
            indexes = ((("staff", "branch"), True),)

    migrator.migrate(
        migrator.add_column("staff", "all_branches", BooleanField(default=False)),
        *(migrator.add_column(table, "branch_id", ForeignKeyField(Branch, null=True, field=Branch.id))
          for table in ("interaction", "need", "product")),
    )
    db.execute_sql("UPDATE interaction SET branch_id = (SELECT t.branch_id FROM ticket t WHERE t.id = interaction.ticket_id) "
                   "WHERE ticket_id IS NOT NULL")
    db.create_tables([StaffBranch])
    db.execute_sql("INSERT INTO staff_branch (staff_id, branch_id) SELECT id, branch_id FROM staff "
                   "WHERE branch_id IS NOT NULL")


def down(migrator, db):
    db.execute_sql("DROP TABLE staff_branch")
    migrator.migrate(migrator.drop_column("staff", "all_branches"),
                     *(migrator.drop_column(table, "branch_id") for table in ("interaction", "need", "product")))
