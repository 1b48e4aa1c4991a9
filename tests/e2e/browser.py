"""Headless Chromium driven over the DevTools protocol (aiohttp's websocket client), and a small PNG
reader: enough to screenshot `deskapp serve` at a window size and measure what a room would see."""
from __future__ import annotations

import asyncio
import json
import shutil
import struct
import subprocess
import tempfile
import time
import zlib
from pathlib import Path

import aiohttp

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium() -> str | None:
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


class Chromium:
    """One headless browser with one page; `screenshot()` returns PNG bytes of the page as shown."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self._profile = tempfile.TemporaryDirectory(prefix="deskapp-chromium-")
        self._proc: subprocess.Popen | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._id = 0

    async def __aenter__(self) -> Chromium:
        program = chromium()
        assert program is not None, "chromium is not installed"
        self._proc = subprocess.Popen(
            [program, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--mute-audio",
             "--hide-scrollbars", f"--window-size={self.width},{self.height}", "--remote-debugging-port=0",
             f"--user-data-dir={self._profile.name}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self._profile.name) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            assert self._proc.poll() is None, "chromium exited at start"
            assert time.monotonic() < deadline, "chromium did not open its DevTools port"
            await asyncio.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        self._session = aiohttp.ClientSession()
        async with self._session.get(f"http://127.0.0.1:{port}/json/list") as response:
            pages = [t for t in json.loads(await response.text()) if t["type"] == "page"]
        self._ws = await self._session.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0)
        await self.send("Emulation.setDeviceMetricsOverride", width=self.width, height=self.height,
                        deviceScaleFactor=1, mobile=False)
        return self

    async def __aexit__(self, *exc) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._session is not None:
            await self._session.close()
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._profile.cleanup()

    async def send(self, method: str, **params) -> dict:
        assert self._ws is not None
        self._id += 1
        await self._ws.send_json({"id": self._id, "method": method, "params": params})
        while True:
            message = await self._ws.receive_json(timeout=30)
            if message.get("id") == self._id:
                assert "error" not in message, message
                return message.get("result", {})

    async def open(self, url: str) -> None:
        await self.send("Page.navigate", url=url)

    async def screenshot(self) -> bytes:
        import base64

        return base64.b64decode((await self.send("Page.captureScreenshot", format="png"))["data"])


def png_pixels(data: bytes) -> tuple[int, int, int, list[bytearray]]:
    """(width, height, channels, rows of bytes) of an 8-bit, non-interlaced RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    assert header is not None
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if kind == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, previous))
        elif kind:
            for x in range(stride):
                left = line[x - channels] if x >= channels else 0
                up = previous[x]
                if kind == 1:
                    line[x] = (line[x] + left) & 255
                elif kind == 3:
                    line[x] = (line[x] + (left + up) // 2) & 255
                else:
                    corner = previous[x - channels] if x >= channels else 0
                    p = left + up - corner
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                    line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        previous = line
        rows.append(line)
    return width, height, channels, rows


def tallest_band(png: bytes, is_ink, *, left: float = 0.0, right: float = 1.0, top: float = 0.0,
                 bottom: float = 1.0, min_pixels: int = 3, max_gap: int = 3) -> int:
    """The height in pixels of the tallest run of rows holding ink (`is_ink(r, g, b)`) within the
    given fractions of the page, gaps of up to `max_gap` rows bridged (antialiasing between cells)."""
    width, height, channels, rows = png_pixels(png)
    x0, x1 = int(left * width) * channels, int(right * width) * channels
    best = run = gap = 0
    for y in range(int(top * height), int(bottom * height)):
        line = rows[y]
        reds, greens, blues = line[x0:x1:channels], line[x0 + 1:x1:channels], line[x0 + 2:x1:channels]
        inked = sum(1 for r, g, b in zip(reds, greens, blues) if is_ink(r, g, b)) >= min_pixels
        if inked:
            run += gap + 1
            gap = 0
            best = max(best, run)
        elif run:
            gap += 1
            if gap > max_gap:
                run = gap = 0
    return best
