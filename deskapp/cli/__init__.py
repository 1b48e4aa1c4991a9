"""The command line: parse options, call core, print text or one JSON document. No business logic.

Exit codes (a contract): 0 success, 2 bad input or configuration, 1 anything else. A user error is
one line on stderr, never a traceback.

Modules: click_words (help texts, metavars and click's own words in the chosen language), common (Env,
errors, --json), main (the group and its top-level commands), queue, customers,
followups (close), audit (verify, export), notify (run, status), retention, summaries (the nightly
job) and admin (backup, restore): each
group registers itself on `main` here.
"""
from __future__ import annotations

from deskapp.cli import (
    admin,  # noqa: F401  (registers backup and restore on main)
    click_words,
)
from deskapp.cli.appointments import appointments
from deskapp.cli.audit import audit
from deskapp.cli.customers import customers
from deskapp.cli.followups import followups
from deskapp.cli.main import main
from deskapp.cli.notify import notify
from deskapp.cli.queue import queue
from deskapp.cli.retention import retention
from deskapp.cli.summaries import summaries

main.add_command(queue)
main.add_command(appointments)
main.add_command(customers)
main.add_command(audit)
main.add_command(retention)
main.add_command(notify)
main.add_command(followups)
main.add_command(summaries)
click_words.speak()  # click's own words ("Usage:", "Options", its errors) in the language in effect

__all__ = ["main"]
