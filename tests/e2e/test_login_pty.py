"""The installed app in a real terminal: demo data, the login screen, a demo PIN, the home screen."""
from __future__ import annotations

import json
import re
import subprocess
import time

from tests.e2e.english import deskapp_en as deskapp
from tests.e2e.terminal import Terminal


def test_demo_then_login_with_a_demo_pin(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    built = subprocess.run(deskapp("--db", url, "demo", "--customers", "30", "--days", "0"),
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    pins = dict(re.findall(r"^\s+(\w+)\s+\w+\s+(\d+)$", built.stdout, re.M))
    assert {"ana", "rita", "sofia"} <= set(pins)
    # During opening hours the demo's today stops at this moment, with Ana perhaps serving at
    # another counter and someone else perhaps serving at counter 3. A teller holding a ticket is
    # refused at a new counter, and a counter holding one is refused to a new teller: both finish.
    status = json.loads(subprocess.run(deskapp("--db", url, "queue", "status", "--json"), capture_output=True,
                                       text=True, timeout=120, check=True).stdout)
    for counter in status["counters"]:
        if counter["ticket"] and (counter["staff"] == "ana" or counter["counter"] == "3"):
            # start fails harmlessly on a ticket already being served
            for action in (["start"], ["complete", "--abandon-workflow", "demo ticket finished by the test"]):
                subprocess.run(deskapp("--db", url, "queue", *action, "--counter", counter["counter"]),
                               capture_output=True, text=True, timeout=120)

    with Terminal(deskapp("--db", url, "--counter", "3"), cwd=str(tmp_path)) as term:
        term.wait_for("Staff login")
        term.wait_for("PIN")
        term.press("a", "n", "a", "enter")
        time.sleep(0.5)  # a person's pause: keys reach the focused field as messages, in order
        term.press(*pins["ana"], "enter")
        term.wait_for("Counter 3 · open · Ana Costa")
        term.wait_for("n Call next")
        term.press("ctrl+q")
        assert term.exit_code(timeout=10) == 0
