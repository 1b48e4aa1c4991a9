"""The pty harness itself: a tiny Textual app driven through a real terminal."""

from __future__ import annotations

import re
import signal
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.e2e.terminal import Terminal, _KittyFilter

ECHO_APP = textwrap.dedent(
    """
    from textual.app import App
    from textual.widgets import Input, Label


    class Echo(App):
        BINDINGS = [
            ("ctrl+q", "quit", "Quit"),
            ("f2", "greet", "Greet"),
            ("escape", "escaped", "Escape"),
        ]

        def compose(self):
            yield Label("Hello", id="greeting")
            yield Input(id="entry")
            yield Label("", id="echo")
            yield Label("", id="size")

        def on_resize(self, event):
            self.query_one("#size", Label).update(f"size={event.size.width}x{event.size.height}")

        def on_input_submitted(self, event):
            self.query_one("#echo", Label).update(f"You said: {event.value}")
            event.input.clear()

        def action_greet(self):
            self.query_one("#greeting", Label).update("Greetings, teller")

        def action_escaped(self):
            self.query_one("#greeting", Label).update("Escape reached the app")


    if __name__ == "__main__":
        Echo().run()
    """
)


@pytest.fixture
def echo_app(tmp_path: Path) -> list[str]:
    script = tmp_path / "echo_app.py"
    script.write_text(ECHO_APP)
    return [sys.executable, str(script)]


def test_typed_keys_reach_the_app_and_the_binding_quits_it(echo_app: list[str]) -> None:
    with Terminal(echo_app, cols=100, rows=30) as term:
        term.wait_for("Hello")
        term.wait_for("size=100x30")

        term.press("Teller 7", "enter")
        term.wait_for("You said: Teller 7")

        term.press("f2")
        term.wait_for("Greetings, teller")
        term.wait_until_gone("Hello")

        # Escape must arrive as escape, not fold into the next key as alt+x.
        term.press("escape", "x", "enter")
        term.wait_for("Escape reached the app")
        term.wait_for("You said: x")

        term.press("ctrl+q")
        assert term.exit_code() == 0


def test_kill_ends_the_app_and_exit_code_reports_the_signal(echo_app: list[str]) -> None:
    with Terminal(echo_app) as term:
        term.wait_for("Hello")
        assert term.exit_code(timeout=0.1) is None

        term.kill(signal.SIGKILL)

        assert term.exit_code() == -signal.SIGKILL


def test_leaving_the_context_terminates_a_running_app(echo_app: list[str]) -> None:
    with Terminal(echo_app) as term:
        term.wait_for("Hello")
    assert term.exit_code(timeout=0) == -signal.SIGTERM


def test_a_timeout_shows_the_whole_screen(echo_app: list[str]) -> None:
    with Terminal(echo_app) as term:
        term.wait_for("size=120x36")
        with pytest.raises(AssertionError) as failure:
            term.wait_for(re.compile(r"Goodbye \d+"), timeout=0.3)
    message = str(failure.value)
    assert "timed out after 0.3s" in message
    assert "Hello" in message
    assert "size=120x36" in message


def test_waiting_stops_as_soon_as_the_program_exits() -> None:
    program = [sys.executable, "-c", "print('about to leave'); raise SystemExit(3)"]
    with Terminal(program) as term:
        started = time.monotonic()
        with pytest.raises(AssertionError, match="output ended") as failure:
            term.wait_for("never shown", timeout=20)
        assert time.monotonic() - started < 10
        assert "about to leave" in str(failure.value)
        assert term.exit_code() == 3


def test_the_program_gets_a_controlling_terminal() -> None:
    program = [sys.executable, "-c", "open('/dev/tty', 'w').write('tty ok')"]
    with Terminal(program) as term:
        term.wait_for("tty ok")
        assert term.exit_code() == 0


CURSOR_QUERY = textwrap.dedent(
    """
    import os, sys, termios, tty
    saved = termios.tcgetattr(0)
    tty.setraw(0)
    os.write(1, b"\\x1b[3;7H\\x1b[6n")
    reply = b""
    while not reply.endswith(b"R"):
        reply += os.read(0, 1)
    termios.tcsetattr(0, termios.TCSANOW, saved)
    print("\\r\\nreply=" + reply.decode().replace("\\x1b", "ESC"))
    """
)


def test_cursor_position_queries_are_answered() -> None:
    with Terminal([sys.executable, "-c", CURSOR_QUERY]) as term:
        term.wait_for("reply=ESC[3;7R")
        assert term.exit_code() == 0


def test_a_missing_program_fails_to_start() -> None:
    with pytest.raises(FileNotFoundError):
        with Terminal(["/nonexistent/deskapp"]):
            pass


def test_kitty_pop_is_removed_even_when_split_across_reads() -> None:
    kitty = _KittyFilter()
    out = kitty.feed(b"A\x1b[") + kitty.feed(b"<u") + kitty.feed(b"B\x1b[=1;1uC\x1b") + kitty.feed(b"[1mD")
    assert out + kitty.flush() == b"AB" + b"C\x1b[1mD"


def test_an_error_inside_the_block_carries_the_screen(echo_app: list[str]) -> None:
    with pytest.raises(LookupError) as failure:
        with Terminal(echo_app) as term:
            term.wait_for("size=120x36")
            raise LookupError("no such ticket")
    assert any("size=120x36" in note for note in failure.value.__notes__)
