"""Gateway overhead: the latency Tillit's gateway adds over calling the same upstream directly.

Sets up a throwaway data directory, starts a local OpenAI-compatible upstream
(``bench/upstream_fast.py`` by default) and ``tillit serve`` as subprocesses, registers the
upstream as a model and creates an API key through the real CLI, then drives both endpoints
with the *same* load generator (a raw asyncio HTTP/1.1 client, one keep-alive connection per
client; ``--client httpx`` for httpx.AsyncClient):

* at each concurrency (default 1 and 64 clients, closed loop), non-stream and stream chat
  completions (stream: the time until the whole body, ``data: [DONE]`` and the terminal chunk,
  is read); with ``--rate`` also open loop: Poisson arrivals at a fixed rate;
* first directly against the upstream, then through the gateway, after a warm-up on the same
  connections;
* reporting p50/p99 latency for both, the added milliseconds (gateway minus direct, per
  percentile), requests/s for both, the gateway's CPU time per request (all its processes,
  from /proc), which is what the added latency turns into once the cores are saturated, and
  the CPU other programs on the machine used meanwhile (a warning when it skews the figures).

Run from the repository root::

    python -m bench.gateway                  # 1 and 64 clients (~1 minute on 2 cores)
    python -m bench.gateway --quick          # a smoke run
    python -m bench.gateway --rate 50,150    # plus open-loop scenarios (~3 minutes)
    python -m bench.gateway --json           # JSON instead of the Markdown table

Everything (load generator, upstream, gateway) shares the machine's cores; on a 2-core machine
the figures at 64 concurrent clients are dominated by CPU queueing, see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.support.servers import REPO, free_port, wait_for

PROMPT = "Hej! Kan du sammanfatta kommunens riktlinjer för AI-användning i tre meningar?"
GATEWAY_MODEL = "bench"
FOREIGN_WARN_CORES = 0.15

Send = Callable[[], Awaitable[None]]


# --------------------------------------------------------------------------- processes


@contextmanager
def _process(args: list[str], health_url: str, log: Path, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """A subprocess whose output goes to a file (a full pipe must never stall a server)."""
    with log.open("w") as out:
        process = subprocess.Popen(
            args, cwd=REPO, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            wait_for(health_url, process)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _cli(data_dir: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tillit", "--data-dir", str(data_dir), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"tillit {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


@dataclass
class Setup:
    upstream_url: str  # http://127.0.0.1:PORT (no /v1)
    gateway_url: str
    remote_model: str
    key: str
    gateway_pid: int
    data_dir: Path


@contextmanager
def running_setup(upstream: str, workers: int, keep: bool) -> Iterator[Setup]:
    data_dir = Path(tempfile.mkdtemp(prefix="tillit-bench-"))
    try:
        up_port, gw_port = free_port(), free_port()
        if upstream == "fast":
            up_args, remote_model = ["-m", "bench.upstream_fast", str(up_port)], "bench-1"
        else:
            up_args, remote_model = ["-m", "tests.support.upstream", str(up_port)], "echo-1"
        up_url = f"http://127.0.0.1:{up_port}"
        with _process([sys.executable, *up_args], f"{up_url}/v1/models", data_dir / "upstream.log"):
            _cli(
                data_dir,
                *("models", "add", GATEWAY_MODEL, "--provider", "openai-compatible"),
                *("--base-url", f"{up_url}/v1", "--model", remote_model, "--max-class", "K1"),
            )
            key = _cli(data_dir, "keys", "create", "--name", "bench").strip().splitlines()[-1]
            gw_url = f"http://127.0.0.1:{gw_port}"
            serve = [sys.executable, "-m", "tillit", "serve", "--port", str(gw_port)]
            serve += ["--data-dir", str(data_dir), "--workers", str(workers)]
            with _process(serve, f"{gw_url}/healthz", data_dir / "gateway.log") as gateway:
                yield Setup(up_url, gw_url, remote_model, key, gateway.pid, data_dir)
    finally:
        if keep:
            print(f"(data dir kept: {data_dir})", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def _tree_cpu_seconds(root: int) -> float | None:
    """utime+stime of a process and all its descendants (uvicorn --workers forks), via /proc."""
    try:
        ticks = os.sysconf("SC_CLK_TCK")
        stats: dict[int, tuple[int, float]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                raw = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = raw[raw.rindex(")") + 2 :].split()
            stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    except (OSError, ValueError, AttributeError):
        return None
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _) in stats.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(stats[pid][1] for pid in tree if pid in stats)


def _system_busy_seconds() -> float | None:
    """CPU seconds all processes on the machine have used (from /proc/stat), or None."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:9]
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields)
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


class CpuMeter:
    """The gateway's CPU time, and the CPU other programs on the machine used meanwhile
    (anything but this benchmark and its servers): a busy neighbour skews every figure."""

    def __init__(self, gateway_pid: int | None) -> None:
        self.gateway_pid = gateway_pid

    def _read(self) -> tuple[float | None, float | None, float | None]:
        gateway = _tree_cpu_seconds(self.gateway_pid) if self.gateway_pid else None
        return gateway, _tree_cpu_seconds(os.getpid()), _system_busy_seconds()

    def __enter__(self) -> CpuMeter:
        self.start, self.before = time.perf_counter(), self._read()
        return self

    def __exit__(self, *_exc: object) -> None:
        wall, after = time.perf_counter() - self.start, self._read()
        deltas = [
            a - b if a is not None and b is not None else None
            for a, b in zip(after, self.before, strict=True)
        ]
        self.gateway_s = deltas[0]
        own, system = deltas[1], deltas[2]
        self.foreign_cores = (
            min(float(os.cpu_count() or 1), max(0.0, (system - own) / wall))
            if own is not None and system is not None
            else None
        )


# --------------------------------------------------------------------------- raw HTTP client


def _response_end(buf: bytearray) -> tuple[int, int] | None:
    """(status, end offset) once a whole HTTP/1.1 response is in ``buf``; None before that."""
    head_end = buf.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    head = bytes(buf[:head_end]).lower()
    status = int(head[9:12])
    body = head_end + 4
    marker = head.find(b"\r\ncontent-length:")
    if marker >= 0:
        line_end = head.find(b"\r\n", marker + 2)
        length = int(head[marker + 17 : line_end if line_end >= 0 else None])
        return (status, body + length) if len(buf) >= body + length else None
    if b"\r\ntransfer-encoding: chunked" not in head:
        raise ValueError("response without content-length or chunked encoding")
    if not buf.endswith(b"0\r\n\r\n"):
        return None
    pos = body
    while True:
        size_end = buf.find(b"\r\n", pos)
        if size_end < 0:
            return None
        size = int(bytes(buf[pos:size_end]).split(b";")[0], 16)
        if size == 0:
            end = size_end + 4
            return (status, end) if len(buf) >= end else None
        pos = size_end + 2 + size + 2
        if pos > len(buf):
            return None


class RawConnection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: write a pre-rendered request, await the response."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if self.waiter is None or self.waiter.done():
            return
        try:
            found = _response_end(self.buf)
        except ValueError as exc:
            self.waiter.set_exception(exc)
            return
        if found is not None:
            status, end = found
            body = bytes(self.buf[:end])
            del self.buf[:end]
            self.waiter.set_result((status, body))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc or ConnectionError("connection closed"))

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)  # type: ignore[union-attr]
        return await self.waiter


def _raw_request(url: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    host = url.split("://", 1)[1]
    lines = [f"POST {path} HTTP/1.1", f"host: {host}", "content-type: application/json"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines.append(f"content-length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class RawClient:
    def __init__(self, url: str, concurrency: int) -> None:
        self.url = url
        self.concurrency = concurrency
        self.conns: list[RawConnection] = []

    async def __aenter__(self) -> RawClient:
        host, port = self.url.split("://", 1)[1].split(":")
        loop = asyncio.get_running_loop()
        for _ in range(self.concurrency):
            _, conn = await loop.create_connection(RawConnection, host, int(port))
            self.conns.append(conn)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        for conn in self.conns:
            conn.transport.close()  # type: ignore[union-attr]

    def sender(self, worker: int, path: str, body: bytes, headers: dict[str, str], stream: bool):  # type: ignore[no-untyped-def]
        conn, raw = self.conns[worker], _raw_request(self.url, path, body, headers)

        async def send() -> None:
            status, response = await conn.request(raw)
            _check(status, response, stream)

        return send


class HttpxClient:
    """The same interface on httpx.AsyncClient, for comparison (more client-side CPU)."""

    def __init__(self, url: str, concurrency: int) -> None:
        import httpx

        # Drop idle connections before uvicorn does (its keep-alive timeout is 5 s), or a
        # request can race the server's close and fail with ReadError.
        limits = httpx.Limits(
            max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=3
        )
        self.client = httpx.AsyncClient(base_url=url, limits=limits, timeout=120)

    async def __aenter__(self) -> HttpxClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.client.aclose()

    def sender(self, _worker: int, path: str, body: bytes, headers: dict[str, str], stream: bool):  # type: ignore[no-untyped-def]
        headers = {**headers, "content-type": "application/json"}

        async def send() -> None:
            async with self.client.stream("POST", path, content=body, headers=headers) as r:
                content = b"".join([chunk async for chunk in r.aiter_raw()])
            _check(r.status_code, content, stream)

        return send


def _check(status: int, response: bytes, stream: bool) -> None:
    if status != 200:
        raise RuntimeError(f"HTTP {status}: {response[-500:]!r}")
    if stream and b"data: [DONE]" not in response:
        raise RuntimeError(f"stream without [DONE]: {response[-500:]!r}")


# --------------------------------------------------------------------------- measuring


@dataclass
class Sample:
    latencies_ms: list[float]
    wall_s: float
    cpu_s: float | None = None
    foreign_cores: float | None = None

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.wall_s

    def pct(self, p: float) -> float:
        """Nearest-rank percentile."""
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


async def _drive(senders: list[Send], total: int) -> Sample:
    """Closed loop: each worker sends its next request as soon as the previous one is done."""
    latencies: list[float] = []
    remaining = [total]

    async def worker(send: Send) -> None:
        while remaining[0] > 0:
            remaining[0] -= 1
            start = time.perf_counter()
            await send()
            latencies.append((time.perf_counter() - start) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker(s) for s in senders))
    return Sample(latencies, time.perf_counter() - started)


async def _drive_open(senders: list[Send], total: int, rate: float) -> Sample:
    """Open loop: requests arrive at ``rate`` per second (Poisson, fixed seed) whatever the
    server does, on at most ``len(senders)`` connections. Latency counts from the scheduled
    arrival, so waiting for a free connection is included (no coordinated omission)."""
    latencies: list[float] = []
    free: asyncio.Queue[Send] = asyncio.Queue()
    for send in senders:
        free.put_nowait(send)

    async def one(arrival: float) -> None:
        send = await free.get()
        try:
            await send()
        finally:
            free.put_nowait(send)
        latencies.append((time.perf_counter() - arrival) * 1000)

    arrivals = random.Random(1)
    started = arrival = time.perf_counter()
    tasks = []
    for _ in range(total):
        arrival += arrivals.expovariate(rate)
        delay = arrival - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(arrival)))
    await asyncio.gather(*tasks)
    return Sample(latencies, time.perf_counter() - started)


async def measure(
    client_cls: type[RawClient] | type[HttpxClient],
    url: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
    *,
    stream: bool,
    concurrency: int,
    requests: int,
    warmup: int,
    rate: float | None = None,
    cpu_pid: int | None = None,
) -> Sample:
    async with client_cls(url, concurrency) as client:
        senders = [client.sender(i, path, body, headers, stream) for i in range(concurrency)]
        await _drive(senders, max(warmup, concurrency))
        with CpuMeter(cpu_pid) as meter:
            if rate:
                sample = await _drive_open(senders, requests, rate)
            else:
                sample = await _drive(senders, requests)
    sample.cpu_s, sample.foreign_cores = meter.gateway_s, meter.foreign_cores
    return sample


def _chat_body(model: str, stream: bool) -> bytes:
    body: dict[str, Any] = {
        "model": model,
        "messages": [
            {"role": "system", "content": "Du är en hjälpsam assistent på en kommun."},
            {"role": "user", "content": PROMPT},
        ],
        "temperature": 0.2,
        "max_tokens": 256,
    }
    if stream:
        # The gateway asks the upstream for usage on every stream; ask directly for the same.
        body |= {"stream": True, "stream_options": {"include_usage": True}}
    return json.dumps(body, ensure_ascii=False).encode()


@dataclass
class Result:
    mode: str
    concurrency: int
    rate: float | None  # None: closed loop; else open-loop arrivals per second
    requests: int
    direct_p50_ms: float
    direct_p99_ms: float
    gateway_p50_ms: float
    gateway_p99_ms: float
    added_p50_ms: float
    added_p99_ms: float
    direct_rps: float
    gateway_rps: float
    gateway_cpu_ms_per_request: float | None
    extra: dict[str, float | int] = field(default_factory=dict)


def scenarios(args: argparse.Namespace) -> list[tuple[bool, int, float | None, int]]:
    """(stream, concurrency, open-loop rate or None, measured requests) in the order run."""
    plan = []
    for stream in args.modes:
        for concurrency in args.concurrency:
            requests = args.requests_c1 if concurrency == 1 else args.requests
            plan.append((stream, concurrency, None, requests))
        for rate in args.rate:
            # About --rate-seconds of arrivals; at most --requests.
            requests = max(50, min(args.requests, int(rate * args.rate_seconds)))
            plan.append((stream, max(args.concurrency), rate, requests))
    return plan


async def run_scenario(
    setup: Setup,
    args: argparse.Namespace,
    stream: bool,
    concurrency: int,
    rate: float | None,
    requests: int,
) -> Result:
    client_cls = RawClient if args.client == "raw" else HttpxClient
    path = "/v1/chat/completions"
    common = {
        "stream": stream,
        "concurrency": concurrency,
        "requests": requests,
        "warmup": args.warmup,
        "rate": rate,
    }
    direct_body = _chat_body(setup.remote_model, stream)
    direct = await measure(client_cls, setup.upstream_url, path, direct_body, {}, **common)
    gateway = await measure(
        client_cls,
        setup.gateway_url,
        path,
        _chat_body(GATEWAY_MODEL, stream),
        {"authorization": f"Bearer {setup.key}"},
        cpu_pid=setup.gateway_pid,
        **common,
    )
    return _result("stream" if stream else "non-stream", concurrency, rate, direct, gateway)


async def run_scenarios(setup: Setup, args: argparse.Namespace) -> list[Result]:
    """Each scenario, repeated up to --retry-noisy times while other programs on the machine
    were busy during it; the quietest attempt is kept."""
    results = []
    for plan in scenarios(args):
        attempts: list[Result] = []
        for _ in range(1 + args.retry_noisy):
            attempts.append(await run_scenario(setup, args, *plan))
            print(_progress(attempts[-1]), file=sys.stderr, flush=True)
            if attempts[-1].extra["foreign_cpu_cores"] <= FOREIGN_WARN_CORES:
                break
        best = min(attempts, key=lambda r: r.extra["foreign_cpu_cores"])
        best.extra["attempts"] = len(attempts)
        results.append(best)
    return results


def _result(
    mode: str, concurrency: int, rate: float | None, direct: Sample, gateway: Sample
) -> Result:
    cpu = gateway.cpu_s * 1000 / len(gateway.latencies_ms) if gateway.cpu_s is not None else None
    return Result(
        mode=mode,
        concurrency=concurrency,
        rate=rate,
        requests=len(gateway.latencies_ms),
        direct_p50_ms=round(direct.pct(50), 3),
        direct_p99_ms=round(direct.pct(99), 3),
        gateway_p50_ms=round(gateway.pct(50), 3),
        gateway_p99_ms=round(gateway.pct(99), 3),
        added_p50_ms=round(gateway.pct(50) - direct.pct(50), 3),
        added_p99_ms=round(gateway.pct(99) - direct.pct(99), 3),
        direct_rps=round(direct.rps, 1),
        gateway_rps=round(gateway.rps, 1),
        gateway_cpu_ms_per_request=round(cpu, 3) if cpu is not None else None,
        extra={
            "direct_p90_ms": round(direct.pct(90), 3),
            "gateway_p90_ms": round(gateway.pct(90), 3),
            "direct_max_ms": round(max(direct.latencies_ms), 3),
            "gateway_max_ms": round(max(gateway.latencies_ms), 3),
            "foreign_cpu_cores": round(
                max(direct.foreign_cores or 0.0, gateway.foreign_cores or 0.0), 2
            ),
        },
    )


def _progress(r: Result) -> str:
    return (
        f"  {r.mode:<10} {_clients(r):<14} direct p50 {r.direct_p50_ms:.2f} ms, "
        f"gateway p50 {r.gateway_p50_ms:.2f} ms, p99 {r.gateway_p99_ms:.2f} ms, "
        f"{r.gateway_rps:.0f} req/s"
        + (
            f"  [WARNING: other programs used {r.extra['foreign_cpu_cores']:.2f} cores meanwhile]"
            if r.extra["foreign_cpu_cores"] > FOREIGN_WARN_CORES
            else ""
        )
    )


# --------------------------------------------------------------------------- output


def _clients(r: Result) -> str:
    return f"{r.concurrency} @ {r.rate:g}/s" if r.rate else str(r.concurrency)


def markdown_table(results: list[Result]) -> str:
    rows = [
        "| scenario | clients | requests | direct p50 | gateway p50 | **added p50** "
        "| direct p99 | gateway p99 | **added p99** | direct req/s | gateway req/s "
        "| gateway CPU/req | other load |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        cpu = (
            f"{r.gateway_cpu_ms_per_request:.2f} ms"
            if r.gateway_cpu_ms_per_request is not None
            else "n/a"
        )
        rows.append(
            f"| {r.mode} | {_clients(r)} | {r.requests} | {r.direct_p50_ms:.2f} ms "
            f"| {r.gateway_p50_ms:.2f} ms | **{r.added_p50_ms:.2f} ms** "
            f"| {r.direct_p99_ms:.2f} ms | {r.gateway_p99_ms:.2f} ms "
            f"| **{r.added_p99_ms:.2f} ms** | {r.direct_rps:,.0f} | {r.gateway_rps:,.0f} "
            f"| {cpu} | {float(r.extra.get('foreign_cpu_cores', 0)):.2f} cores |"
        )
    noisy = max((float(r.extra.get("foreign_cpu_cores", 0)) for r in results), default=0.0)
    if noisy > FOREIGN_WARN_CORES:
        rows.append(
            f"\nOther programs on this machine used up to {noisy:.2f} CPU cores during these "
            "measurements; the figures are skewed by that."
        )
    return "\n".join(rows)


def _have(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def environment(args: argparse.Namespace) -> dict[str, Any]:
    cpu_model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "uvloop": _have("uvloop"),
        "httptools": _have("httptools"),
        "client": args.client,
        "upstream": args.upstream,
        "gateway_workers": args.workers,
        "command": "python -m bench.gateway " + " ".join(sys.argv[1:]),
        "loadavg_at_start": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


# --------------------------------------------------------------------------- CLI


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def _floats(text: str) -> list[float]:
    return [float(part) for part in text.split(",") if part.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.gateway",
        description="Latency the Tillit gateway adds over calling its upstream directly.",
    )
    parser.add_argument(
        "--requests", type=int, default=3000, help="measured requests per scenario (default 3000)"
    )
    parser.add_argument(
        "--requests-c1",
        type=int,
        default=None,
        help="measured requests at concurrency 1 (default: half of --requests)",
    )
    parser.add_argument(
        "--concurrency", type=_ints, default=[1, 64], help="comma-separated (default 1,64)"
    )
    parser.add_argument(
        "--rate",
        type=_floats,
        default=[],
        help="also run open-loop scenarios: Poisson arrivals at these req/s (comma-separated) "
        "over the largest --concurrency connections; latency counts from arrival",
    )
    parser.add_argument(
        "--rate-seconds",
        type=float,
        default=15,
        help="length of each open-loop scenario in seconds of arrivals (default 15)",
    )
    parser.add_argument("--warmup", type=int, default=300, help="warm-up requests per scenario")
    parser.add_argument(
        "--mode",
        choices=["both", "non-stream", "stream"],
        default="both",
        help="which chat completion modes to run",
    )
    parser.add_argument("--quick", action="store_true", help="few requests: a smoke run")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument("--json-file", metavar="PATH", help="also write the JSON report here")
    parser.add_argument(
        "--client", choices=["raw", "httpx"], default="raw", help="load generator (default raw)"
    )
    parser.add_argument(
        "--upstream",
        choices=["fast", "test"],
        default="fast",
        help="fast: bench/upstream_fast.py; test: tests/support/upstream.py (Starlette)",
    )
    parser.add_argument("--workers", type=int, default=1, help="tillit serve --workers")
    parser.add_argument(
        "--retry-noisy",
        type=int,
        default=0,
        metavar="N",
        help="repeat a scenario up to N times while other programs used more than "
        f"{FOREIGN_WARN_CORES} cores during it (shared machines); keep the quietest",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.warmup, args.rate_seconds = 300, 50, 3
    if args.requests_c1 is None:
        args.requests_c1 = max(1, args.requests // 2)
    args.modes = {"both": [False, True], "non-stream": [False], "stream": [True]}[args.mode]
    return args


def run_loop(coro: Awaitable[Any]) -> Any:
    """uvloop where installed (as uvicorn uses it), else asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)  # type: ignore[arg-type]
    return uvloop.run(coro)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    env = environment(args)
    print(
        f"Tillit gateway benchmark: {env['cpus']} CPUs ({env['cpu_model']}), "
        f"Python {env['python']}, client={args.client}, upstream={args.upstream}, "
        f"gateway workers={args.workers}",
        file=sys.stderr,
    )
    with running_setup(args.upstream, args.workers, args.keep) as setup:
        results = run_loop(run_scenarios(setup, args))
    report = json.dumps({"environment": env, "results": [asdict(r) for r in results]}, indent=2)
    if args.json_file:
        Path(args.json_file).write_text(report + "\n")
    print(report if args.json else markdown_table(results))


if __name__ == "__main__":
    main()
