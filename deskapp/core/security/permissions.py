"""Who may do what: the one table of core actions and the roles that may do them.

Every public core function that acts for a staff member names its action with `@acts_as(...)` and
checks it with `require(who, action)` before it changes anything. The role part of every rule is in
TABLE below, and nowhere else; what depends on the person rather than the role (a follow-up's owner or
assignee, a manager's own portfolio, one's own counter or PIN) is explicit code beside the check, in
the function, and the table says so in `also`. Reveals follow config `customers.reveal_roles`.

`who` is a proven Session (the app's login), a login (a command's `--by`, proved by the CLI), or a
Staff row the caller has already looked up. A login is loaded here: an unknown or inactive one is
refused. tests/unit/test_role_table.py finds every function that takes a staff member and fails when
one is neither registered here nor listed in NOT_ACTING with the reason; then, for every action and
every role outside its row, it calls the function on a real database and sees it refused, changing
nothing. The README's Security section shows this table (a test keeps the two the same).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from deskapp.config.schema import Config
from deskapp.db.models import Staff
from deskapp.errors import DeskappError

ROLES = ("greeter", "teller", "supervisor", "manager", "area_manager")
EVERYONE = ("greeter", "teller", "supervisor", "manager")  # the branch floor; an area_manager only watches
DESK = ("teller", "supervisor")  # the roles that serve at a counter
SUPERVISOR = "supervisor"


class Forbidden(DeskappError):
    """The role (or the person) may not do this."""

    private = True  # names the staff member


@dataclass(frozen=True)
class Rule:
    """The roles that may do an action, the words that complete "Only a ... may ...", and the
    rule about the person kept in code beside the check (`also`, for the README)."""

    roles: tuple[str, ...] | None  # None: the roles in config customers.reveal_roles
    doing: str
    also: str = ""
    anonymous: bool = False  # may be done with nobody named (a kiosk, the system, a script)
    reader: bool = False  # may be done by READER, the command line's anonymous reader (reads only)


FROM_CONFIG = None

TABLE: dict[str, Rule] = {
    # the queue
    "queue.issue": Rule(EVERYONE, "issue a ticket", anonymous=True),
    "queue.attach_customer": Rule(EVERYONE, "attach a customer to a ticket"),
    "queue.cancel_waiting": Rule(EVERYONE, "cancel a waiting ticket", anonymous=True),
    "queue.serve": Rule(DESK, "serve at a counter",
                        also="at the counter they hold; another's: queue.counter_others; the held ticket's "
                             "changes also with nobody named (a script without --staff; its events name nobody)"),
    "queue.counter_state": Rule(DESK, "open, pause or close their own counter",
                                also="another person's: queue.counter_others"),
    "queue.counter_others": Rule((SUPERVISOR,), "pause or close another person's counter, or act on its ticket"),
    "queue.counter_profile": Rule((SUPERVISOR,), "change a counter's services"),
    "queue.move": Rule((SUPERVISOR,), "move a waiting ticket"),
    # appointments
    "appointments.book": Rule(EVERYONE, "book, move or cancel an appointment"),
    "appointments.check_in": Rule(EVERYONE, "check a booked customer in", anonymous=True),
    # guided workflows at the desk
    "workflows.run": Rule(DESK, "go through a service's workflow"),
    "workflows.approve": Rule((SUPERVISOR,), "approve a workflow step", also="never one's own service"),
    "workflows.reveal": Rule(FROM_CONFIG, "reveal sensitive values"),
    # customers
    "customers.search": Rule(EVERYONE, "look up customers", reader=True),
    "customers.view": Rule(("teller", "supervisor", "manager"), "open a customer's profile"),
    "customers.create": Rule(EVERYONE, "add customers"),
    "customers.edit": Rule(("teller", "supervisor", "manager"), "change customer details"),
    "customers.record": Rule(("teller", "supervisor", "manager"), "record notes, needs or interactions"),
    "customers.export": Rule((SUPERVISOR, "manager"), "export customers"),
    "customers.import": Rule((SUPERVISOR, "manager"), "import customers", anonymous=True),
    "customers.reveal": Rule(FROM_CONFIG, "reveal full IDs or account numbers"),
    "customers.merge": Rule((SUPERVISOR,), "merge customer records"),
    "customers.erase": Rule((SUPERVISOR,), "erase a customer's personal data or set a legal hold"),
    "customers.export_one": Rule((SUPERVISOR, "manager"), "export everything held about a customer"),
    # follow-ups and offers
    "followups.create": Rule(EVERYONE, "open a follow-up", anonymous=True),
    "followups.work": Rule(EVERYONE, "work on a follow-up",
                           also="their own: opened by them, assigned to them, or of a customer they manage; "
                                "others': followups.work_others"),
    "followups.work_others": Rule((SUPERVISOR,), "work on someone else's follow-up"),
    "followups.reassign": Rule(EVERYONE, "reassign a follow-up",
                               also="someone else's follow-up: followups.reassign_others"),
    "followups.reassign_others": Rule((SUPERVISOR,), "reassign someone else's follow-up"),
    "offers.view": Rule(("teller", "supervisor", "manager"), "see a customer's offers"),
    "offers.decide": Rule(("teller", "supervisor", "manager"), "record an offer's answer"),
    "relationship.portfolio": Rule((SUPERVISOR, "manager"), "open a portfolio",
                                   also="their own; others': relationship.portfolio_others"),
    "relationship.portfolio_others": Rule((SUPERVISOR,), "open someone else's portfolio"),
    # feedback
    "feedback.enter": Rule(EVERYONE, "enter feedback", anonymous=True),
    # the network of branches
    "network.view": Rule((SUPERVISOR, "manager", "area_manager"), "see the network of branches",
                         also="an area manager sees the branches assigned (all with all_branches); a branch's "
                              "supervisor view opens read-only unless they supervise it"),
    # staff and the audit
    "staff.replace_pin": Rule((SUPERVISOR,), "replace another person's PIN", also="one's own PIN: anyone"),
    "staff.unlock": Rule((SUPERVISOR,), "unlock a staff account"),
    "audit.browse": Rule((SUPERVISOR,), "browse the audit trail"),
    "audit.export": Rule((SUPERVISOR,), "export the audit trail"),
}

# Public core functions that take a staff member but do not act for one with a role to check, and why.
NOT_ACTING: dict[str, str] = {
    "deskapp.core.security.permissions.require": "the check itself",
    "deskapp.core.security.permissions.staff_of": "the check's lookup",
    "deskapp.core.security.auth.authorize": "the screens table (which screens a role opens)",
    "deskapp.core.security.auth.check_pin": "proves who someone is; no role yet",
    "deskapp.core.security.auth.login": "proves who someone is; no role yet",
    "deskapp.core.security.branches.visible_branches": "reads the branches a person is assigned (or all)",
    "deskapp.core.security.branches.sees_every_branch": "reads whether a person is assigned every branch",
    "deskapp.core.security.branches.may_work_at": "reads whether a person is assigned to a branch",
    "deskapp.core.security.branches.staff_row": "loads a person's staff row once for the checks that follow",
    "deskapp.core.security.auth.has_pin": "reads whether a login has a PIN",
    "deskapp.core.security.auth.set_pin": "setting up: the demo and first PINs (replace_pin acts for staff)",
    "deskapp.core.security.audit.record": "writes the audit row of an action checked by its caller",
    "deskapp.core.security.audit.entries": "reads the audit; audit_trail.browse is the checked entry point",
    "deskapp.core.queue.counters.logout": "everyone may log out",
    "deskapp.core.queue.calling.acting_at": "the check of the held ticket's changes, for complete_ticket",
    "deskapp.core.queue.counter_events.record": "writes the event of an action checked by its caller",
    "deskapp.core.queue.counter_events.state_change": "writes the event of an action checked by its caller",
    "deskapp.core.customers.directory.session_for": "turns a login into a Session; the caller checks",
    "deskapp.core.customers.directory.allowed": "asks the table (for what a screen offers)",
    "deskapp.core.customers.directory.require": "the customers rows of the table, for the functions beside it",
    "deskapp.core.customers.records.meet_offer_needs": "part of add_product and offers.decide, checked there",
    "deskapp.core.relationship.portfolio.may_view": "asks the table (for what a screen offers)",
    "deskapp.core.relationship.portfolio.require_portfolio": "the check of the portfolio's entry points",
    "deskapp.core.stats.network.seen_by": "narrows a list of branches to those a person may see (after network.view)",
    "deskapp.core.stats.network.supervises": "asks whether one supervises a branch (for what a screen offers)",
    "deskapp.core.feedback.rules.open_follow_up": "part of feedback.submit, checked there",
    "deskapp.core.workflows.runner.apply": "part of workflows.commit_step, checked there",
    "deskapp.core.demo.workflows.record_run": "the demo's history, written as the system",
}

# Entry point (module.qualname) -> its actions, filled by @acts_as.
REGISTRY: dict[str, tuple[str, ...]] = {}

F = TypeVar("F", bound=Callable[..., Any])


def acts_as(*actions: str) -> Callable[[F], F]:
    """Register a core entry point under the actions of TABLE it checks (the function is unchanged)."""
    unknown = [a for a in actions if a not in TABLE]
    if unknown or not actions:
        raise ValueError(f"no such actions in the role table: {unknown or actions}")

    def register(fn: F) -> F:
        REGISTRY[f"{fn.__module__}.{fn.__qualname__}"] = actions
        fn.__acts_as__ = actions  # type: ignore[attr-defined]
        return fn

    return register


def roles_for(action: str, config: Config | None = None) -> tuple[str, ...]:
    """The roles that may do `action`; for a reveal, those of config customers.reveal_roles."""
    rule = TABLE[action]
    if rule.roles is not None:
        return rule.roles
    if config is None:
        raise ValueError(f"{action} follows config customers.reveal_roles: pass the config")
    return tuple(r for r in ROLES if r in config.customers.reveal_roles)


def allowed(role: str, action: str, config: Config | None = None) -> bool:
    return role in roles_for(action, config)


def _a(role: str) -> str:
    role = role.replace("_", " ")  # area_manager: "an area manager"
    return f"an {role}" if role[:1] in "aeiou" else f"a {role}"


def any_of(roles: tuple[str, ...]) -> str:
    if set(roles) >= set(EVERYONE):
        return "an active staff member"
    words = [_a(r) for r in roles]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


@dataclass(frozen=True)
class Acting:
    """Who is acting, as the check found them."""

    login: str
    name: str
    role: str


@dataclass(frozen=True)
class Reader:
    """The command line's anonymous reader: a read-only command (a masked customer search) run by whoever
    holds the database, with no login. The table allows it only the actions marked `reader`, and it
    sees what a role outside customers.reveal_roles sees (masked)."""

    login: str = ""
    name: str = "the command line (reading)"
    role: str = "reader"  # no role of ROLES: allowed() gives it nothing, reveals included


READER = Reader()


def staff_of(who: Any) -> Acting | None:
    """The acting person of `who` (Session, Staff, login); None for an unknown or inactive login.

    A Session is loaded again (one indexed query on the login): an account deactivated since its login
    (config sync, `deskapp init`) is refused at its next action, and a changed role applies at once."""
    if isinstance(who, Staff):
        return Acting(who.login, who.name, who.role) if who.active else None
    login = who if isinstance(who, str) else who.login
    row = Staff.get_or_none((Staff.login == login.strip().lower()) & Staff.active)
    return Acting(row.login, row.name, row.role) if row is not None else None


def require(who: Any, action: str, *, config: Config | None = None, doing: str | None = None) -> Acting | None:
    """The acting person if their role may do `action`; Forbidden otherwise, worded for them:
    "Only a supervisor may move a waiting ticket; Ana Costa is a teller."

    `who` None is allowed only for actions done with nobody named (TABLE's anonymous) and returns None.
    `doing` replaces the table's words when the caller says it more exactly ("replace sofia's PIN").
    """
    rule = TABLE[action]
    roles = roles_for(action, config)
    what = doing or rule.doing
    if who is None or who == "":
        if rule.anonymous:
            return None
        raise Forbidden(f"Only {any_of(roles) if roles else 'a staff member'} may {what}; nobody was named.")
    if isinstance(who, Reader):
        if rule.reader:
            return None
        raise Forbidden(f"Only {any_of(roles) if roles else 'a staff member'} may {what}; nobody is logged in "
                        "(the command line without a login may only search, masked).")
    acting = staff_of(who)
    if acting is None:
        label = who if isinstance(who, str) else getattr(who, "login", "")
        raise Forbidden(f"Only {any_of(roles) if roles else 'a staff member'} may {what}; "
                        f"'{label}' is not an active staff member.")
    if acting.role not in roles:
        if not roles:
            raise Forbidden(f"Nobody may {what} here (config customers.reveal_roles is empty); "
                            f"{acting.name} is {_a(acting.role)}.")
        raise Forbidden(f"Only {any_of(roles)} may {what}; {acting.name} is {_a(acting.role)}.")
    return acting


def markdown_table() -> str:
    """TABLE as the README shows it."""
    lines = ["| action | greeter | teller | supervisor | manager | area_manager | also |",
             "| ------ | ------- | ------ | ---------- | ------- | ------------ | ---- |"]
    for action, rule in TABLE.items():
        if rule.roles is None:
            cells = ["config"] * len(ROLES)
            also = "the roles in config `customers.reveal_roles` (default supervisor, manager)"
        else:
            cells = ["yes" if r in rule.roles else "" for r in ROLES]
            also = rule.also
        if rule.anonymous:
            also = "; ".join(x for x in (also, "also with nobody named (kiosk, system, script)") if x)
        if rule.reader:
            also = "; ".join(x for x in (also, "also the command line's anonymous reader (masked)") if x)
        lines.append(f"| `{action}` | {' | '.join(cells)} | {also} |")
    return "\n".join(lines)
