"""The `notifications:` section of config.yaml: channels, message templates and delivery rules.

Kept apart from deskapp.config.schema (which imports it for Config.notifications). Templates are
checked in deskapp.config.notify_checks, each placeholder against the kind's list in KINDS, with the
line and column of the placeholder itself. Secrets (the SMTP password, the webhook signing key, a
gateway token) are never written here: the section names the environment variables holding them.
"""
from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from deskapp.config.texts import TextField
from deskapp.i18n import N_, _

# Every message kind and the placeholders its templates may use ({number}, ...). Customer kinds go
# only to a contact the customer gave for that ticket or booking; staff kinds to the staff member.
TICKET_KINDS = {
    "ticket_issued": ("branch", "service", "number", "position", "wait_minutes"),
    "turn_soon": ("branch", "service", "number", "position"),
    "ticket_called": ("branch", "service", "number", "counter"),
}
BOOKING_FIELDS = ("branch", "service", "code", "date", "time", "customer")
BOOKING_KINDS = {
    "booking_confirmed": BOOKING_FIELDS,
    "booking_reminder": (*BOOKING_FIELDS, "hours_before"),
    "booking_moved": (*BOOKING_FIELDS, "previous_date", "previous_time"),
    "booking_cancelled": BOOKING_FIELDS,
}
STAFF_KINDS = {
    "followup_due": ("branch", "staff", "customer", "reason", "due"),
    "followup_overdue": ("branch", "staff", "customer", "reason", "due"),
}
KINDS: dict[str, tuple[str, ...]] = {**TICKET_KINDS, **BOOKING_KINDS, **STAFF_KINDS}
SMS_FIELDS = ("to", "text", "kind", "idempotency_key")

_ENV = re.compile(r"^[A-Z_][A-Z0-9_]{0,63}$")


class Section(BaseModel):
    """As deskapp.config.schema.Section (which imports this module): unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


def _env_name(value: str | None) -> str | None:
    if value is not None and not _ENV.match(value):
        raise ValueError(_("'{value}' must be the NAME of an environment variable (A-Z, 0-9, _), never the secret "
                           "itself").format(value=value))
    return value


EnvName = Annotated[str, AfterValidator(_env_name)]
"""A setting that names the environment variable holding a secret (password_env, secret_env, token_env)."""


class Email(Section):
    host: str = "localhost"
    """SMTP server."""
    port: int = Field(587, ge=1, le=65535)
    """SMTP port: 587 with STARTTLS, 25 without."""
    starttls: bool = True
    """Upgrade the connection with STARTTLS before logging in (the server's certificate is verified)."""
    username: str | None = None
    """SMTP login; none: send without logging in."""
    password_env: EnvName | None = None
    """The environment variable holding the SMTP password (e.g. DESKAPP_SMTP_PASSWORD)."""
    sender: str = Field(min_length=3)
    """The From address, e.g. "Our Bank <branch@example.com>"."""
    timeout_seconds: float = Field(10, gt=0, le=120)
    """How long one SMTP conversation may take before the attempt counts as failed."""



class Webhook(Section):
    url: str
    """Where JSON messages are POSTed, http:// or https://."""
    secret_env: EnvName
    """The environment variable holding the HMAC-SHA256 signing key (header X-Deskapp-Signature)."""
    timeout_seconds: float = Field(5, gt=0, le=120)
    """How long the receiver may take to answer 2xx before the attempt counts as failed."""

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(_("url must start with http:// or https://, got '{value}'").format(value=value))
        return value


class Sms(Webhook):
    secret_env: EnvName | None = None  # type: ignore[assignment]
    """The environment variable holding an HMAC-SHA256 signing key, if the gateway checks signatures."""
    body: dict[str, str] = Field(default_factory=lambda: {"to": "+{to}", "text": "{text}"})
    """The gateway's JSON body: each value a template of {to} (E.164 digits), {text}, {kind} and
    {idempotency_key}."""
    token_env: EnvName | None = None
    """The environment variable holding the gateway's bearer token (sent as Authorization: Bearer ...)."""


class Template(Section):
    text: TextField
    """The message, with placeholders in braces ({number}); {{ and }} for literal braces. One text, or
    one per language ({pt-PT: ..., en: ...}): each message is written in its ticket's language."""
    subject: TextField | None = None
    """The e-mail subject (a template too, one or one per language); the first line of text when none."""

    @field_validator("text")
    @classmethod
    def _words(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(_("a template needs words"))
        return value


def _default_templates() -> dict[str, Template]:
    return {
        "ticket_issued": Template(subject=N_("Your ticket {number}"),
                                  text=N_("Your ticket {number} for {service}: {position} in line, about {wait_minutes} "
                                       "min. We will tell you when your turn is near.")),
        "turn_soon": Template(subject=N_("{number}: your turn is near"),
                              text=N_("{number}: your turn is near ({position} in line). Please come back to {branch}.")),
        "ticket_called": Template(subject=N_("{number}: it is your turn"), text=N_("{number}: please go to {counter}.")),
        "booking_confirmed": Template(subject=N_("Appointment {code} confirmed"),
                                      text=N_("{service} at {branch}, {date} {time}. Your code: {code}.")),
        "booking_reminder": Template(subject=N_("Reminder: appointment {code}"),
                                     text=N_("Reminder: {service} at {branch}, {date} {time} (code {code}).")),
        "booking_moved": Template(subject=N_("Appointment {code} moved"),
                                  text=N_("Your appointment {code} is now {date} {time} (was {previous_date} "
                                       "{previous_time}), {service} at {branch}.")),
        "booking_cancelled": Template(subject=N_("Appointment {code} cancelled"),
                                      text=N_("Your appointment {code} on {date} {time} is cancelled.")),
        "followup_due": Template(subject=N_("Follow-up due {due}"), text=N_("Follow-up for {customer} due {due}: {reason}")),
        "followup_overdue": Template(subject=N_("Follow-up overdue since {due}"),
                                     text=N_("Follow-up for {customer} is overdue since {due}: {reason}")),
    }


class Notifications(Section):
    """Service messages to customers (only on a channel they gave for that ticket or booking) and
    follow-up reminders to staff. Never marketing. Delivered by `deskapp notify run`."""

    enabled: bool = False
    """Write messages to the outbox; off: nothing is written and the kiosk offers no "tell me"."""
    turn_soon_position: int = Field(3, ge=1, le=50)
    """"Your turn is near" goes when a ticket reaches this place in its service's line."""
    reminder_hours: list[int] = Field(default_factory=lambda: [24, 1])
    """Booking reminders, hours before the slot (e.g. 24 and 1)."""
    followup_notice_hours: int = Field(4, ge=0, le=24 * 14)
    """A follow-up's assignee is told this many hours before it falls due, and again once it is overdue."""
    staff_emails: dict[str, str] = Field(default_factory=dict)
    """Staff logins and their e-mail addresses for follow-up messages; staff not listed get them by
    webhook (when one is configured)."""
    phone_channel: str = Field("sms", pattern="^(sms|webhook)$")
    """Where messages to a phone number go: sms (the gateway below) or webhook (your own messaging hub)."""
    max_attempts: int = Field(6, ge=1, le=100)
    """Tries before a message is dead-lettered."""
    backoff_seconds: float = Field(30, gt=0, le=86400)
    """Wait before the first retry; doubled after each failure."""
    backoff_max_seconds: float = Field(3600, gt=0, le=7 * 86400)
    """Longest wait between two tries."""
    batch_size: int = Field(50, ge=1, le=1000)
    """Messages claimed at once by one deliverer."""
    lease_seconds: float = Field(120, ge=1, le=86400)
    """A claimed batch not acknowledged within this time (a deliverer killed mid-batch) is tried again."""
    poll_seconds: float = Field(2, gt=0, le=3600)
    """How often `deskapp notify run` looks for due messages when it finds none."""
    email: Email | None = None
    """SMTP settings; none: no e-mail is sent."""
    webhook: Webhook | None = None
    """The signed webhook; none: none is sent."""
    sms: Sms | None = None
    """The SMS gateway (an HTTP POST of a JSON body template); none: no SMS is sent."""
    templates: dict[str, Template] = Field(default_factory=_default_templates)
    """Message texts by kind, one or one per language (each message is written in its ticket's language,
    else the branch's); kinds not listed keep the built-in text, in deskapp's words for each language."""

    def template(self, kind: str) -> Template:
        return self.templates.get(kind) or _default_templates()[kind]


_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def placeholders(text: str) -> list[tuple[int, str | None]]:
    """(offset, name) of each placeholder in a template; name None for a stray brace (an error)."""
    found = []
    for match in _FIELD.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        found.append((match.start(), match.group(1) if match.group(1) is not None else None))
    return found


def fill(text: str, values: dict[str, object]) -> str:
    """The template with each {name} replaced by its value ('-' when missing or None); {{ and }} are braces."""

    def one(match: re.Match) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        value = values.get(match.group(1) or "")
        return "-" if value is None else str(value)

    return _FIELD.sub(one, text)
