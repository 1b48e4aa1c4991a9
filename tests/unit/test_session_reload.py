"""Issue 14, item 2 (core): every action checks the acting login is active, also for a proven Session.

Before: permissions.require trusted a Session as it was at login, so an account deactivated since (config
sync, `deskapp init`) kept acting until its app session ended; the command line's read-only search used a
made-up "cli" teller Session. Now a Session is loaded again at each check, and read-only commands use
permissions.READER, which the table allows the masked search only.
"""
from __future__ import annotations

import random

import pytest

from deskapp.core.customers import directory, edit
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.demo import branch as demo
from deskapp.core.security import permissions
from deskapp.core.security.auth import Session
from deskapp.core.security.permissions import READER, Forbidden
from deskapp.db.models import Staff

NID = demo.national_id(random.Random("Rosa Dono"))


def session(login: str) -> Session:
    row = Staff.get(Staff.login == login)
    return Session(row.login, row.name, row.role)


@pytest.fixture
def customer(ctx) -> int:
    return edit.create(ctx, session("sofia"), CustomerDraft(name="Rosa Dono", national_id=NID), force=True).id


def test_a_session_whose_staff_was_deactivated_is_refused_at_the_next_action(ctx, customer) -> None:
    ana = session("ana")
    assert [c.id for c in directory.search(ctx, ana, "Rosa")] == [customer]
    Staff.update(active=False).where(Staff.login == "ana").execute()  # as a config sync does
    with pytest.raises(Forbidden, match=r"'ana' is not an active staff member"):
        directory.search(ctx, ana, "Rosa")
    with pytest.raises(Forbidden, match=r"'ana' is not an active staff member"):
        directory.profile(ctx, ana, customer)


def test_a_session_acts_with_the_role_the_staff_row_has_now(ctx, customer) -> None:
    sofia = session("sofia")
    assert directory.reveal(ctx, sofia, customer, "national_id") == NID
    Staff.update(role="teller").where(Staff.login == "sofia").execute()
    with pytest.raises(Forbidden, match=r"Sofia Almeida is a teller"):
        directory.reveal(ctx, sofia, customer, "national_id")


def test_the_anonymous_reader_may_search_masked_and_nothing_else(ctx, customer) -> None:
    found = directory.search(ctx, READER, "Rosa")
    assert [c.id for c in found] == [customer]
    assert found[0].national_id.endswith(NID[-4:]) and NID not in repr(found)  # masked as for a teller
    for action in permissions.TABLE:
        if permissions.TABLE[action].reader:
            assert permissions.require(READER, action, config=ctx.config) is None
        else:
            with pytest.raises(Forbidden, match="nobody is logged in"):
                permissions.require(READER, action, config=ctx.config)
    with pytest.raises(Forbidden):
        directory.profile(ctx, READER, customer)
    with pytest.raises(Forbidden):
        directory.reveal(ctx, READER, customer, "national_id")
    assert [name for name, rule in permissions.TABLE.items() if rule.reader] == ["customers.search"]
