"""Run a terminal program in a pseudo-terminal and read its screen through pyte.

    with Terminal([sys.executable, "-m", "deskapp"], cols=120, rows=36) as term:
        term.wait_for("PIN")
        term.press("1234", "enter")
        term.wait_for(re.compile(r"Queue \\(\\d+\\)"))

The child runs in its own session with the pty as its controlling terminal, so it
sees what it would see in a real terminal: isatty() on stdin/stdout/stderr,
/dev/tty, the window size (TIOCSWINSZ plus COLUMNS/LINES), and SIGHUP if we go
away. A reader thread drains the pty into a pyte screen; every method here is
safe to call while it runs.

What Textual's Linux driver (textual 8.2) asks of the terminal at startup:

* ``CSI ? 2026 $ p`` and ``CSI ? 2048 $ p`` (DECRQM: synchronized output and
  in-band resize). Textual does not wait for the answers; without one it simply
  paints unsynchronized frames and relies on SIGWINCH. pyte swallows DECRQM, so
  we send no answer, like any terminal that lacks the modes.
* ``CSI > 29 u`` (push kitty keyboard flags). Fire and forget; without kitty
  support the app receives legacy key sequences, which is what ``press`` sends.
  The matching pop at exit, ``CSI < u``, is removed before pyte sees it, because
  pyte would otherwise print a stray "u" on the final screen.
* Mouse, focus, bracketed paste and alternate-screen modes: no replies involved.

Only the inline driver waits for a reply (``CSI 6 n``, cursor position). pyte
answers that, and primary device attributes (``CSI c``), through
``write_process_input``; we forward those answers to the program.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable

import pyte

__all__ = ["Terminal"]

# Inherited settings that change how Textual (or any TUI) talks to the terminal;
# a test must not depend on the terminal its runner happens to use.
_SCRUBBED_ENV = frozenset(
    {
        "COLORTERM",
        "ESCDELAY",
        "FORCE_COLOR",
        "LC_TERMINAL",
        "LC_TERMINAL_VERSION",
        "NO_COLOR",
        "STY",
        "TERM_PROGRAM",
        "TERM_PROGRAM_VERSION",
        "TMUX",
        "VTE_VERSION",
    }
)

_KEYS: dict[str, str] = {
    "enter": "\r",
    "tab": "\t",
    "shift+tab": "\x1b[Z",
    "escape": "\x1b",
    "space": " ",
    "backspace": "\x7f",
    "delete": "\x1b[3~",
    "insert": "\x1b[2~",
    "up": "\x1b[A",
    "down": "\x1b[B",
    "right": "\x1b[C",
    "left": "\x1b[D",
    "home": "\x1b[H",
    "end": "\x1b[F",
    "pageup": "\x1b[5~",
    "pagedown": "\x1b[6~",
    "f1": "\x1bOP",
    "f2": "\x1bOQ",
    "f3": "\x1bOR",
    "f4": "\x1bOS",
    "f5": "\x1b[15~",
    "f6": "\x1b[17~",
    "f7": "\x1b[18~",
    "f8": "\x1b[19~",
    "f9": "\x1b[20~",
    "f10": "\x1b[21~",
    "f11": "\x1b[23~",
    "f12": "\x1b[24~",
}
_CTRL_KEY = re.compile(r"ctrl\+([a-z])")
_ALT_KEY = re.compile(r"alt\+(.)")

# Kitty keyboard "pop"/"set" (CSI < ... u, CSI = ... u): pyte would treat "<" or
# "=" as the final byte and print the rest as text.
_KITTY_UNPARSED = re.compile(rb"\x1b\[[<=][0-9;:]*u")
_KITTY_UNPARSED_PREFIX = re.compile(rb"\x1b(\[([<=][0-9;:]*)?)?\Z")


class _KittyFilter:
    """Drops kitty keyboard sequences pyte misparses, across chunk boundaries."""

    def __init__(self) -> None:
        self._held = b""

    def feed(self, data: bytes) -> bytes:
        data = self._held + data
        self._held = b""
        tail = data.rfind(b"\x1b")
        if tail != -1 and _KITTY_UNPARSED_PREFIX.match(data, tail):
            data, self._held = data[:tail], data[tail:]
        return _KITTY_UNPARSED.sub(b"", data)

    def flush(self) -> bytes:
        held, self._held = self._held, b""
        return held


class _ReplyingScreen(pyte.Screen):
    """A pyte screen whose answers to terminal queries reach the program."""

    def __init__(self, columns: int, lines: int, reply: Callable[[str], None]) -> None:
        super().__init__(columns, lines)
        self._reply = reply

    def write_process_input(self, data: str) -> None:
        self._reply(data)


def _make_controlling_tty() -> None:
    # Runs in the child after setsid(), with stdin already the pty slave. Kept to
    # one ioctl on modules imported up front: other threads (readers of other
    # terminals) may hold locks that the forked child inherits.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """A program running in a pseudo-terminal, with its screen emulated by pyte."""

    KEY_DELAY = 0.02
    """Seconds between keys, so each arrives in its own read like real typing."""

    ESCAPE_PAUSE = 0.3
    """Quiet time after a lone escape. Textual reads escape followed by a key
    within its ESCDELAY (100 ms, checked on a 100 ms input loop) as alt+key."""

    TERMINATE_GRACE = 3.0
    """Seconds between SIGTERM and SIGKILL when the context exits."""

    def __init__(
        self,
        argv: list[str],
        *,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
        cols: int = 120,
        rows: int = 36,
    ) -> None:
        self.argv = list(argv)
        self.cols = cols
        self.rows = rows
        self.cwd = cwd
        self.env = self._child_env(env)
        self.pid: int = 0
        self.started_at: float = 0.0
        """time.perf_counter() just before the process was spawned."""

        self._proc: subprocess.Popen[bytes] | None = None
        self._fd = -1
        self._screen = _ReplyingScreen(cols, rows, self._reply)
        self._stream = pyte.ByteStream(self._screen)
        self._filter = _KittyFilter()
        self._changed = threading.Condition()  # guards screen, stream, _version, _eof
        self._version = 0
        self._eof = False
        self._write_lock = threading.Lock()
        self._quiet_until = 0.0
        self._stop = threading.Event()
        self._reader: threading.Thread | None = None

    def _child_env(self, extra: dict[str, str] | None) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("TEXTUAL") and key not in _SCRUBBED_ENV
        }
        if not any(env.get(key) for key in ("LC_ALL", "LC_CTYPE", "LANG")):
            env["LANG"] = "C.UTF-8"
        env.update(TERM="xterm-256color", COLUMNS=str(self.cols), LINES=str(self.rows))
        env.update(extra or {})
        return env

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self) -> Terminal:
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is not None and not getattr(exc, "_terminal_screen_shown", False):
            # An assertion about the database or a crash in the test itself is far
            # easier to read next to what the user would have been looking at.
            exc.add_note(self._describe())
        self.close()

    def start(self) -> None:
        master, slave = os.openpty()
        try:
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.cols, 0, 0))
            self.started_at = time.perf_counter()
            self._proc = subprocess.Popen(
                self.argv,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                cwd=self.cwd,
                env=self.env,
                start_new_session=True,
                preexec_fn=_make_controlling_tty,
            )
        except BaseException:
            os.close(master)
            raise
        finally:
            # Our copy of the slave must go, or we would never see EOF.
            os.close(slave)
        self.pid = self._proc.pid
        os.set_blocking(master, False)
        self._fd = master
        self._reader = threading.Thread(target=self._read_loop, name=f"pty-reader-{self.pid}", daemon=True)
        self._reader.start()

    def close(self) -> None:
        """Terminate the process group, stop the reader and close the pty."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self.kill(signal.SIGTERM)
            try:
                self._proc.wait(self.TERMINATE_GRACE)
            except subprocess.TimeoutExpired:
                self.kill(signal.SIGKILL)
                self._proc.wait()
        self._stop.set()
        if self._reader is not None:
            self._reader.join(timeout=5)
        if self._fd != -1 and (self._reader is None or not self._reader.is_alive()):
            os.close(self._fd)
            self._fd = -1

    def hang_up(self) -> None:
        """Close the terminal as a dropped SSH connection or a killed tmux does: the pty's master
        side goes, so the program (its session leader) gets SIGHUP and reads end of input."""
        self._stop.set()
        if self._reader is not None:
            self._reader.join(timeout=5)
        if self._fd != -1:
            os.close(self._fd)
            self._fd = -1

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send sig to the program's process group (its session, since setsid)."""
        assert self._proc is not None, "not started"
        # Until we reap the leader its pid, and so the group id, cannot be reused.
        if self._proc.returncode is None:
            try:
                os.killpg(self.pid, sig)
            except ProcessLookupError:
                pass

    def exit_code(self, timeout: float = 10) -> int | None:
        """The exit status, waiting up to timeout; -N if killed by signal N; None if still running."""
        assert self._proc is not None, "not started"
        try:
            return self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    # -- screen ------------------------------------------------------------

    def _read_loop(self) -> None:
        fd = self._fd
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([fd], [], [], 0.05)
                if not ready:
                    continue
                try:
                    data = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                except OSError:  # EIO: every slave fd is closed
                    break
                if not data:
                    break
                self._feed(self._filter.feed(data))
        finally:
            self._feed(self._filter.flush(), eof=True)

    def _feed(self, data: bytes, eof: bool = False) -> None:
        with self._changed:
            if data:
                self._stream.feed(data)
                self._version += 1
            self._eof = self._eof or eof
            self._changed.notify_all()

    def screen_text(self) -> str:
        """The current display, one line per row (padded to the width), joined with newlines."""
        with self._changed:
            return "\n".join(self._screen.display)

    def _describe(self) -> str:
        with self._changed:
            lines = [line.rstrip() for line in self._screen.display]
            cursor = (self._screen.cursor.y, self._screen.cursor.x)
        state = "running"
        if self._proc is not None and self._proc.poll() is not None:
            state = f"exited with code {self._proc.returncode}"
        shown = len(lines)
        while shown > 1 and not lines[shown - 1]:
            shown -= 1
        body = "\n".join(f"{row:2d} |{line}" for row, line in enumerate(lines[:shown]))
        if shown < len(lines):
            body += f"\n   (rows {shown}-{len(lines) - 1} blank)"
        rule = f"   +{'-' * self.cols}"
        return (
            f"{self.argv!r} ({state}), {self.cols}x{self.rows}, cursor at row {cursor[0]} col {cursor[1]}\n"
            f"{rule}\n{body}\n{rule}"
        )

    def _wait(self, text: str | re.Pattern[str], timeout: float, present: bool) -> str:
        def found(screen: str) -> bool:
            if isinstance(text, re.Pattern):
                return text.search(screen) is not None
            return text in screen

        what = text.pattern if isinstance(text, re.Pattern) else text
        deadline = time.monotonic() + timeout
        seen = -1
        with self._changed:
            while True:
                if self._version != seen:
                    seen = self._version
                    screen = "\n".join(self._screen.display)
                    if found(screen) == present:
                        return screen
                if self._eof:
                    problem = "output ended (the program exited)"
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    problem = f"timed out after {timeout:g}s"
                    break
                self._changed.wait(min(remaining, 0.5))
        goal = "appear" if present else "disappear"
        error = AssertionError(f"waiting for {what!r} to {goal}: {problem}\n{self._describe()}")
        error._terminal_screen_shown = True
        raise error

    def wait_for(self, text: str | re.Pattern[str], timeout: float = 20.0) -> str:
        """Wait until the screen contains text (or matches the pattern); return the screen.

        Raises AssertionError with the whole screen on timeout, or at once if the
        program's output has ended without the text showing.
        """
        return self._wait(text, timeout, present=True)

    def wait_until_gone(self, text: str | re.Pattern[str], timeout: float = 20.0) -> str:
        """Wait until the screen no longer contains text; return the screen."""
        return self._wait(text, timeout, present=False)

    # -- keyboard ----------------------------------------------------------

    def _reply(self, data: str) -> None:
        # Called by pyte from the reader thread. If the program has stopped
        # reading we drop the answer rather than block the reader.
        try:
            self._write(data.encode(), timeout=1.0)
        except (OSError, TimeoutError):
            pass

    def _write(self, data: bytes, timeout: float = 10.0) -> None:
        with self._write_lock:
            pause = self._quiet_until - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            deadline = time.monotonic() + timeout
            view = memoryview(data)
            while view:
                try:
                    view = view[os.write(self._fd, view) :]
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"the program stopped reading its input ({self.argv!r})") from None
                    select.select([], [self._fd], [], 0.05)
            if data.endswith(b"\x1b"):
                self._quiet_until = time.monotonic() + self.ESCAPE_PAUSE

    def send(self, data: str | bytes) -> None:
        """Write raw bytes (or UTF-8 text) to the program's input, as one write."""
        assert self._fd != -1, "not running"
        self._write(data.encode() if isinstance(data, str) else data)

    def press(self, *keys: str) -> None:
        """Press named keys, or type literal text a character at a time.

        Names: enter, tab, shift+tab, escape, space, backspace, delete, insert,
        up, down, left, right, home, end, pageup, pagedown, f1..f12,
        ctrl+<letter>, alt+<character>. Anything else is typed literally (use
        send() to type text that happens to be a key name).
        """
        for key in keys:
            for chunk in self._key_bytes(key):
                self.send(chunk)
                time.sleep(self.KEY_DELAY)

    @staticmethod
    def _key_bytes(key: str) -> list[str]:
        if key in _KEYS:
            return [_KEYS[key]]
        if match := _CTRL_KEY.fullmatch(key):
            return [chr(ord(match[1]) - ord("a") + 1)]
        if match := _ALT_KEY.fullmatch(key):
            return ["\x1b" + match[1]]
        return list(key)
