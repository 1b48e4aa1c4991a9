"""The three channels: e-mail over SMTP, a signed webhook, an SMS gateway; and the webhook signature.

A send returns only once the receiver acknowledged the message (SMTP accepted it, the HTTP server
answered 2xx); anything else raises DeliveryFailed with the reason, and the deliverer retries.

The signature (webhook, and the SMS gateway when it has a secret): header
`X-Deskapp-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`, plus
`Idempotency-Key: <key>`. A receiver recomputes the HMAC over the raw body, compares in constant time,
rejects a timestamp more than 5 minutes from its clock (a replayed old request), and keeps the
idempotency keys it has seen for at least that long to drop a repeat (`verify` below does the first two).
"""
from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import smtplib
import ssl
import time
import urllib.parse
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from deskapp.config.notify_schema import Email, Notifications, Sms, Webhook, fill
from deskapp.errors import BadInput
from deskapp.i18n import _, say

SIGNATURE_HEADER = "X-Deskapp-Signature"  # i18n: not words
TOLERANCE_SECONDS = 300


class DeliveryFailed(Exception):
    """One attempt failed; the message says why (kept as the row's last_error)."""


class SecretMissing(BadInput):
    """An environment variable the notifications section names for a secret is not set."""


@dataclass(frozen=True)
class Message:
    id: int
    kind: str
    channel: str
    recipient: str
    payload: dict
    key: str
    attempts: int


def sign(secret: bytes, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: bytes, body: bytes, header: str, now: float | None = None,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """Whether `header` signs `body` with `secret` and was made within `tolerance` seconds of `now`."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


def secret(name: str | None, setting: str) -> str | None:
    if name is None:
        return None
    value = os.environ.get(name)
    if not value:
        raise SecretMissing(_("the environment variable {name} (named by notifications.{setting}) is not set").format(
            name=name, setting=setting))
    return value


def render(section: Notifications, message: Message) -> tuple[str, str]:
    """(subject, text) of a message, from its kind's template and its payload, in the current language
    (deliver sends each in its own): a configured text in that language (else its first), deskapp's
    built-in texts from its catalogue."""
    template = section.template(message.kind)
    text = fill(say(template.text), message.payload)
    subject = fill(say(template.subject), message.payload) if template.subject else text.splitlines()[0][:78]
    return subject, text


class _Poster:
    """POSTs to one URL over a kept-alive connection (a new one after any failure)."""

    def __init__(self, url: str, timeout: float):
        parts = urllib.parse.urlsplit(url)
        self._https = parts.scheme == "https"
        self._host = parts.netloc
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def post(self, body: bytes, headers: dict[str, str]) -> None:
        if self._conn is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = kind(self._host, timeout=self._timeout)
        try:
            self._conn.request("POST", self._path, body=body, headers={"Content-Type": "application/json", **headers})  # i18n: not words
            response = self._conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise DeliveryFailed(f"{self._host}: {type(exc).__name__}: {exc}") from None
        if response.will_close:
            self.close()
        if not 200 <= response.status < 300:
            raise DeliveryFailed(f"{self._host} answered {response.status} {response.reason}")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class WebhookChannel:
    def __init__(self, section: Notifications, settings: Webhook):
        self._section = section
        self._secret = secret(settings.secret_env, "webhook.secret_env").encode()
        self._poster = _Poster(settings.url, settings.timeout_seconds)

    def send(self, message: Message) -> None:
        subject, text = render(self._section, message)
        body = json.dumps({"id": message.key, "kind": message.kind, "recipient": message.recipient,
                           "subject": subject, "text": text, "data": message.payload},
                          ensure_ascii=False, separators=(",", ":")).encode()
        self._poster.post(body, {SIGNATURE_HEADER: sign(self._secret, body, int(time.time())),
                                 "Idempotency-Key": message.key})  # i18n: not words

    def close(self) -> None:
        self._poster.close()


class SmsChannel:
    def __init__(self, section: Notifications, settings: Sms):
        self._section = section
        self._settings = settings
        key = secret(settings.secret_env, "sms.secret_env")
        self._secret = key.encode() if key else None
        self._token = secret(settings.token_env, "sms.token_env")
        self._poster = _Poster(settings.url, settings.timeout_seconds)

    def send(self, message: Message) -> None:
        _, text = render(self._section, message)
        values = {"to": message.recipient, "text": text, "kind": message.kind, "idempotency_key": message.key}
        body = json.dumps({k: fill(v, values) for k, v in self._settings.body.items()},
                          ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Idempotency-Key": message.key}  # i18n: not words
        if self._secret:
            headers[SIGNATURE_HEADER] = sign(self._secret, body, int(time.time()))
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"  # i18n: not words
        self._poster.post(body, headers)

    def close(self) -> None:
        self._poster.close()


class EmailChannel:
    def __init__(self, section: Notifications, settings: Email):
        self._section = section
        self._settings = settings
        self._password = secret(settings.password_env, "email.password_env")

    def send(self, message: Message) -> None:
        s = self._settings
        subject, text = render(self._section, message)
        mail = EmailMessage()
        mail["From"] = s.sender  # i18n: not words
        mail["To"] = message.recipient  # i18n: not words
        mail["Subject"] = subject  # i18n: not words
        mail["Date"] = formatdate(localtime=False)  # i18n: not words
        domain = s.sender.rsplit("@", 1)[-1].strip(" >") or "deskapp.invalid"
        mail["Message-ID"] = f"<{hashlib.sha256(message.key.encode()).hexdigest()[:32]}@{domain}>"  # i18n: not words
        mail["X-Deskapp-Idempotency-Key"] = message.key  # i18n: not words
        mail.set_content(text)
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds) as smtp:
                if s.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    smtp.login(s.username, self._password or "")
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"SMTP {s.host}:{s.port}: {type(exc).__name__}: {exc}") from None  # i18n: not words

    def close(self) -> None:
        pass


def open_channels(section: Notifications) -> dict[str, object]:
    """The configured channels by name; SecretMissing when a named environment variable is unset."""
    channels: dict[str, object] = {}
    if section.email is not None:
        channels["email"] = EmailChannel(section, section.email)
    if section.webhook is not None:
        channels["webhook"] = WebhookChannel(section, section.webhook)
    if section.sms is not None:
        channels["sms"] = SmsChannel(section, section.sms)
    return channels
