"""`kb serve` as a real process on 127.0.0.1, for the tests that talk to it over HTTP."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STARTUP_SECONDS = 60  # Sudachi and Datasette load before the first page answers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raw_get(port: int, path: str) -> tuple[int, bytes]:
    """A GET with the path sent exactly as written (no client normalises ../)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@contextmanager
def kb_serve(db: Path, *args: str) -> Iterator[int]:
    """Run `kb --db DB serve ARGS` on a free port until the block ends; yields the port."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "--db", str(db), "serve", "--port", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                if raw_get(port, "/-/versions.json")[0] in (200, 403):  # 403: it asks for a login
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)
