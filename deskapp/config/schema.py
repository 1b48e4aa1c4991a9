"""The shape of config.yaml, as pydantic models whose docstrings explain each key.

Cross-references (a counter naming a service, a staff login used twice) are checked in
`deskapp.config.load`, where every problem can be given its line and column. It is longer than 450
lines because every section of config.yaml is one model here, the network's branches included, so
that their docstrings are read in one place.
"""
from __future__ import annotations

import re
import zoneinfo
from typing import Annotated, Literal

import phonenumbers
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, field_validator

from deskapp.config.appointments_schema import Appointments
from deskapp.config.dates import check_format
from deskapp.config.feedback_schema import Feedback
from deskapp.config.floor_schema import PauseReason, default_pause_reasons
from deskapp.config.notify_schema import Notifications
from deskapp.config.offers_schema import Offers
from deskapp.config.texts import TextField, in_language
from deskapp.config.workflow_schema import Workflow
from deskapp.i18n import N_, _, normalize, text

ROLES = ("greeter", "teller", "supervisor", "manager", "area_manager")
Role = Literal["greeter", "teller", "supervisor", "manager", "area_manager"]

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$")
_LOGIN = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class Section(BaseModel):
    """Every section refuses keys it does not know, so a typo is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


def _code(value: str, refused: str) -> str:
    """`value` when it is a code; else ValueError with `refused` (a message with {value})."""
    if not _CODE.match(value):
        raise ValueError(refused.format(value=value))
    return value


def region_for_prefix(prefix: str) -> str | None:
    """The main region of a country code: '+351' gives 'PT', '+44' gives 'GB', '+1' gives 'US'."""
    digits = prefix.lstrip("+")
    region = phonenumbers.region_code_for_country_code(int(digits)) if digits.isdigit() else None
    return None if region in (None, phonenumbers.UNKNOWN_REGION) else region


class OpeningHours(Section):
    open: str = "08:30"
    """When the doors open, branch-local time, quoted: "08:30"."""
    close: str = "16:00"
    """When the doors close, branch-local time, quoted: "16:00"."""

    @field_validator("open", "close")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError(_("expected a time of day as \"HH:MM\", got '{value}'").format(value=value))
        return value


class Branch(Section):
    code: str
    """Short branch code, unique in the bank's network (e.g. LIS01)."""
    name: str
    """The branch's name as customers know it."""
    timezone: str = "UTC"  # i18n: not words
    """IANA timezone (e.g. Europe/Lisbon); times are stored in UTC and shown in this zone."""
    hours: OpeningHours = OpeningHours()
    """Opening hours; the demo's arrivals follow them."""
    datetime_format: str | None = None
    """How every screen writes a date and time (strftime, e.g. "%d %b %Y %H:%M" for 07 Nov 2026 09:53; a
    date alone is the part before the hour). By default the usual one of customers.phone_region's country
    in English, the language's own (CLDR: "5/12/2026 09:53") in any other."""
    languages: list[str] = Field(default_factory=lambda: ["en"], min_length=1, max_length=8)
    """The languages the branch speaks, its own first (e.g. [pt-PT, en]): staff screens default to the
    first, the kiosk offers each to customers, and every text given per language must say all of them."""

    @field_validator("languages")
    @classmethod
    def _check_languages(cls, value: list[str]) -> list[str]:
        tags = []
        for code in value:
            tag = normalize(code)
            if tag is None:
                raise ValueError(_("deskapp does not speak '{code}' (add deskapp/locale/LANG/LC_MESSAGES/messages.po; "
                                   "see README \"Languages\")").format(code=code))
            tags.append(tag)
        if len(set(tags)) != len(tags):
            raise ValueError(_("each language once"))
        return tags

    @property
    def language(self) -> str:
        """The branch's own language, its staff's by default."""
        return self.languages[0]

    @field_validator("code")
    @classmethod
    def _check_code(cls, value: str) -> str:
        return _code(value, _("branch code '{value}' must be 1-20 letters, digits, '-' or '_', starting with a "
                                "letter or digit"))

    @field_validator("datetime_format")
    @classmethod
    def _check_datetime_format(cls, value: str | None) -> str | None:
        return None if value is None else check_format(value)

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(_("unknown timezone '{value}' (use an IANA name such as Europe/Lisbon)").format(
                value=value)) from None
        return value


class Database(Section):
    url: str = "sqlite:///deskapp.db"
    """sqlite:///PATH (relative to the current directory) or postgresql://user@host:port/dbname."""
    connect_timeout: int = Field(5, ge=1, le=300)
    """PostgreSQL: seconds to wait for the server to answer a new connection before saying it
    cannot be reached (a host or port that accepts but never answers would otherwise hang)."""
    statement_timeout: int = Field(30, ge=0, le=86400)
    """PostgreSQL: seconds one statement (waiting for a lock included) may run before the server
    cancels it and the action is reported as failed; 0 for no limit."""
    group: str | None = None
    """SQLite: a Unix group whose members run the desks. A new database file is then created 0640 and
    given to this group; without it, 0600 (only the user running deskapp). Ignored for PostgreSQL."""
    desk_role: str | None = None
    """PostgreSQL: the role the desks connect as; `deskapp init` run with the owner's URL creates it or
    updates its rights (no DDL; audit and migrations history read, the audit also appended to)."""

    @field_validator("desk_role")
    @classmethod
    def _check_desk_role(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^[a-z_][a-z0-9_]{0,62}$", value):
            raise ValueError(_("desk_role must be a plain PostgreSQL role name (lower-case letters, digits, _), got "
                               "'{value}'").format(value=value))
        return value

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError(_("database url must start with sqlite:/// or postgresql://, got '{value}'").format(
                value=value))
        return value


class Logging(Section):
    file: str | None = None
    """The log file (relative to the current directory); by default deskapp.log in the user's log directory
    (~/.local/state/deskapp/log on Linux, %LOCALAPPDATA%\\deskapp\\Logs on Windows). It rotates at 5 MB,
    keeping five old files."""
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"  # i18n: not words
    """How much is written: INFO is one line per staff action, WARNING only refusals, retries and failures.
    `deskapp --log-level` overrides it."""

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


class PriorityClass(Section):
    code: str
    """Short code used on tickets and the command line (e.g. normal, priority)."""
    name: TextField
    """What reception sees (e.g. "Priority: elderly, pregnant, disabled")."""
    weight: int = Field(1, ge=1, le=100)
    """Share of calls when several classes wait: weights 2 and 1 call two of this class, then one of the other."""


OUT_OF_ORDER_REASONS = (N_("Booked appointment"), N_("Needs assistance"), N_("Returning with documents"),
                        N_("Fits this counter"))


class Queue(Section):
    number_width: int = Field(3, ge=2, le=6)
    """Digits in a ticket number: 3 gives A001."""
    max_wait_minutes: int = Field(30, ge=1, le=600)
    """A ticket that has waited this long is called before any other, whatever its class."""
    recent_services: int = Field(20, ge=1, le=500)
    """How many recent service times of a service feed its expected wait."""
    recall_limit: int = Field(3, ge=0, le=20)
    """How many times a called ticket may be recalled before only no-show or start remain."""
    out_of_order_reasons: list[str] = Field(default_factory=lambda: list(OUT_OF_ORDER_REASONS), max_length=12)
    """The pick list a teller chooses from to call a waiting ticket out of its calling order (an "Other"
    entry for free text is always added)."""

    @field_validator("out_of_order_reasons")
    @classmethod
    def _check_reasons(cls, value: list[str]) -> list[str]:
        cleaned = [" ".join(reason.split()) for reason in value]
        for reason in cleaned:
            if not reason or len(reason) > 60:
                raise ValueError(_("a reason must be 1 to 60 characters, got '{reason}'").format(reason=reason))
        if len({r.casefold() for r in cleaned}) != len(cleaned):
            raise ValueError(_("the reasons must differ from each other"))
        return cleaned


class Service(Section):
    code: str
    """Short code used on the command line (e.g. CASH)."""
    name: TextField
    """What customers see on the kiosk and display: a text, or one per language ({pt-PT: ..., en: ...})."""
    prefix: str
    """Letter(s) before the ticket number (A for A001)."""
    target_wait_minutes: int = Field(10, ge=1, le=600)
    """Service level target: a wait at or under this counts as on time."""
    typical_service_minutes: float = Field(5.0, gt=0, le=240)
    """Used for expected waits until enough real service times exist."""
    workflow: str | None = None
    """Name of the workflow that guides the teller (optional)."""

    @field_validator("code")
    @classmethod
    def _check_code(cls, value: str) -> str:
        return _code(value, _("service code '{value}' must be 1-20 letters, digits, '-' or '_', starting with a "
                                "letter or digit"))

    @field_validator("prefix")
    @classmethod
    def _check_prefix(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{1,2}", value):
            raise ValueError(_("ticket prefix must be one or two capital letters, got '{value}'").format(value=value))
        return value


class Counter(Section):
    code: str
    """Short code (e.g. 1, 2, C3); the display shows it."""
    name: TextField
    """Name shown to staff and customers (e.g. "Counter 1"): a text, or one per language
    ({pt-PT: Balcão 1, en: Counter 1}); the database keeps the branch's first, each screen says its own."""
    services: list[str] = Field(min_length=1)
    """Service codes in calling order: the counter's work profile."""

    @field_validator("code")
    @classmethod
    def _check_code(cls, value: str) -> str:
        return _code(value, _("counter code '{value}' must be 1-20 letters, digits, '-' or '_', starting with a "
                                "letter or digit"))


class ServiceOverride(Section):
    """What one branch changes of a shared service."""

    target_wait_minutes: int | None = Field(None, ge=1, le=600)
    """This branch's service level target, instead of the service's."""
    typical_service_minutes: float | None = Field(None, gt=0, le=240)
    """This branch's typical service time, instead of the service's."""


class NetworkBranch(Branch):
    """One branch of a network configuration (`branches:`): its place, its counters, who works there."""

    counters: list[Counter] = Field(min_length=1)
    """The branch's desks, each with its services in calling order."""
    staff: list[str] = Field(default_factory=list)
    """Logins (from the top-level `staff:`) who may work at this branch."""
    services: dict[str, ServiceOverride] = Field(default_factory=dict)
    """Per-service changes at this branch, by service code (e.g. CASH: {target_wait_minutes: 5})."""


class StaffMember(Section):
    login: str
    """Lower-case login (e.g. ana.costa)."""
    name: str
    """Full name."""
    role: Role
    """greeter, teller, supervisor, manager or area_manager: decides what the person may see and do."""
    home: str | None = None
    """The code of the person's home branch (network configurations); by default the first branch whose
    `staff:` lists them. The home branch is always one they may work at."""
    all_branches: bool = False
    """May work at (or, for an area_manager, sees) every branch of the network, present and future."""
    language: str | None = None
    """The language of the person's screens (e.g. pt-PT, en); by default their branch's first language."""

    @field_validator("language")
    @classmethod
    def _check_language(cls, value: str | None) -> str | None:
        if value is None:
            return None
        tag = normalize(value)
        if tag is None:
            raise ValueError(_("deskapp does not speak '{code}'").format(code=value))
        return tag

    @field_validator("login")
    @classmethod
    def _check_login(cls, value: str) -> str:
        if not _LOGIN.match(value):
            raise ValueError(_("login '{value}' must be 2-32 lower-case letters, digits, '.', '_' or '-', starting "
                               "with a letter").format(value=value))
        return value


class Reports(Section):
    max_years: int = Field(5, ge=1, le=50)
    """Longest period one report may cover, in years, counted from the branch's first recorded
    day when the period starts earlier (days before it are skipped)."""


def _minutes_or_off(value: object) -> object:
    if isinstance(value, str) and not value.strip().isdigit():
        if value.strip().lower() == "off":
            return 0
        raise ValueError(_("'{value}' is neither minutes (0-240) nor off").format(value=value))
    return value


IdleMinutes = Annotated[int, BeforeValidator(_minutes_or_off), Field(ge=0, le=240)]
"""Minutes of an idle lock, 0 or "off" for none."""


class Security(Section):
    lockout_attempts: int = Field(5, ge=1, le=100)
    """Wrong PINs in a row that lock an account."""
    lockout_minutes: int = Field(15, ge=1, le=1440)
    """How long a locked account stays locked."""
    idle_lock_minutes: int = Field(5, ge=1, le=240)
    """Minutes without a key or click after which the desk returns to the login screen."""
    idle_lock_by_role: dict[Role, IdleMinutes] = Field(default_factory=dict)
    """Per role, the idle lock in minutes instead of idle_lock_minutes (1-240), or 0 / "off" (quoted)
    for none: e.g. greeter: 30, supervisor: "off" for a dashboard on a wall screen."""
    pin_min_length: int = Field(4, ge=4, le=12)
    """Fewest digits a PIN may have."""

    def idle_lock_for(self, role: str) -> int | None:
        """Minutes of inactivity after which a desk of this role locks; None: never."""
        minutes = self.idle_lock_by_role.get(role, self.idle_lock_minutes)  # type: ignore[call-overload]
        return minutes or None


class InputFormats(Section):
    """How the boxes read what people type: dates and amounts in the branch's usual way (ISO dates,
    2026-12-31, are always understood too)."""

    date_order: Literal["DMY", "MDY", "YMD"] = "DMY"  # i18n: not words
    """Order of day, month and year in a typed date such as 31/12/1980 (DMY), 12/31/1980 (MDY) or
    1980/12/31 (YMD); '/', '.', '-' or a space separate them."""
    decimal_separator: Literal[".", ","] = "."
    """What separates the cents in a typed amount: "." (1,250.50) or "," (1.250,50); the other one
    may group thousands."""


class FollowUps(Section):
    default_due_hours: int = Field(48, ge=1, le=24 * 60)
    """Hours a new follow-up has before it is overdue, unless its rule says otherwise."""
    root_causes: list[str] = Field(
        default_factory=lambda: ["waiting_time", "staff_attitude", "product", "process", "system", "fees", "other"],
        min_length=1,
    )
    """Root-cause categories; closing a follow-up needs one of them."""


class NationalId(Section):
    label: str = N_("national ID")
    """What the branch calls it (NIF, BSN, SSN ...); used in messages and on screen."""
    country: str | None = None
    """Country of the IDs, as python-stdnum names it (ISO 3166 code in lower case: pt, es, de, nl ...).
    With `kind`, validation and formatting come from stdnum (stdnum.<country>.<kind>)."""
    kind: str | None = None
    """Which number of that country: nif (pt), dni or nie (es), idnr (de), bsn (nl) ... as stdnum names it."""
    pattern: str = "[0-9A-Z]{5,20}"
    """Without country and kind: regular expression the whole ID must match, after spaces and dashes
    are removed."""
    check: Literal["mod11", "luhn", "none"] = "none"
    """Deprecated: name the country and kind instead. Without them: a check digit, mod11 (the weighting
    of Portugal's NIF), luhn, or none."""

    @field_validator("pattern")
    @classmethod
    def _check_pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(_("pattern is not a valid regular expression: {error}").format(error=exc)) from None
        return value

    @field_validator("country", "kind")
    @classmethod
    def _check_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", value):
            raise ValueError(_("'{value}' must be a name as python-stdnum writes it, in lower case (pt, nif)").format(
                value=value))
        return value

    @property
    def stdnum(self) -> bool:
        """Whether stdnum validates these IDs (country and kind are both given)."""
        return self.country is not None and self.kind is not None


class Customers(Section):
    segments: list[str] = Field(default_factory=lambda: ["mass", "affluent", "premier", "business"], min_length=1)
    """Customer segments, as short codes."""
    phone_region: str | None = None
    """The branch's country for phone numbers, as an ISO 3166 code (PT, GB, DE ...): a number typed
    without a country code is read as one of its numbers (its trunk 0 dropped), stored in E.164, and
    shown in national format. Without it, the region of phone_prefix."""
    phone_prefix: str = "+351"
    """Deprecated: write phone_region. The country code of the branch's phone numbers, e.g. "+351"."""
    national_id: NationalId = NationalId()
    """Format of national IDs in this country."""
    segment_priority: dict[str, str] = Field(default_factory=dict)
    """Priority class for an identified customer of a segment when a ticket is issued (e.g. premier:
    priority); the more urgent of it and the class chosen applies. No screen shows the segment."""
    reveal_roles: list[Role] = Field(default_factory=lambda: ["supervisor", "manager"])
    """Roles that may reveal a full national ID or account number (each reveal is audited)."""
    product_types: list[str] = Field(
        default_factory=lambda: ["current_account", "savings", "credit_card", "debit_card", "mortgage",
                                 "personal_loan", "insurance", "investment"], min_length=1)
    """Products a customer can hold."""
    need_categories: list[str] = Field(
        default_factory=lambda: ["savings", "credit", "mortgage", "insurance", "investment", "cards",
                                 "digital_banking", "other"], min_length=1)
    """Categories of customer needs."""
    life_event_kinds: list[str] = Field(
        default_factory=lambda: ["new_job", "moved", "child", "retirement", "other"], min_length=1)
    """Kinds of life events recorded on a profile."""
    id_doc_types: list[str] = Field(
        default_factory=lambda: ["id_card", "passport", "residence_permit", "driving_licence"], min_length=1)
    """Identity documents a customer can present."""

    @field_validator("phone_prefix")
    @classmethod
    def _check_prefix(cls, value: str) -> str:
        if not re.fullmatch(r"\+[1-9][0-9]{0,3}", value):
            raise ValueError(_("phone_prefix must be a country code such as \"+351\", got '{value}'").format(value=value))
        if region_for_prefix(value) is None:
            raise ValueError(_("phone_prefix {value} is no country's code").format(value=value))
        return value

    @field_validator("phone_region")
    @classmethod
    def _check_region(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(_("phone_region must be a country as an ISO 3166 code such as PT or GB, got "
                               "'{value}'").format(value=value))
        return value.upper()

    @property
    def region(self) -> str:
        """The region phone numbers are read in: phone_region, else the main region of phone_prefix."""
        return self.phone_region or region_for_prefix(self.phone_prefix) or "PT"  # i18n: not words


class Retention(Section):
    """How long personal data is kept (`deskapp retention run` applies it) and what an erasure must keep."""

    feedback_comment_months: int | None = Field(None, ge=1, le=1200)
    """Feedback comments are blanked this many months after they were given (the scores stay); none: kept."""
    interaction_note_months: int | None = Field(None, ge=1, le=1200)
    """Notes of interactions (calls, meetings, notes) are blanked this many months after them; none: kept."""
    step_value_months: int | None = Field(None, ge=1, le=1200)
    """What was typed into workflow steps (text, phone, ID and date fields) is blanked this many months
    after the step; amounts, numbers, choices and yes/no answers stay; none: kept."""
    ticket_customer_years: int | None = Field(None, ge=1, le=100)
    """Tickets (with their feedback) are unlinked from their customer this many years after they were
    issued; the ticket, its times and its scores stay, anonymous; none: kept."""
    notification_months: int | None = Field(None, ge=1, le=1200)
    """Messages sent (or given up) this many months ago lose their recipient and content (kind, channel
    and times stay), and tickets' contacts that old are removed; none: kept."""
    keep_on_erasure: list[Literal["products"]] = Field(default_factory=list)
    """What an erasure must leave as it is because banking law requires it be kept: products (the
    products held, with their account numbers, linked to the customer number). Everything else
    personal is erased; the customer number and anonymous figures always stay."""


class Display(Section):
    """The waiting-room display (`deskapp display`, `deskapp serve --screen display`)."""

    announce: bool = False
    """Speak each call ("Ticket A 0 0 5, counter 1") through espeak-ng when it is installed."""
    voice: str = Field("en", pattern=r"^[A-Za-z0-9_+-]{1,40}$")
    """The espeak-ng voice of the spoken calls (`espeak-ng --voices` lists them; e.g. en, pt, de)."""
    languages: Literal["both", "first", "alternate"] = "both"
    """How a branch that speaks several languages (branch.languages) labels the display: both (every
    caption in each, the branch's first), first (the branch's own only) or alternate (one language at a
    time, changing every alternate_seconds)."""
    alternate_seconds: int = Field(10, ge=2, le=600)
    """With `languages: alternate`, seconds each language stays on the display."""


class Config(Section):
    """The whole of config.yaml."""

    branch: Branch | None = None
    """The branch (a configuration of one branch); a network writes `branches:` instead. After loading,
    the branch this desk or command is (`--branch`)."""
    branches: list[NetworkBranch] = Field(default_factory=list)
    """The network's branches, each with its counters and staff; the shared catalogue (services, priority
    classes, workflows, feedback, offers, security) is the rest of this file. Without it the file is a
    network of one: `branch:`, `counters:` and every `staff:` member."""
    default_branch: str | None = None
    """The branch a desk or command is when no `--branch` (or DESKAPP_BRANCH) names one; by default the
    first of `branches:`."""
    database: Database = Database()
    """Where the data lives."""
    logging: Logging = Logging()
    """Where this desk writes its log, and how much."""
    queue: Queue = Queue()
    """Ticket numbering and calling rules."""
    pause_reasons: list[PauseReason] = Field(default_factory=default_pause_reasons, min_length=1)
    """Why a counter pauses (code and label), offered at the desk's `p`; see floor_schema.py."""
    priority_classes: list[PriorityClass] = Field(
        default_factory=lambda: [PriorityClass(code="normal", name="Normal", weight=1)], min_length=1
    )
    """Priority classes, most urgent first."""
    services: list[Service] = Field(min_length=1)
    """The services customers can queue for."""
    counters: list[Counter] = Field(default_factory=list)
    """The desks that serve customers (a configuration of one branch); after loading, this branch's."""
    staff: list[StaffMember] = Field(min_length=1)
    """Everyone who logs in; PINs are set with `deskapp staff set-pin`, never written here."""
    security: Security = Security()
    """Login lockout and idle lock."""
    input: InputFormats = InputFormats()
    """How typed dates and amounts are read (date order, decimal separator)."""
    reports: Reports = Reports()
    """Limits of the supervisor's reports."""
    followups: FollowUps = FollowUps()
    """Follow-ups of feedback, referrals and complaints."""
    customers: Customers = Customers()
    """Customer records: segments, ID format, who may reveal IDs, product and need lists."""
    feedback: Feedback = Feedback()
    """Post-service feedback: questions, timeout, comment tags and follow-up triggers."""
    workflows: dict[str, Workflow] = Field(default_factory=dict)
    """Service workflows by name (a service names one with `workflow:`); see deskapp/config/workflow_schema.py.
    After loading, this also holds the workflows of every file in workflow_files."""
    workflow_files: list[str] = Field(default_factory=list)
    """YAML files, relative to this one, each holding a `workflows:` mapping like the one above."""
    retention: Retention = Retention()
    """Retention periods of personal data and what an erasure keeps (GDPR art. 17 against banking law)."""
    offers: Offers = Offers()
    """Next-best-offer rules for the relationship manager and the workflow offers step; see offers_schema.py."""
    appointments: Appointments = Appointments()
    """Booked visits: slots, capacity per service and hour, grace and early margins; see appointments_schema.py."""
    display: Display = Display()
    """The waiting-room display: spoken calls."""
    _catalogue: tuple[list[Service], list[Service]] | None = PrivateAttr(None)
    """(this branch's services, the shared ones before its overrides), set by for_branch."""

    def network(self) -> list[NetworkBranch]:
        """Every branch the configuration describes: `branches:`, or the one of `branch:` with every
        staff member working there."""
        if self.branches:
            return list(self.branches)
        assert self.branch is not None
        return [NetworkBranch(**self.branch.model_dump(), counters=list(self.counters),
                              staff=[s.login for s in self.staff])]

    def network_branch(self, code: str) -> NetworkBranch | None:
        """The branch of that code (case-insensitive), or None."""
        return next((b for b in self.network() if b.code.upper() == code.strip().upper()), None)

    def default_code(self) -> str:
        return self.default_branch or self.network()[0].code

    def for_branch(self, code: str | None = None) -> Config:
        """This configuration seen from one branch: `branch`, `counters` and the services (with the
        branch's overrides) are that branch's; `branches` still lists the whole network. None: the
        default branch. An unknown code raises LookupError."""
        found = self.network_branch(code or self.default_code())
        if found is None:
            raise LookupError(code)
        base = Branch(**found.model_dump(include=set(Branch.model_fields)))
        # The shared services, without another branch's overrides (unless `services` was replaced since)
        catalogue = self._catalogue[1] if self._catalogue and self._catalogue[0] is self.services else self.services
        services = [s.model_copy(update=found.services[s.code].model_dump(exclude_none=True))
                    if s.code in found.services else s for s in catalogue]
        seen = self.model_copy(update={"branch": base, "counters": list(found.counters), "services": services,
                                       "branches": self.network()})
        seen._catalogue = (services, list(catalogue))
        spoken = in_language(seen, base.language)
        spoken._catalogue = seen._catalogue if spoken is seen else (spoken.services, list(catalogue))
        return spoken

    def staff_language(self, login: str | None) -> str:
        """The language of a staff member's screens: their own (`language:`), else this branch's."""
        member = next((s for s in self.staff if s.login == login), None)
        return (member.language if member is not None else None) or self.branch.language

    def staff_branches(self, login: str) -> tuple[str | None, list[str]]:
        """(home branch code, codes of every branch the person may work at) as configured."""
        member = next(s for s in self.staff if s.login == login)
        network = self.network()
        listed = [b.code for b in network if login in b.staff]
        home = member.home or (listed[0] if listed else None)
        if member.all_branches:
            return home or network[0].code, [b.code for b in network]
        codes = listed if home is None or home in listed else [home, *listed]
        return home, codes

    def branch_staff(self, code: str | None = None, *, home_only: bool = False) -> list[StaffMember]:
        """The staff who may work at branch `code` (default: this one), in `staff:` order; only those
        whose home it is with home_only."""
        code = code or (self.branch.code if self.branch else self.default_code())
        found = []
        for member in self.staff:
            home, codes = self.staff_branches(member.login)
            if (home == code) if home_only else (code in codes):
                found.append(member)
        return found
    notifications: Notifications = Notifications()
    """Service messages to customers and follow-up reminders to staff, through the outbox; see notify_schema.py."""

    def service(self, code: str) -> Service:
        return next(s for s in self.services if s.code == code)

    def priority(self, code: str) -> PriorityClass:
        return next(p for p in self.priority_classes if p.code == code)

    def service_name(self, code: str, stored: str | None = None, language: str | None = None) -> str:
        """The name of the service `code` in `language` (default: the current one, the viewer's), from the
        configuration: the database keeps one language (the branch's first), each screen says its own.
        A service the configuration no longer has: `stored` (the database's name), else its code."""
        found = next((s for s in self.services if s.code == code), None)
        return text(found.name, language) if found is not None else (stored or code)

    def counter_name(self, code: str, stored: str | None = None, language: str | None = None) -> str:
        """The name of this branch's counter `code` in `language` (default: the viewer's), from the
        configuration, as service_name: a counter it no longer has is `stored` (the database's name), else its code."""
        found = next((c for c in self.counters if c.code == code), None)
        return text(found.name, language) if found is not None else (stored or code)

    def counter_text(self, code: str, stored: str | None = None) -> str:
        """The counter's name as configured (every language in it, for a screen that shows several), else `stored`."""
        found = next((c for c in self.counters if c.code == code), None)
        return found.name if found is not None else (stored or code)

    def class_name(self, code: str, language: str | None = None) -> str:
        """The name of the priority class `code` in `language` (default: the viewer's); its code when the
        configuration has no such class (a booking's own class, appointments.priority_class)."""
        found = next((p for p in self.priority_classes if p.code == code), None)
        return text(found.name, language) if found is not None else code

    def stored_name(self, value: str) -> str:
        """A configured text as the database keeps it: in this branch's first language, whatever language
        the configuration was read in (--lang, a staff member's, a test's), so that no desk rewrites it."""
        return text(value, self.branch.language)
