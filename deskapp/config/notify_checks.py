"""Checks of the notifications section that need more than one value, each located in the file.

Every placeholder of every template must be one its kind fills in (KINDS); an unknown one is reported
at its own line and column, with a suggestion. Staff named in staff_emails must exist, and a channel a
setting relies on must be configured.
"""
from __future__ import annotations

import re

from deskapp.config.errors import ConfigError
from deskapp.config.notify_schema import KINDS, SMS_FIELDS, placeholders
from deskapp.config.schema import Config
from deskapp.config.suggest import suggest
from deskapp.config.workflow_checks import scalar_position
from deskapp.config.yamlsafe import Document
from deskapp.i18n import _

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def _template_errors(doc: Document, path: tuple, text: str, allowed: tuple[str, ...], what: str) -> list[ConfigError]:
    """`what`: the template as the file names it (its YAML keys, e.g. "ticket_issued text")."""
    errors = []
    for offset, name in placeholders(text):
        line, col = scalar_position(doc, path, offset)
        if name is None:
            errors.append(ConfigError(doc.file, line, col, _("{what}: a lone brace; write {{{{ or }}}} for a brace in "
                                                             "the text").format(what=what)))
        elif name not in allowed:
            usable = ", ".join("{" + a + "}" for a in allowed)
            hint = suggest(name, allowed) or _("; it may use {placeholders}").format(placeholders=usable)
            errors.append(ConfigError(doc.file, line, col, _("{what}: unknown placeholder {{{name}}}{hint}").format(
                what=what, name=name, hint=hint)))
    return errors


def _each_language(text: str | None, path: tuple) -> list[tuple[tuple, str]]:
    """(path in the YAML, words) of a template's text, or of each of its languages when given per language
    (a language missing is check-config's texts check, like any configured text's)."""
    if text is None:
        return []
    translations = getattr(text, "translations", None)
    if not translations:
        return [(path, text)]
    return [((*path, lang), words) for lang, words in translations.items()]


def notification_references(doc: Document, config: Config) -> list[ConfigError]:
    section = config.notifications
    base = ("notifications",)
    errors: list[ConfigError] = []
    for kind, template in section.templates.items():
        where = (*base, "templates", kind)
        if kind not in KINDS:
            errors.append(doc.error(where, _("unknown message kind '{kind}'{hint}; kinds: {kinds}").format(
                kind=kind, hint=suggest(kind, KINDS), kinds=", ".join(KINDS)), key=True))
            continue
        for field in ("text", "subject"):
            for path, words in _each_language(getattr(template, field), (*where, field)):
                errors += _template_errors(doc, path, words, KINDS[kind], f"{kind} {field}")  # i18n: not words (the file's keys)
    if section.sms is not None:
        for key, text in section.sms.body.items():
            errors += _template_errors(doc, (*base, "sms", "body", key), text, SMS_FIELDS, f"sms body {key}")  # i18n: not words
    logins = [s.login for s in config.staff]
    for login, address in section.staff_emails.items():
        where = (*base, "staff_emails", login)
        if login not in logins:
            errors.append(doc.error(where, _("staff_emails names unknown login '{login}'{hint}").format(
                login=login, hint=suggest(login, logins)), key=True))
        if not _EMAIL.match(address):
            errors.append(doc.error(where, _("'{address}' is not an e-mail address").format(address=address)))
    if section.staff_emails and section.email is None:
        errors.append(doc.error((*base, "staff_emails"), _("staff_emails needs notifications.email (the SMTP server)"),
                                key=True))
    if section.phone_channel == "webhook" and section.webhook is None and "phone_channel" in section.model_fields_set:
        errors.append(doc.error((*base, "phone_channel"), _("phone_channel: webhook needs notifications.webhook")))
    for i, hours in enumerate(section.reminder_hours):
        if not 0 < hours <= 24 * 30:
            errors.append(doc.error((*base, "reminder_hours", i), _(
                "a reminder must be 1 to 720 hours before, got {hours}").format(hours=hours)))
    return errors
