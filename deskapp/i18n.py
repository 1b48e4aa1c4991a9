"""Translation: `_()` and `ngettext` for every word a person reads, the active language, CLDR formats.

It lives at the package root, beside deskapp.errors, because config (check-config's messages, the
`Text` type of configured texts), db and core all speak through it and none of them may import another's
layer. English is the source language: its catalogue is empty and costs nothing; any other language's
compiled catalogue (deskapp/locale/LANG/LC_MESSAGES/messages.mo) is read the first time a message is
asked for in it, and Babel (CLDR dates, numbers, money) is imported only by the first format that needs
it, so start-up does not pay for either.

Who speaks what: the language of the process (`set_default`: the command line's --lang or locale, the
logged-in staff member's, the kiosk's branch) unless a context overrides it (`use(lang)`: one customer
at the kiosk, one ticket's notification, one survey), kept in a contextvar so threads and tasks never
see each other's customer.
"""
from __future__ import annotations

import contextvars
import gettext as _gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

SOURCE = "en"  # the language the code is written in
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

_active: contextvars.ContextVar[str | None] = contextvars.ContextVar("deskapp_language", default=None)
_default = SOURCE
_catalogues: dict[str, _gettext.NullTranslations] = {}


def available() -> list[str]:
    """The languages deskapp ships a catalogue for, as tags ("en", "pt-PT"), English first."""
    found = sorted(p.name.replace("_", "-") for p in LOCALE_DIR.iterdir()
                   if (p / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file()) if LOCALE_DIR.is_dir() else []  # i18n: not words
    return [SOURCE, *(tag for tag in found if tag != SOURCE)]


def normalize(code: str | None, known: list[str] | None = None) -> str | None:
    """A language tag as deskapp writes it ("pt-PT"), from what a person or a locale says: "pt", "pt_PT",
    "pt-pt", "pt_PT.UTF-8", "en_US". A bare language or an unknown region picks the known language of
    that name ("pt" -> "pt-PT"); None for a locale that says nothing ("C", "POSIX", "") or a language
    not in `known` (default: the shipped ones)."""
    if not code:
        return None
    code = code.split(".")[0].split("@")[0].replace("_", "-").strip()
    if code.upper() in ("C", "POSIX", ""):  # i18n: not words
        return None
    lang, _, region = code.partition("-")
    tag = f"{lang.lower()}-{region.upper()}" if region else lang.lower()
    known = available() if known is None else known
    by_lower = {k.lower(): k for k in known}
    if tag.lower() in by_lower:
        return by_lower[tag.lower()]
    same = [k for k in known if k.lower().split("-")[0] == lang.lower()]
    return same[0] if same else None


def from_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """The language of the user's locale (LC_ALL, then LC_MESSAGES, then LANG), when deskapp speaks it."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):  # i18n: not words
        if environ.get(name):
            return normalize(environ[name])
    return None


def set_default(code: str | None) -> str:
    """Make `code` the process's language (None or unknown: English); returns the language chosen."""
    global _default
    _default = normalize(code) or SOURCE
    return _default


def current() -> str:
    """The language in effect here: the context's, else the process's."""
    return _active.get() or _default


@contextmanager
def use(code: str | None) -> Iterator[str]:
    """Speak `code` inside the block (one customer, one ticket, one test); None keeps the current one."""
    token = _active.set(normalize(code) or current()) if code else None
    try:
        yield current()
    finally:
        if token is not None:
            _active.reset(token)


def catalogue(code: str | None = None) -> _gettext.NullTranslations:
    """The compiled catalogue of `code` (default: the current language), read once, on first use."""
    code = code or current()
    found = _catalogues.get(code)
    if found is None:
        path = LOCALE_DIR / code.replace("-", "_") / "LC_MESSAGES" / f"{DOMAIN}.mo"  # i18n: not words
        if code != SOURCE and path.is_file():
            with path.open("rb") as fh:
                found = _gettext.GNUTranslations(fh)
        else:
            found = _gettext.NullTranslations()
        _catalogues[code] = found
    return found


def _(message: str) -> str:
    """`message` in the current language (itself when untranslated)."""
    return catalogue().gettext(message)


gettext = _


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message for `n`, by the current language's plural rule."""
    return catalogue().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in the current language as meant in `context`: one English word with two meanings
    ("service": a visit in the contact log, a service in a column header) gets two translations."""
    return catalogue().pgettext(context, message)


def NP_(context: str, message: str) -> tuple[str, str]:
    """N_ for a message with a context: (context, message), translated where shown with pgettext."""
    return context, message


def N_(message: str) -> str:
    """Marks a message for extraction where it cannot be translated yet (a class attribute, a table
    of constants); translate it with `_()` where it is shown."""
    return message


class LazyString:
    """A message translated each time it is shown, in the language then current (a binding's label,
    a title written at import time)."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return _(self.message)

    def __repr__(self) -> str:
        return f"lazy({self.message!r})"

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.message)

    def __add__(self, other: str) -> str:
        return str(self) + other

    def __radd__(self, other: str) -> str:
        return other + str(self)

    def __mod__(self, values: object) -> str:
        return str(self) % values

    def format(self, *args: object, **kwargs: object) -> str:
        return str(self).format(*args, **kwargs)


def lazy_gettext(message: str) -> LazyString:
    return LazyString(message)


def text(value: object, language: str | None = None) -> str:
    """A configured text (see deskapp.config.texts.Text: a string, or one per language) in `language`
    (default: the current one), else in the language it was written in first."""
    translations = getattr(value, "translations", None)
    if not translations:
        return "" if value is None else str(value)
    code = language or current()
    if code in translations:
        return translations[code]
    base = code.split("-")[0]
    same = next((t for lang, t in translations.items() if lang.split("-")[0] == base), None)
    return same if same is not None else str(value)


def say(value: object, language: str | None = None) -> str:
    """A text that is configured or else deskapp's own, in `language` (default: the current one): a text
    given per language in that language; a plain string from deskapp's catalogue when it is one of
    deskapp's own words (a default the configuration left alone), else as written."""
    if getattr(value, "translations", None):
        return text(value, language)
    if not value:
        return ""
    return catalogue(normalize(language) if language else None).gettext(str(value))


def locale_name(code: str | None = None) -> str:
    """The CLDR locale of a language tag, as Babel names it ("pt-PT" -> "pt_PT")."""
    return (code or current()).replace("-", "_")


def number(value: float | int, *, digits: int | None = 0, language: str | None = None) -> str:
    """A number as the language writes it ("1 234,56" in pt-PT, "1,234.56" in English), with exactly
    `digits` decimals (None: as many as it has, up to three): one definition for the screens (deskapp.tui.format) and the command line, whose
    words a person reads (--json and CSV keep the machine's point). CLDR through Babel, imported here
    the first time a number is written."""
    from babel.numbers import format_decimal

    pattern = "#,##0.###" if digits is None else f"#,##0.{'0' * digits}" if digits else "#,##0"  # i18n: not words
    return format_decimal(value, format=pattern, locale=locale_name(language))


def native_name(code: str) -> str:
    """A language as its speakers write it ("pt-PT" -> "Português", "en" -> "English"), for a choice of
    languages (CLDR through Babel, imported here, when a kiosk first shows its languages)."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(locale_name(code)).get_language_name() or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]
