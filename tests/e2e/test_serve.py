"""`deskapp serve` answers a browser with the page that runs the app."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import CONFIG

pytest.importorskip("textual_serve")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, deadline: float, server: subprocess.Popen) -> tuple[int, str]:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, response.read().decode()
        except (urllib.error.URLError, ConnectionError):
            if server.poll() is not None:
                pytest.fail(f"deskapp serve exited with {server.returncode}: {server.stderr.read()}")
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_answers_with_the_app_page(tmp_path: Path) -> None:
    port = free_port()
    argv = [sys.executable, "-m", "deskapp", "--config", str(CONFIG), "--db", f"sqlite:///{tmp_path / 'b.db'}",
            "serve", "--port", str(port), "--screen", "display"]
    server = subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        status, html = fetch(f"http://127.0.0.1:{port}/", time.monotonic() + 30, server)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert status == 200
    assert "deskapp display · Lisboa Avenida" in html
    assert f"ws://127.0.0.1:{port}/ws" in html


def test_serve_refuses_a_bad_screen(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "deskapp", "--config", str(CONFIG), "serve", "--screen", "tv"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "Traceback" not in result.stderr
