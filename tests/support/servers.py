"""Start real server processes on loopback for tests, and stop them afterwards."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early with code {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not come up")


@contextmanager
def running(
    args: list[str], health_url: str, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(
        args,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(health_url, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def upstream_server() -> Iterator[str]:
    """The fake OpenAI-compatible upstream in its own process; yields its base URL (…/v1)."""
    port = free_port()
    with running(
        [sys.executable, "-m", "tests.support.upstream", str(port)],
        f"http://127.0.0.1:{port}/v1/models",
    ):
        yield f"http://127.0.0.1:{port}/v1"


@contextmanager
def tillit_server(
    data_dir: Path, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """`tillit serve` in its own process; yields (base URL, process)."""
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "tillit",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]
    with running(args, f"http://127.0.0.1:{port}/healthz", env) as process:
        yield f"http://127.0.0.1:{port}", process
