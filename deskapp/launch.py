"""The `deskapp` entry point: open the desk at once, or hand everything else to the click CLI.

Most starts are a desk: `deskapp` with at most --config, --db, --counter, --log-level and --lang. For those the login
screen is painted without importing click and the command modules (a measurable share of start-up,
see README "Benchmarks"). Anything else, including --help, a typo or a command, goes to
deskapp.cli, which parses, explains and reports exactly as before.
"""
from __future__ import annotations

import os
import sys

from deskapp import i18n, logs
from deskapp.logs import LEVELS

_OPTIONS = {"--config": "config_path", "--db": "db_url", "--counter": "counter", "--log-level": "log_level",
            "--lang": "lang"}


def desk_options(argv: list[str]) -> dict[str, str] | None:
    """The options of a plain desk start, or None when argv is for the click CLI."""
    found: dict[str, str] = {}
    args = iter(argv)
    for arg in args:
        name, eq, value = arg.partition("=")
        if name not in _OPTIONS or _OPTIONS[name] in found:
            return None
        if not eq:
            value = next(args, "")
            if not value or value.startswith("-"):
                return None  # a missing value: click says so properly
        if not value:
            return None
        if name == "--log-level" and value.upper() not in LEVELS:
            return None  # click lists the levels
        if name == "--lang" and i18n.normalize(value) is None:
            return None  # click says which languages there are
        found[_OPTIONS[name]] = value
    return found


def main() -> None:
    options = desk_options(sys.argv[1:])
    if options is None:
        from deskapp.cli import main as cli

        cli()
        return
    logs.start(options.get("log_level"))  # as the click CLI does for every other start
    lang = i18n.normalize(options.get("lang"))
    i18n.set_default(lang or i18n.from_environment())
    try:
        from deskapp.tui.app import run_app

        # The same environment variables as the click options read.
        code = run_app(None, options.get("db_url") or os.environ.get("DESKAPP_DATABASE_URL") or None,  # i18n: not words
                       config_path=options.get("config_path") or os.environ.get("DESKAPP_CONFIG") or None,  # i18n: not words
                       mode="desk", counter=options.get("counter"), lang=lang)
    except Exception as exc:  # noqa: BLE001  reported exactly as the click CLI reports it
        from deskapp.cli.common import report_error

        report_error(exc)
        return
    if code:
        sys.exit(code)
