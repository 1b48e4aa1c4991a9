"""One error model and the log: every domain error has its words and exit code through describe(), a bug
is never "bad input", its traceback goes to the log file, and a day's work leaves one line per action in
the log without a name, national ID, phone or PIN in it."""
from __future__ import annotations

import importlib
import logging
import pkgutil

import pytest

import deskapp
from deskapp import logs
from deskapp.cli.common import report_error
from deskapp.config.errors import ConfigError, ConfigInvalid, UnknownBranch
from deskapp.config.expr_lex import ExprError
from deskapp.core import queue as q
from deskapp.core.appointments import BookingError, BookingInvalid, BookingNotFound, SlotFull
from deskapp.core.customers import directory as customers
from deskapp.core.customers import edit as customer_edit
from deskapp.core.customers.directory import CustomerNotFound
from deskapp.core.customers.edit import DuplicateNationalId, PossibleDuplicates
from deskapp.core.customers.erasure import ErasureRefused
from deskapp.core.customers.followups import FollowUpError
from deskapp.core.customers.io import ImportFailed
from deskapp.core.customers.merge import MergeRefused
from deskapp.core.customers.rules import CustomerDraft, CustomerInvalid
from deskapp.core.demo.branch import DemoError, national_id
from deskapp.core.errors import describe
from deskapp.core.feedback import recording
from deskapp.core.feedback.records import AlreadyAnswered, FeedbackError
from deskapp.core.notify.channels import SecretMissing
from deskapp.core.notify.contacts import ContactInvalid
from deskapp.core.queue.estimate import EstimateInvalid
from deskapp.core.relationship.offers import OfferError
from deskapp.core.relationship.portfolio import PortfolioError
from deskapp.core.security import auth
from deskapp.core.security.audit_trail import AuditFilterInvalid
from deskapp.core.security.auditor import AuditExportInvalid
from deskapp.core.security.auth import AuthError, Forbidden, Session
from deskapp.core.stats.figures import ReportError
from deskapp.core.workflows.guide import StepsLeft
from deskapp.core.workflows.state import StepInvalid, WorkflowError
from deskapp.db.backup import BackupError
from deskapp.db.database import DatabaseDamaged, DatabaseUnavailable
from deskapp.db.roles import RoleError
from deskapp.db.sqlite_file import UnsafeDatabaseFile
from deskapp.errors import DeskappError

CASES = [
    (q.QueueError("A001 is being served."), 1),
    (q.NotFound("There is no service 'X'."), 2),
    (StepsLeft("A001"), 1),
    (AuthError("Wrong login or PIN."), 1),
    (Forbidden("A teller may not do that."), 1),
    (CustomerInvalid({"birth_date": "is in the future"}), 2),
    (CustomerNotFound("There is no customer 42."), 2),
    (PossibleDuplicates([]), 1),
    (DuplicateNationalId(customers.CustomerSummary(*([None] * len(customers.CustomerSummary.__dataclass_fields__)))),
     2),
    (ImportFailed("The file has no header."), 2),
    (FollowUpError("This follow-up is closed."), 1),
    (FeedbackError("Nobody was served on A001."), 1),
    (AlreadyAnswered("A001 was rated already."), 1),
    (WorkflowError("The workflow is finished."), 1),
    (StepInvalid({"amount": "an amount like 1250"}), 2),
    (OfferError("There is no offer 'x'."), 2),
    (PortfolioError("Sort by one of: due."), 2),
    (ReportError("The period ends before it starts."), 2),
    (EstimateInvalid("counters must be 0 or more"), 2),
    (AuditFilterInvalid("There is no customer 7."), 2),
    (AuditExportInvalid("the period ends (2026-03-09) before it starts (2026-03-10)"), 2),
    (BackupError("OUT exists; --force replaces it."), 1),
    (DatabaseUnavailable("cannot open the database"), 1),
    (DatabaseDamaged("The database file is damaged."), 1),
    (UnsafeDatabaseFile("Every user of this computer may change /x/desk.db. Run: chmod 600 /x/desk.db"), 1),
    (RoleError("The desk role may not be the owner itself."), 1),
    (ConfigInvalid([ConfigError("config.yaml", 3, 5, "unknown key 'x'")]), 2),
    (UnknownBranch("unknown branch 'XX'; this configuration's branches: LIS01"), 2),
    (ExprError("unexpected ')'", 4), 2),
    (ErasureRefused("Customer 1042 is under a legal hold: it cannot be erased."), 2),
    (MergeRefused("A customer cannot be merged with itself."), 2),
    (DemoError("--load must be more than 0."), 2),
    (BookingError("Booking ABC234 is cancelled; only a booked one can change."), 1),
    (SlotFull("Cards is fully booked in that hour; choose another time."), 1),
    (BookingInvalid("11:10 is not one."), 2),
    (BookingNotFound("There is no booking ABC234."), 2),
    (ContactInvalid("'12' is not a phone number in PT: too few digits"), 2),
    (SecretMissing("the environment variable X (named by notifications.webhook.secret_env) is not set"), 2),
]


@pytest.mark.parametrize("exc, code", CASES, ids=[type(e).__name__ for e, _ in CASES])
def test_each_domain_error_has_its_words_and_exit_code(exc, code):
    told = describe(exc)
    assert (told.message, told.exit_code, told.expected) == (str(exc), code, True)
    assert told.severity in ("warning", "error")


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_no_deskapp_error_is_a_value_error_and_every_one_is_covered_above():
    for info in pkgutil.walk_packages(deskapp.__path__, "deskapp."):
        if not info.name.startswith(("deskapp.tui", "deskapp.db.migrations", "deskapp.__main__")):
            importlib.import_module(info.name)
    found = set(_all_subclasses(DeskappError))
    assert not [c for c in found if issubclass(c, ValueError)]
    assert {c for c in found if not c.__name__ == "BadInput"} <= {type(e) for e, _ in CASES}


def test_a_bug_s_value_error_is_not_bad_input_and_its_traceback_is_logged(tmp_path, capsys):
    logs.start("INFO", tmp_path / "deskapp.log")

    def buggy():
        return int("not a number")

    with pytest.raises(ValueError) as caught:
        buggy()
    with pytest.raises(SystemExit) as exited:
        report_error(caught.value)
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("deskapp: ValueError: invalid literal for int()")
    assert str(tmp_path / "deskapp.log") in err
    written = (tmp_path / "deskapp.log").read_text()
    assert "ERROR deskapp: unexpected ValueError" in written
    assert "Traceback (most recent call last)" in written and "in buggy" in written


def test_a_refused_action_is_a_warning_in_the_log(tmp_path):
    logs.start("INFO", tmp_path / "deskapp.log")
    told = describe(q.QueueError("Counter 2 holds no ticket; call the next one first."))
    assert told.exit_code == 1
    written = (tmp_path / "deskapp.log").read_text()
    assert "WARNING deskapp: refused (QueueError): Counter 2 holds no ticket" in written


def test_the_log_level_leaves_out_what_is_below_it(tmp_path):
    logs.start("WARNING", tmp_path / "deskapp.log")
    logs.action("ana", "ticket_called", ticket="A001")
    logs.log.warning("kept")
    assert (tmp_path / "deskapp.log").read_text().splitlines()[-1].endswith("WARNING deskapp: kept")
    assert "ticket_called" not in (tmp_path / "deskapp.log").read_text()


def test_an_action_is_logged_only_once_its_transaction_commits(ctx, tmp_path):
    from deskapp.db.database import transaction

    logs.start("INFO", tmp_path / "deskapp.log")

    def refused():
        logs.action("ana", "never_saved")
        raise q.QueueError("no")

    with pytest.raises(q.QueueError):
        transaction(refused)
    transaction(lambda: logs.action("ana", "saved", ticket="A001"))
    written = (tmp_path / "deskapp.log").read_text()
    assert "never_saved" not in written
    assert "INFO deskapp: ana saved ticket=A001" in written


def test_a_day_with_a_named_customer_leaves_no_name_id_phone_or_pin_in_the_log(ctx, tmp_path):
    import random

    log_file = tmp_path / "deskapp.log"
    logs.start("INFO", log_file)
    pin, name, phone = "8642", "Zeferina Quaresma", "913 572 468"
    nid = national_id(random.Random(5))
    auth.set_pin(ctx, "ana", pin)
    auth.set_pin(ctx, "sofia", "1357")
    with pytest.raises(AuthError):
        auth.login(ctx, "ana", "0000")
    session = auth.login(ctx, "ana", pin)
    boss = Session("sofia", "Sofia Almeida", "supervisor")
    made = customer_edit.create(ctx, boss, CustomerDraft(name=name, national_id=nid, birth_date="1975-02-03",
                                                         phones=[phone], email="zq@example.com", segment="mass"))
    with pytest.raises(CustomerInvalid) as duplicate:  # its message names the customer: the log must not
        customer_edit.create(ctx, boss, CustomerDraft(name="Someone Else", national_id=nid))
    assert name in str(duplicate.value)
    describe(duplicate.value)
    customers.profile(ctx, session, made.id)
    assert customers.reveal(ctx, boss, made.id, "national_id") == nid
    issued = q.issue(ctx, "CASH", customer_id=made.id, staff="rita")
    q.call_next(ctx, "2", "ana")
    q.start(ctx, "2", by="ana")
    q.complete(ctx, "2", by="ana")
    recording.submit(ctx, issued.ticket.id, csat=5, comment=f"{name} was helped, call {phone}")
    logs.stop()

    written = log_file.read_text()
    for line in ("ana login_failed staff=ana", "ana login staff=ana", f"sofia customer_create customer={made.id}",
                 "WARNING deskapp: refused (DuplicateNationalId)\n", f"sofia customer_reveal customer={made.id}",
                 f"rita ticket_issued ticket={issued.ticket.number}", "ana ticket_called ticket=A001 counter=2",
                 "ana ticket_started ticket=A001 counter=2", "ana ticket_completed ticket=A001 counter=2"):
        assert line in written, line
    for secret in (name, "Zeferina", "Quaresma", nid, pin, phone, "913572468", "351913572468"):
        assert secret not in written, secret
    assert logging.getLogger("deskapp").handlers == []


def test_the_configuration_names_the_file_and_level_unless_the_command_line_chose_the_level(tmp_path):
    from deskapp.config.schema import Logging

    logs.start(None, tmp_path / "start.log")
    logs.use_config(Logging(file=str(tmp_path / "desk" / "configured.log"), level="debug"))
    assert logs.current_file() == tmp_path / "desk" / "configured.log"
    assert logs.log.level == logging.DEBUG
    logs.start("WARNING", tmp_path / "start.log")
    logs.use_config(Logging(level="DEBUG"))
    assert (logs.current_file(), logs.log.level) == (tmp_path / "start.log", logging.WARNING)


def test_the_command_line_logs_where_the_user_s_log_directory_is(tmp_path):
    import os
    import subprocess
    import sys
    from importlib.metadata import version

    from tests.conftest import CONFIG

    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path / "state"))
    run = [sys.executable, "-m", "deskapp", "--config", str(CONFIG), "--db", f"sqlite:///{tmp_path / 'x.db'}"]
    done = subprocess.run(run + ["--log-level", "info", "queue", "issue", "--service", "NOPE"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("deskapp: There is no service 'NOPE'")
    written = (tmp_path / "state" / "deskapp" / "log" / "deskapp.log").read_text()
    assert "WARNING deskapp: refused (NotFound): There is no service 'NOPE'" in written
    shown = subprocess.run(run + ["--version"], capture_output=True, text=True, timeout=60, env=env)
    assert shown.stdout == f"deskapp {version('deskapp')}\n"


def test_a_retried_transaction_is_a_warning_in_the_log(ctx, tmp_path):
    import peewee

    from deskapp.db.database import transaction

    logs.start("INFO", tmp_path / "deskapp.log")
    tries = []

    def busy_once():
        tries.append(1)
        if len(tries) == 1:
            raise peewee.OperationalError("database is locked")
        logs.action("ana", "saved")

    transaction(busy_once)
    written = (tmp_path / "deskapp.log").read_text()
    assert "WARNING deskapp: transaction retried (attempt 2 of 5): database is locked" in written
    assert written.count("ana saved") == 1


def test_words_that_name_a_person_stay_out_of_the_log(tmp_path):
    logs.start("INFO", tmp_path / "deskapp.log")
    describe(OfferError("Zeferina Quaresma has not agreed to marketing, so 'Card' cannot be offered."))
    describe(Forbidden("Ana Costa (teller) may not open Supervisor"))
    written = (tmp_path / "deskapp.log").read_text()
    assert "refused (OfferError)\n" in written and "refused (Forbidden)\n" in written
    assert "Zeferina" not in written and "Ana Costa" not in written


def test_since_option_gives_a_date_or_one_line_and_exit_2():
    """`deskapp summaries --since` and `deskapp queue check --since` share one option: a date, or no command run."""
    import datetime as dt

    import click
    from click.testing import CliRunner

    from deskapp.cli.common import since_option

    seen = []

    @click.command()
    @since_option("First day.")
    def command(since):
        seen.append(since)

    runner = CliRunner()
    assert runner.invoke(command, ["--since", "2026-12-05"]).exit_code == 0
    assert runner.invoke(command, []).exit_code == 0
    assert seen == [dt.date(2026, 12, 5), None]
    bad = runner.invoke(command, ["--since", "05/12/2026"])
    assert bad.exit_code == 2 and seen == [dt.date(2026, 12, 5), None]
    assert bad.output.strip() == "deskapp: --since must be a date as YYYY-MM-DD, not '05/12/2026'"
