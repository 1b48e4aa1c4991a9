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
from deskapp.i18n import N_, _

ROLES = ("greeter", "teller", "supervisor", "manager", "area_manager")
EVERYONE = ("greeter", "teller", "supervisor", "manager")  # the branch floor; an area_manager only watches
DESK = ("teller", "supervisor")  # the roles that serve at a counter
SUPERVISOR = "supervisor"
# What a person reads for a role: its name ("Ana Costa (teller)") and with its article ("a teller").
ROLE_NAMES = {"greeter": N_("greeter"), "teller": N_("teller"), "supervisor": N_("supervisor"),
              "manager": N_("manager"), "area_manager": N_("area manager"), "reader": N_("reader")}
_WITH_ARTICLE = {"greeter": N_("a greeter"), "teller": N_("a teller"), "supervisor": N_("a supervisor"),
                 "manager": N_("a manager"), "area_manager": N_("an area manager")}


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

# `doing` is marked for translation (require() shows it through _()); `also` is the README's, in English.
TABLE: dict[str, Rule] = {
    # the queue
    "queue.issue": Rule(EVERYONE, N_("issue a ticket"), anonymous=True),
    "queue.attach_customer": Rule(EVERYONE, N_("attach a customer to a ticket")),
    "queue.cancel_waiting": Rule(EVERYONE, N_("cancel a waiting ticket"), anonymous=True),
    "queue.serve": Rule(DESK, N_("serve at a counter"),
                        also="at the counter they hold; another's: queue.counter_others; the held ticket's "  # i18n: not words
                             "changes also with nobody named (a script without --staff; its events name nobody)"),
    "queue.counter_state": Rule(DESK, N_("open, pause or close their own counter"),
                                also="another person's: queue.counter_others"),  # i18n: not words
    "queue.counter_others": Rule((SUPERVISOR,), N_("pause or close another person's counter, or act on its ticket")),
    "queue.counter_profile": Rule((SUPERVISOR,), N_("change a counter's services")),
    "queue.move": Rule((SUPERVISOR,), N_("move a waiting ticket")),
    # appointments
    "appointments.book": Rule(EVERYONE, N_("book, move or cancel an appointment")),
    "appointments.check_in": Rule(EVERYONE, N_("check a booked customer in"), anonymous=True),
    # guided workflows at the desk
    "workflows.run": Rule(DESK, N_("go through a service's workflow")),
    "workflows.approve": Rule((SUPERVISOR,), N_("approve a workflow step"), also="never one's own service"),  # i18n: not words
    "workflows.reveal": Rule(FROM_CONFIG, N_("reveal sensitive values")),
    # customers
    "customers.search": Rule(EVERYONE, N_("look up customers"), reader=True),
    "customers.view": Rule(("teller", "supervisor", "manager"), N_("open a customer's profile")),
    "customers.create": Rule(EVERYONE, N_("add customers")),
    "customers.edit": Rule(("teller", "supervisor", "manager"), N_("change customer details")),
    "customers.record": Rule(("teller", "supervisor", "manager"), N_("record notes, needs or interactions")),
    "customers.export": Rule((SUPERVISOR, "manager"), N_("export customers")),
    "customers.import": Rule((SUPERVISOR, "manager"), N_("import customers"), anonymous=True),
    "customers.reveal": Rule(FROM_CONFIG, N_("reveal full IDs or account numbers")),
    "customers.merge": Rule((SUPERVISOR,), N_("merge customer records")),
    "customers.erase": Rule((SUPERVISOR,), N_("erase a customer's personal data or set a legal hold")),
    "customers.export_one": Rule((SUPERVISOR, "manager"), N_("export everything held about a customer")),
    # follow-ups and offers
    "followups.create": Rule(EVERYONE, N_("open a follow-up"), anonymous=True),
    "followups.work": Rule(EVERYONE, N_("work on a follow-up"),
                           also="their own: opened by them, assigned to them, or of a customer they manage; "  # i18n: not words
                                "others': followups.work_others"),
    "followups.work_others": Rule((SUPERVISOR,), N_("work on someone else's follow-up")),
    "followups.reassign": Rule(EVERYONE, N_("reassign a follow-up"),
                               also="someone else's follow-up: followups.reassign_others"),  # i18n: not words
    "followups.reassign_others": Rule((SUPERVISOR,), N_("reassign someone else's follow-up")),
    "offers.view": Rule(("teller", "supervisor", "manager"), N_("see a customer's offers")),
    "offers.decide": Rule(("teller", "supervisor", "manager"), N_("record an offer's answer")),
    "relationship.portfolio": Rule((SUPERVISOR, "manager"), N_("open a portfolio"),
                                   also="their own; others': relationship.portfolio_others"),  # i18n: not words
    "relationship.portfolio_others": Rule((SUPERVISOR,), N_("open someone else's portfolio")),
    # feedback
    "feedback.enter": Rule(EVERYONE, N_("enter feedback"), anonymous=True),
    # the network of branches
    "network.view": Rule((SUPERVISOR, "manager", "area_manager"), N_("see the network of branches"),
                         also="an area manager sees the branches assigned (all with all_branches); a branch's "  # i18n: not words
                              "supervisor view opens read-only unless they supervise it"),
    # staff and the audit
    "staff.replace_pin": Rule((SUPERVISOR,), N_("replace another person's PIN"), also="one's own PIN: anyone"),  # i18n: not words
    "staff.unlock": Rule((SUPERVISOR,), N_("unlock a staff account")),
    "audit.browse": Rule((SUPERVISOR,), N_("browse the audit trail")),
    "audit.export": Rule((SUPERVISOR,), N_("export the audit trail")),
}

# Public core functions that take a staff member but do not act for one with a role to check, and why.
NOT_ACTING: dict[str, str] = {
    "deskapp.core.security.permissions.require": "the check itself",  # i18n: not words
    "deskapp.core.security.permissions.staff_of": "the check's lookup",  # i18n: not words
    "deskapp.core.security.auth.authorize": "the screens table (which screens a role opens)",  # i18n: not words
    "deskapp.core.security.auth.check_pin": "proves who someone is; no role yet",  # i18n: not words
    "deskapp.core.security.auth.login": "proves who someone is; no role yet",  # i18n: not words
    "deskapp.core.security.branches.visible_branches": "reads the branches a person is assigned (or all)",  # i18n: not words
    "deskapp.core.security.branches.sees_every_branch": "reads whether a person is assigned every branch",  # i18n: not words
    "deskapp.core.security.branches.may_work_at": "reads whether a person is assigned to a branch",  # i18n: not words
    "deskapp.core.security.branches.staff_row": "loads a person's staff row once for the checks that follow",  # i18n: not words
    "deskapp.core.security.auth.has_pin": "reads whether a login has a PIN",  # i18n: not words
    "deskapp.core.security.auth.set_pin": "setting up: the demo and first PINs (replace_pin acts for staff)",  # i18n: not words
    "deskapp.core.security.audit.record": "writes the audit row of an action checked by its caller",  # i18n: not words
    "deskapp.core.security.audit.entries": "reads the audit; audit_trail.browse is the checked entry point",  # i18n: not words
    "deskapp.core.queue.counters.logout": "everyone may log out",  # i18n: not words
    "deskapp.core.queue.calling.acting_at": "the check of the held ticket's changes, for complete_ticket",  # i18n: not words
    "deskapp.core.queue.counter_events.record": "writes the event of an action checked by its caller",  # i18n: not words
    "deskapp.core.queue.counter_events.state_change": "writes the event of an action checked by its caller",  # i18n: not words
    "deskapp.core.customers.directory.session_for": "turns a login into a Session; the caller checks",  # i18n: not words
    "deskapp.core.customers.directory.allowed": "asks the table (for what a screen offers)",  # i18n: not words
    "deskapp.core.customers.directory.require": "the customers rows of the table, for the functions beside it",  # i18n: not words
    "deskapp.core.customers.records.meet_offer_needs": "part of add_product and offers.decide, checked there",  # i18n: not words
    "deskapp.core.relationship.portfolio.may_view": "asks the table (for what a screen offers)",  # i18n: not words
    "deskapp.core.relationship.portfolio.require_portfolio": "the check of the portfolio's entry points",  # i18n: not words
    "deskapp.core.stats.network.seen_by": "narrows a list of branches to those a person may see (after network.view)",  # i18n: not words
    "deskapp.core.stats.network.supervises": "asks whether one supervises a branch (for what a screen offers)",  # i18n: not words
    "deskapp.core.feedback.rules.open_follow_up": "part of feedback.submit, checked there",  # i18n: not words
    "deskapp.core.workflows.runner.apply": "part of workflows.commit_step, checked there",  # i18n: not words
    "deskapp.core.demo.workflows.record_run": "the demo's history, written as the system",  # i18n: not words
}

# Entry point (module.qualname) -> its actions, filled by @acts_as.
REGISTRY: dict[str, tuple[str, ...]] = {}

F = TypeVar("F", bound=Callable[..., Any])  # i18n: not words


def acts_as(*actions: str) -> Callable[[F], F]:
    """Register a core entry point under the actions of TABLE it checks (the function is unchanged)."""
    unknown = [a for a in actions if a not in TABLE]
    if unknown or not actions:
        raise ValueError(f"no such actions in the role table: {unknown or actions}")  # i18n: not words

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
        raise ValueError(f"{action} follows config customers.reveal_roles: pass the config")  # i18n: not words
    return tuple(r for r in ROLES if r in config.customers.reveal_roles)


def allowed(role: str, action: str, config: Config | None = None) -> bool:
    return role in roles_for(action, config)


def role_name(role: str) -> str:
    """A role as a person reads it, in the language in effect ("area manager")."""
    return _(ROLE_NAMES[role]) if role in ROLE_NAMES else role.replace("_", " ")


def _a(role: str) -> str:
    """A role with its article, in the language in effect ("an area manager")."""
    return _(_WITH_ARTICLE[role]) if role in _WITH_ARTICLE else role.replace("_", " ")


def any_of(roles: tuple[str, ...]) -> str:
    if set(roles) >= set(EVERYONE):
        return _("an active staff member")
    words = [_a(r) for r in roles]
    return words[0] if len(words) == 1 else _("{some} or {last}").format(some=", ".join(words[:-1]), last=words[-1])


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
    name: str = N_("the command line (reading)")  # shown through _()
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
    what = doing or _(rule.doing)  # `doing` comes translated from the caller
    who_may = any_of(roles) if roles else _("a staff member")
    if who is None or who == "":
        if rule.anonymous:
            return None
        raise Forbidden(_("Only {roles} may {action}; nobody was named.").format(roles=who_may, action=what))
    if isinstance(who, Reader):
        if rule.reader:
            return None
        raise Forbidden(_("Only {roles} may {action}; nobody is logged in (the command line without a login may "
                          "only search, masked).").format(roles=who_may, action=what))
    acting = staff_of(who)
    if acting is None:
        label = who if isinstance(who, str) else getattr(who, "login", "")
        raise Forbidden(_("Only {roles} may {action}; '{login}' is not an active staff member.").format(
            roles=who_may, action=what, login=label))
    if acting.role not in roles:
        if not roles:
            raise Forbidden(_("Nobody may {action} here (config customers.reveal_roles is empty); {name} is "
                              "{role}.").format(action=what, name=acting.name, role=_a(acting.role)))
        raise Forbidden(_("Only {roles} may {action}; {name} is {role}.").format(
            roles=who_may, action=what, name=acting.name, role=_a(acting.role)))
    return acting


def markdown_table() -> str:
    """TABLE as the README shows it."""
    lines = ["| action | greeter | teller | supervisor | manager | area_manager | also |",  # i18n: not words
             "| ------ | ------- | ------ | ---------- | ------- | ------------ | ---- |"]
    for action, rule in TABLE.items():
        if rule.roles is None:
            cells = ["config"] * len(ROLES)
            also = "the roles in config `customers.reveal_roles` (default supervisor, manager)"  # i18n: not words
        else:
            cells = ["yes" if r in rule.roles else "" for r in ROLES]
            also = rule.also
        if rule.anonymous:
            also = "; ".join(x for x in (also, "also with nobody named (kiosk, system, script)") if x)
        if rule.reader:
            also = "; ".join(x for x in (also, "also the command line's anonymous reader (masked)") if x)
        lines.append(f"| `{action}` | {' | '.join(cells)} | {also} |")
    return "\n".join(lines)
