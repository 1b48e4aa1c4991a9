"""The command line in the chosen language: our help texts and metavars, and click's own words.

Help texts and metavars are written at import, before --lang or the locale is known, so they are
marked with N_() and said with _() when shown: the Command, Group, Option and Argument classes below
translate them as click formats a help page, a usage line or an error. Every command of deskapp.cli
is built from them (`option`, `argument` and `group` here; a Group's commands and subgroups are its
own classes).

click's own words ("Usage:", "Options", "Show this message and exit.", "No such option ...") are
looked up through stdlib gettext's global functions, which follow the environment's locale and
click's absent catalogue, not --lang. speak() hands click deskapp's `_` and `ngettext` instead, so
they come from deskapp's catalogue in the language in effect; the messages a deskapp user can meet
are listed below (CLICK_WORDS) so that `make messages` extracts them and pt-PT translates them.
They must stay exactly as click writes them (placeholders included). In English nothing changes:
English has no catalogue, and each message is itself.
"""
from __future__ import annotations

import functools
import gettext as _stdlib_gettext
import importlib
import inspect
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from deskapp import i18n
from deskapp.i18n import N_, _, ngettext

# click 8's messages (verbatim), for extraction: the help page, usage errors, prompts and value checks.
CLICK_WORDS = (
    N_("Usage:"), N_("Options"), N_("Commands"), N_("Positional arguments"),
    N_("Show this message and exit."), N_("Show the version and exit."),
    N_("Error: {message}"), N_("Try '{command} {option}' for help."),
    N_("Invalid value: {message}"), N_("Invalid value for {param_hint}: {message}"),
    N_("Missing argument"), N_("Missing option"), N_("Missing parameter"), N_("Missing {param_type}"),
    N_("Missing parameter: {param_name}"), N_("Missing command."),
    N_("No such option {name!r}."), N_("No such command {name!r}."),
    N_("Option {name!r} does not take a value."), N_("Argument {name!r} takes {nargs} values."),
    N_("Aborted!"), N_("Repeat for confirmation"), N_("Error: The two entered values do not match."),
    N_("Error: invalid input"), N_("Press any key to continue..."),
    N_("{value!r} is not a valid {number_type}."), N_("{value} is not in the range {range}."),
    N_("Choose from:\n\t{choices}"), N_("default: {default}"), N_("env var: {var}"), N_("required"),
    N_("(dynamic)"), N_("deprecated"), N_("unknown error"),
    N_("{name} {filename!r} does not exist."), N_("{name} {filename!r} is a file."),
    N_("{name} {filename!r} is a directory."), N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."), N_("Could not open file {filename!r}: {message}"),
    # What click writes without asking gettext; said through the classes below.
    N_("[OPTIONS]"), N_("COMMAND [ARGS]..."), N_("[COMMAND] [ARGS]..."), N_("TEXT"), N_("INTEGER"), N_("FLOAT"), N_("INTEGER RANGE"),
    N_("FLOAT RANGE"), N_("FILE"), N_("PATH"), N_("BOOLEAN"),
)


def _plural_words() -> None:  # never called: click's plural messages, for extraction
    ngettext("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", 1)
    ngettext("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", 1)
    ngettext("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments.", 1)
    ngettext("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", 1)


# The click modules that say words, each with `from gettext import gettext as _` (and ngettext).
_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types", "utils")


def speak() -> None:
    """Let click say its words through deskapp's catalogue (the language in effect); idempotent."""
    for name in _CLICK_MODULES:
        module = sys.modules.get(f"click.{name}") or importlib.import_module(f"click.{name}")
        if getattr(module, "_", None) is _stdlib_gettext.gettext:
            module._ = i18n.gettext  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is _stdlib_gettext.ngettext:
            module.ngettext = i18n.ngettext  # type: ignore[attr-defined]


def language_in(args: list[str]) -> str | None:
    """The language --lang asks for in `args`, when it names one deskapp speaks (else None: the option's
    own check explains)."""
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            return i18n.normalize(args[i + 1])
        if arg.startswith("--lang="):
            return i18n.normalize(arg.partition("=")[2])
    return None


def take_language(value: str | None) -> str | None:
    """--lang as a language deskapp speaks ("pt" is pt-PT), made the process's; without it, the locale's."""
    if value is None:
        i18n.set_default(i18n.from_environment())
        return None
    tag = i18n.normalize(value)
    if tag is None:
        raise click.BadParameter(_("deskapp does not speak '{code}'; it speaks {languages}").format(
            code=value, languages=", ".join(i18n.available())))
    i18n.set_default(tag)
    return tag


@contextmanager
def _said(thing: object, *names: str) -> Iterator[None]:
    """Within the block, `thing`'s attributes `names` (messages marked N_) are in the language in effect."""
    kept = {name: getattr(thing, name, None) for name in names}
    for name, value in kept.items():
        if isinstance(value, str) and value:
            setattr(thing, name, _(inspect.cleandoc(value)))
    try:
        yield
    finally:
        for name, value in kept.items():
            setattr(thing, name, value)


class Option(click.Option):
    """An option whose help and metavar are translated when shown."""

    def get_help_record(self, ctx: click.Context):
        with _said(self, "help"):
            return super().get_help_record(ctx)

    def make_metavar(self, ctx: click.Context) -> str:
        if self.metavar is None:  # the type's ("TEXT", "INTEGER RANGE"), in the language in effect when listed
            return _(super().make_metavar(ctx))
        with _said(self, "metavar"):
            return super().make_metavar(ctx)


class Argument(click.Argument):
    """An argument whose metavar is translated when shown."""

    def make_metavar(self, ctx: click.Context) -> str:
        with _said(self, "metavar"):
            return super().make_metavar(ctx)


class _Spoken:
    """A command's help, short help, epilog and usage placeholders translated when shown."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _said(self, "help"):
            super().format_help_text(ctx, formatter)  # type: ignore[misc]

    def get_short_help_str(self, limit: int = 45) -> str:
        with _said(self, "help", "short_help"):
            return super().get_short_help_str(limit)  # type: ignore[misc]

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _said(self, "epilog"):
            super().format_epilog(ctx, formatter)  # type: ignore[misc]

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        with _said(self, "options_metavar", "subcommand_metavar"):
            return super().collect_usage_pieces(ctx)  # type: ignore[misc]


class Command(_Spoken, click.Command):
    pass


class Group(_Spoken, click.Group):
    """A group whose commands and subgroups are spoken too; as the top group it first takes the language
    (--lang, else the locale's) so that even a mistake in the options is explained in it."""

    command_class = Command
    group_class = type  # subgroups are Groups

    def main(self, args=None, *rest, **kwargs):  # type: ignore[override]
        args = sys.argv[1:] if args is None else list(args)
        i18n.set_default(language_in(args) or i18n.from_environment())
        return super().main(args, *rest, **kwargs)


option = functools.partial(click.option, cls=Option)
argument = functools.partial(click.argument, cls=Argument)
group = functools.partial(click.group, cls=Group)
