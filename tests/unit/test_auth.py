"""Staff login: PIN hashing, lockout, unlock after the lock time, audit, and the role matrix."""
from __future__ import annotations

import pytest

from deskapp.core.security import audit, auth
from deskapp.db.models import AuditEvent, Staff


@pytest.fixture
def ana(ctx):
    auth.set_pin(ctx, "ana", "2580")
    return "ana"


def actions(login: str) -> list[str]:
    return [e.action for e in reversed(audit.entries(staff=login))]


def test_right_pin_logs_in_and_is_audited(ctx, ana):
    session = auth.login(ctx, "ana", "2580")
    assert (session.login, session.name, session.role) == ("ana", "Ana Costa", "teller")
    assert actions("ana")[-1] == "login"


def test_login_is_case_and_space_tolerant_for_the_login_only(ctx, ana):
    assert auth.login(ctx, "  ANA ", "2580").login == "ana"
    with pytest.raises(auth.AuthError):
        auth.login(ctx, "ana", " 2580")


def test_pin_is_stored_hashed_never_in_clear(ctx, ana):
    stored = Staff.get(Staff.login == "ana").pin_hash
    assert stored.startswith("scrypt$") and "2580" not in stored
    assert all("2580" not in (e.detail + e.entity_id) for e in AuditEvent.select())


def test_wrong_pin_is_refused_and_counted(ctx, ana):
    with pytest.raises(auth.AuthError, match="Wrong login or PIN"):
        auth.login(ctx, "ana", "1111")
    assert Staff.get(Staff.login == "ana").failed_attempts == 1
    assert actions("ana")[-1] == "login_failed"
    auth.login(ctx, "ana", "2580")
    assert Staff.get(Staff.login == "ana").failed_attempts == 0


def test_unknown_login_gets_the_same_message(ctx):
    with pytest.raises(auth.AuthError, match="^Wrong login or PIN.$"):
        auth.login(ctx, "nobody", "2580")


def test_unknown_login_is_audited_without_the_typed_text(ctx):
    # A PIN typed into the login field must not be kept in clear in the audit (nor in the log).
    with pytest.raises(auth.AuthError, match="^Wrong login or PIN.$"):
        auth.login(ctx, "731946", "2580")
    last = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert (last.action, last.staff, last.detail) == ("login_failed", None, "unknown login")
    assert all("731946" not in f"{e.staff} {e.entity_id} {e.detail}" for e in AuditEvent.select())


def test_a_known_login_without_pin_is_audited_by_login(ctx):
    with pytest.raises(auth.AuthError, match="^Wrong login or PIN.$"):
        auth.login(ctx, "ana", "2580")  # ana has no PIN yet
    assert actions("ana")[-1] == "login_failed"


def test_unknown_login_costs_the_same_scrypt_work_as_a_wrong_pin(ctx, ana, monkeypatch):
    calls: list[tuple[int, int, int]] = []
    real = auth.hashlib.scrypt

    def counting(password, **kw):
        calls.append((kw["n"], kw["r"], kw["p"]))
        return real(password, **kw)

    monkeypatch.setattr(auth.hashlib, "scrypt", counting)
    for login in ("ana", "nobody"):
        with pytest.raises(auth.AuthError, match="^Wrong login or PIN.$"):
            auth.login(ctx, login, "1111")
    assert calls == [(auth.SCRYPT_N, auth.SCRYPT_R, auth.SCRYPT_P)] * 2


def test_lockout_after_the_configured_failures_then_unlock_after_the_lock_time(ctx, ana, clock):
    attempts = ctx.config.security.lockout_attempts
    for _ in range(attempts - 1):
        with pytest.raises(auth.AuthError, match="Wrong login or PIN"):
            auth.login(ctx, "ana", "0000")
    with pytest.raises(auth.AuthError, match="locked for 15 minutes"):
        auth.login(ctx, "ana", "0000")
    assert "lock" in actions("ana")
    # Even the right PIN is refused while locked.
    with pytest.raises(auth.AuthError, match="locked until 10:15"):
        auth.login(ctx, "ana", "2580")
    clock.advance(minutes=14, seconds=59)
    with pytest.raises(auth.AuthError, match="locked until"):
        auth.login(ctx, "ana", "2580")
    clock.advance(seconds=1)
    assert auth.login(ctx, "ana", "2580").login == "ana"
    assert actions("ana")[-2:] == ["unlock", "login"]


def lock_out(ctx, login: str) -> None:
    for _ in range(ctx.config.security.lockout_attempts):
        with pytest.raises(auth.AuthError):
            auth.login(ctx, login, "0000")


def test_supervisor_can_unlock_by_hand(ctx, ana, clock):
    lock_out(ctx, "ana")
    [locked] = auth.locked_staff(ctx)
    assert (locked.login, locked.name, locked.role, locked.failed_attempts) == (
        "ana", "Ana Costa", "teller", ctx.config.security.lockout_attempts)
    assert locked.locked_until > ctx.now()
    auth.unlock(ctx, "ana", by="sofia")
    row = Staff.get(Staff.login == "ana")
    assert (row.failed_attempts, row.locked_until) == (0, None)
    assert auth.locked_staff(ctx) == []
    last = audit.entries(entity_id="ana")[0]
    assert (last.action, last.staff, last.detail) == ("unlock", "sofia", "by hand")
    assert auth.login(ctx, "ana", "2580").login == "ana"
    with pytest.raises(auth.AuthError, match="no staff member with login 'nobody'"):
        auth.unlock(ctx, "nobody", by="sofia")


@pytest.mark.parametrize("by, why", [("ana", "Ana Costa is a teller"), ("pedro", "is a manager"),
                                     ("nobody", "'nobody' is not an active staff member")])
def test_only_an_active_supervisor_unlocks(ctx, ana, by, why):
    lock_out(ctx, "ana")
    with pytest.raises(auth.Forbidden, match=f"^Only a supervisor may unlock a staff account; .*{why}"):
        auth.unlock(ctx, "ana", by=by)
    Staff.update(active=False).where(Staff.login == "sofia").execute()
    with pytest.raises(auth.Forbidden, match="'sofia' is not an active staff member"):
        auth.unlock(ctx, "ana", by="sofia")
    assert [s.login for s in auth.locked_staff(ctx)] == ["ana"]
    assert Staff.get(Staff.login == "ana").failed_attempts == ctx.config.security.lockout_attempts
    assert not any(e.action == "unlock" for e in audit.entries(entity_id="ana"))


def test_a_lock_whose_time_is_over_is_not_listed(ctx, ana, clock):
    lock_out(ctx, "ana")
    clock.advance(minutes=ctx.config.security.lockout_minutes)
    assert auth.locked_staff(ctx) == []


def test_inactive_staff_cannot_log_in(ctx, ana):
    Staff.update(active=False).where(Staff.login == "ana").execute()
    with pytest.raises(auth.AuthError, match="Wrong login or PIN"):
        auth.login(ctx, "ana", "2580")


@pytest.mark.parametrize(
    "pin, problem",
    [("12a4", "digits only"), ("123", "4 to 12 digits"), ("1" * 13, "4 to 12 digits"), ("7777", "repeat one digit"),
     ("1234", "run of digits"), ("9876", "run of digits"), ("8901", "run of digits"), ("٣٤٥٦", "digits only")],
)
def test_weak_or_malformed_pins_are_refused(pin, problem):
    assert problem in auth.pin_problem(pin, 4)


def test_good_pins_pass():
    assert auth.pin_problem("2580", 4) is None
    assert auth.pin_problem("00112", 4) is None


def test_malformed_stored_hash_never_matches():
    for stored in (None, "", "plain", "scrypt$x$y$z$a$b", "bcrypt$1$2$3$4$5"):
        assert auth.pin_matches("2580", stored) is False


ROLE_MATRIX = {
    "greeter": {"reception", "customers"},
    "teller": {"desk", "customers"},
    "supervisor": {"supervisor", "desk", "reception", "customers", "feedback", "manager", "audit"},
    "manager": {"manager", "customers", "feedback"},
}
ALL_SCREENS = set().union(*ROLE_MATRIX.values())


@pytest.mark.parametrize("role", sorted(ROLE_MATRIX))
def test_role_to_screen_matrix_is_enforced_in_core(role):
    session = auth.Session(login="x", name="X", role=role)
    for screen in ALL_SCREENS:
        if screen in ROLE_MATRIX[role]:
            auth.authorize(session, screen)
        else:
            with pytest.raises(auth.Forbidden):
                auth.authorize(session, screen)
    assert set(session.screens) == ROLE_MATRIX[role]
