"""The waiting-room display in a browser at 1400x900 (`deskapp serve --screen display`, headless
Chromium): the called number is at least a quarter of the window high (issue 19, part 8; it was about
40 px). Needs Debian's `chromium` package; .ci/run installs it, so CI never skips this."""
from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CONFIG
from tests.e2e.test_serve import fetch, free_port

pytest.importorskip("textual_serve")
from tests.e2e import browser  # aiohttp comes with textual-serve

if browser.chromium() is None:
    pytest.skip("chromium is not installed (apt-get install chromium; .ci/run does)", allow_module_level=True)

WIDTH, HEIGHT = 1400, 900


def deskapp(db_url: str, *args: str, cwd: Path, input: str | None = None) -> str:
    result = subprocess.run([sys.executable, "-m", "deskapp", "--config", str(CONFIG), "--db", db_url, *args],
                            cwd=cwd, capture_output=True, text=True, timeout=60, input=input)
    assert result.returncode == 0, result.stderr
    return result.stdout


def green(r: int, g: int, b: int) -> bool:
    """The number's colour ($success, #4EBF71 in the default theme), not the dark panels around it."""
    return g >= 140 and g - r >= 50 and g - b >= 30


async def measure(url: str, out: Path) -> int:
    async with browser.Chromium(WIDTH, HEIGHT) as page:
        await page.open(url)
        deadline = time.monotonic() + 60
        height = 0
        while time.monotonic() < deadline:
            await asyncio.sleep(3)
            png = await page.screenshot()
            out.write_bytes(png)
            # The now-serving number: green, in the top half of the page, left of the counter.
            height = browser.tallest_band(png, green, left=0.0, right=0.8, top=0.0, bottom=0.6)
            if height >= HEIGHT / 4:
                break
        return height


def test_the_called_number_is_a_quarter_of_a_1400x900_window(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'branch.db'}"
    deskapp(db_url, "init", cwd=tmp_path)
    deskapp(db_url, "staff", "set-pin", "ana", "--pin-stdin", cwd=tmp_path, input="2580\n")
    deskapp(db_url, "queue", "issue", "--service", "CASH", cwd=tmp_path)
    assert "A001" in deskapp(db_url, "queue", "call-next", "--counter", "1", "--staff", "ana", "--pin-stdin",
                             cwd=tmp_path, input="2580\n")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "deskapp", "--config", str(CONFIG), "--db", db_url, "serve",
                               "--port", str(port), "--screen", "display"],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        fetch(f"http://127.0.0.1:{port}/", time.monotonic() + 30, server)
        shot = tmp_path / "display-1400x900.png"
        height = asyncio.run(measure(f"http://127.0.0.1:{port}/", shot))
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    print(f"number height {height} px in a {WIDTH}x{HEIGHT} window ({shot})")
    assert height >= HEIGHT / 4, f"the number is {height} px high; see {shot}"
