"""The entry point opens a plain desk start without click, and hands everything else to the CLI."""
from __future__ import annotations

import subprocess
import sys

import pytest

from deskapp.launch import desk_options
from tests.conftest import ROOT


@pytest.mark.parametrize("argv, expected", [
    ([], {}),
    (["--db", "sqlite:///x.db"], {"db_url": "sqlite:///x.db"}),
    (["--db=sqlite:///x.db", "--counter", "3", "--config", "c.yaml"],
     {"db_url": "sqlite:///x.db", "counter": "3", "config_path": "c.yaml"}),
    (["--log-level", "debug"], {"log_level": "debug"}),
])
def test_a_plain_desk_start_is_recognised(argv, expected):
    assert desk_options(argv) == expected


@pytest.mark.parametrize("argv", [
    ["init"], ["--db", "sqlite:///x.db", "demo"], ["--help"], ["--db"], ["--db", "--counter", "3"],
    ["--db="], ["--counter", "1", "--counter", "2"], ["--bogus"], ["kiosk"], ["--log-level", "loud"], ["--version"],
])
def test_anything_else_goes_to_the_click_cli(argv):
    assert desk_options(argv) is None


def test_the_cli_still_explains_a_missing_value():
    done = subprocess.run([sys.executable, "-m", "deskapp", "--db"], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert done.returncode == 2
    assert "Option '--db' requires an argument" in done.stderr
