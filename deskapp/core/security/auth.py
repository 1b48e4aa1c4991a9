"""Staff PINs, login with lockout, and which screens each role may open.

PINs are hashed with scrypt (memory-hard: 16 MiB a guess) and a random salt; the clear PIN is
never stored, logged or audited. A wrong PIN counts toward a lockout that lasts the configured
minutes; every login, failure, lock and unlock is an audit event. SCREENS says which screens a role
opens; which core actions it may do is the one role table, deskapp.core.security.permissions (the app
checks both, in core, so a screen that is merely hidden is still refused).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
from dataclasses import dataclass

from deskapp.core.context import Context
from deskapp.core.security import audit, branches
from deskapp.core.security.permissions import SUPERVISOR, Forbidden, acts_as, require, role_name  # noqa: F401  (re-exported)
from deskapp.db.database import is_postgres, transaction
from deskapp.db.models import Staff
from deskapp.errors import DeskappError
from deskapp.i18n import N_, _, ngettext

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1

# The screens each role may open, in the order the app offers them (the first is home).
SCREENS: dict[str, tuple[str, ...]] = {
    "greeter": ("reception", "customers"),
    "teller": ("desk", "customers"),
    "supervisor": ("supervisor", "desk", "reception", "customers", "feedback", "manager", "audit"),
    "manager": ("manager", "customers", "feedback"),
    # The branches assigned first; a branch's supervisor screen read-only (its actions are a supervisor's).
    "area_manager": ("network", "supervisor"),
}
# Marked here, translated where shown: screen_title(name), or _() of a value.
SCREEN_TITLES = {
    "reception": N_("Reception"),
    "desk": N_("Queue"),
    "customers": N_("Customers"),
    "feedback": N_("Feedback"),
    "supervisor": N_("Supervisor"),
    "manager": N_("Manager"),
    "audit": N_("Audit"),
    "network": N_("Network"),
}


def screen_title(screen: str) -> str:
    """A screen's title in the language in effect (its name when it has none)."""
    return _(SCREEN_TITLES[screen]) if screen in SCREEN_TITLES else screen


class AuthError(DeskappError):
    """A login or PIN problem, worded for the person at the desk."""


@dataclass(frozen=True)
class Session:
    login: str
    name: str
    role: str

    @property
    def screens(self) -> tuple[str, ...]:
        return SCREENS[self.role]

    def may(self, screen: str) -> bool:
        return screen in SCREENS[self.role]


def authorize(session: Session, screen: str) -> None:
    """Refuse, in core, a screen the role may not open."""
    if not session.may(screen):
        raise Forbidden(_("{name} ({role}) may not open {screen}").format(
            name=session.name, role=role_name(session.role), screen=screen_title(screen)))


def hash_pin(pin: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


# Checked in place of a missing hash (an unknown login, or staff without a PIN yet), so a login
# that fails for that reason costs the same scrypt work as a wrong PIN and cannot be told apart
# by its time. The digest matches no PIN: it is not scrypt's output for any salt here.
_DUMMY_HASH = f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${base64.b64encode(bytes(16)).decode()}${base64.b64encode(bytes(32)).decode()}"


def pin_matches(pin: str, stored: str | None) -> bool:
    """Constant-time comparison against a stored hash; False for any malformed hash."""
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def pin_problem(pin: str, min_length: int) -> str | None:
    """Why a new PIN is not acceptable, or None."""
    if not pin.isdigit() or not pin.isascii():
        return _("a PIN is digits only")
    if not min_length <= len(pin) <= 12:
        return _("a PIN has {least} to 12 digits").format(least=min_length)
    if len(set(pin)) == 1:
        return _("a PIN may not repeat one digit")
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:])}
    if steps in ({1}, {9}):
        return _("a PIN may not be a run of digits such as 1234")
    return None


def set_pin(ctx: Context, login: str, pin: str, *, by: str | None = None) -> None:
    _store_pin(ctx, login, pin, by or login, "")


def _store_pin(ctx: Context, login: str, pin: str, actor: str | None, detail: str,
               *, first_only: bool = False) -> None:
    problem = pin_problem(pin, ctx.config.security.pin_min_length)
    if problem:
        raise AuthError(problem)
    hashed = hash_pin(pin)

    def work() -> None:
        if first_only and Staff.select().where((Staff.login == login) & Staff.pin_hash.is_null(False)
                                               & (Staff.pin_hash != "")).exists():
            raise Forbidden(_("{login} already has a PIN: replacing it needs that PIN, or a supervisor's.").format(
                login=login))
        updated = (
            Staff.update(pin_hash=hashed, failed_attempts=0, locked_until=None)
            .where(Staff.login == login)
            .execute()
        )
        if not updated:
            raise AuthError(_("no staff member with login '{login}'").format(login=login))
        audit.record(ctx.now(), actor, "pin_set", "staff", login, detail)

    transaction(work)


@dataclass(frozen=True)
class LockedStaff:
    """A staff account locked by wrong PINs, as a supervisor sees it before unlocking it."""

    login: str
    name: str
    role: str
    locked_until: dt.datetime  # UTC
    failed_attempts: int


def locked_staff(ctx: Context) -> list[LockedStaff]:
    """The accounts locked now (a lock whose time is over is not listed: the next login clears it),
    the soonest to open first."""
    rows = (Staff.select()
            .where(Staff.locked_until.is_null(False) & (Staff.locked_until > ctx.now()))
            .order_by(Staff.locked_until, Staff.login))
    return [LockedStaff(s.login, s.name, s.role, s.locked_until, s.failed_attempts) for s in rows]


def has_pin(login: str) -> bool:
    row = Staff.get_or_none(Staff.login == login.strip().lower())
    return row is not None and bool(row.pin_hash)


@acts_as("staff.replace_pin")
def replace_pin(ctx: Context, login: str, pin: str, *, by: Session | None) -> None:
    """Set `login`'s PIN from outside the app (the command line), under the rules of DESIGN.md.

    A login without a PIN yet needs nobody (whoever runs it holds the database); replacing an
    existing PIN needs a proven Session (from check_pin) of that person or of a supervisor.
    """
    row = Staff.get_or_none(Staff.login == login)
    if row is None:
        raise AuthError(_("no staff member with login '{login}'").format(login=login))
    if by is None:  # a first PIN: checked again inside the transaction, so a race cannot replace one
        _store_pin(ctx, row.login, pin, None, "first PIN, command line", first_only=True)  # i18n: not words
        return
    if by.login != row.login:  # one's own PIN: anyone; another's: the table
        require(by.login, "staff.replace_pin", doing=_("replace {login}'s PIN").format(login=login))
    _store_pin(ctx, row.login, pin, by.login, "command line")  # i18n: not words (the audit's detail)


@acts_as("staff.unlock")
def unlock(ctx: Context, login: str, *, by: str) -> None:
    """Clear a lock and the count of wrong PINs, for an active supervisor `by` only; audited in
    that supervisor's name."""

    def work() -> None:
        require(by, "staff.unlock")
        if not Staff.update(failed_attempts=0, locked_until=None).where(Staff.login == login).execute():
            raise AuthError(_("no staff member with login '{login}'").format(login=login))
        audit.record(ctx.now(), by, "unlock", "staff", login, "by hand")  # i18n: not words

    transaction(work)


def check_pin(ctx: Context, login: str, pin: str, *, purpose: str = "login") -> Session:
    """The staff member's Session if the PIN is right; AuthError otherwise.

    Used for logins and for a supervisor's approval at someone else's desk alike, so both count
    toward the same lockout and leave the same audit trail.
    """
    login = login.strip().lower()
    row = Staff.get_or_none(Staff.login == login)
    # The expensive hash runs outside the transaction; the counters change inside it. It runs
    # for an unknown login too (against a dummy hash), so the answer's time says nothing.
    stored = row.pin_hash if row is not None else None
    right = pin_matches(pin, stored or _DUMMY_HASH) and bool(stored)
    security = ctx.config.security

    def work() -> Session | str:
        now = ctx.now()
        query = Staff.select().where(Staff.login == login)
        staff = (query.for_update() if is_postgres() else query).first()
        if staff is None:
            # Never the typed text: it may be a PIN typed into the login field.
            audit.record(now, None, f"{purpose}_failed", "staff", "", "unknown login")  # i18n: not words
            return _("Wrong login or PIN.")
        if not staff.active or not staff.pin_hash:
            audit.record(now, login, f"{purpose}_failed", "staff", login,
                         "inactive" if not staff.active else "no PIN")  # i18n: not words
            return _("Wrong login or PIN.")
        if staff.locked_until is not None:
            if staff.locked_until > now:
                audit.record(now, login, f"{purpose}_refused", "staff", login, "account locked")  # i18n: not words
                return _("This account is locked until {time}. A supervisor can unlock it.").format(
                    time=_hhmm(ctx, staff.locked_until))
            staff.locked_until = None
            staff.failed_attempts = 0
            audit.record(now, login, "unlock", "staff", login, "lock time over")  # i18n: not words
        if not right:
            staff.failed_attempts += 1
            audit.record(now, login, f"{purpose}_failed", "staff", login, f"attempt {staff.failed_attempts}")
            message = _("Wrong login or PIN.")
            if staff.failed_attempts >= security.lockout_attempts:
                staff.locked_until = now + dt.timedelta(minutes=security.lockout_minutes)
                audit.record(now, login, "lock", "staff", login, f"{staff.failed_attempts} wrong PINs")  # i18n: not words
                message = ngettext("Too many wrong PINs: this account is locked for {n} minute.",
                                   "Too many wrong PINs: this account is locked for {n} minutes.",
                                   security.lockout_minutes).format(n=security.lockout_minutes)
            staff.save()
            return message
        staff.failed_attempts = 0
        staff.save()
        if ctx.branch_id and not branches.may_work_at(staff, ctx.branch_id):
            audit.record(now, login, f"{purpose}_refused", "staff", login,
                         f"not assigned to branch {ctx.config.branch.code}")  # i18n: not words
            return _("{name} does not work at {branch} ({code}).").format(
                name=staff.name, branch=ctx.config.branch.name, code=ctx.config.branch.code)
        audit.record(now, login, purpose, "staff", login)
        return Session(login=staff.login, name=staff.name, role=staff.role)

    result = transaction(work)
    if isinstance(result, str):
        raise AuthError(result)
    return result


def login(ctx: Context, login: str, pin: str) -> Session:
    return check_pin(ctx, login, pin, purpose="login")


def _hhmm(ctx: Context, utc: dt.datetime) -> str:
    from deskapp.core.clock import to_local

    return to_local(utc, ctx.timezone).strftime("%H:%M")
