"""Rate limits for the anonymous public endpoints (the report form, the public assistant) and
for failed password logins.

A token bucket per (tenant, client address, endpoint group), held in this process: each bucket
holds up to N tokens and refills at N per period, so a client may make N calls at once and then
one per period/N. The limits are per process: several web workers multiply them (a limiter
shared between processes is future work).

The client address is the connection's peer address. X-Forwarded-For is read only when the peer
is one of the trusted proxies (TILLIT_TRUSTED_PROXIES): then the client is the right-most address
in the header that is not itself a trusted proxy. Addresses are never logged in clear text, only
as a keyed hash.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from fastapi import Request
from fastapi.responses import Response

from tillit.web.errors import render_error

if TYPE_CHECKING:
    from tillit.config import Settings

log = logging.getLogger("tillit.web.ratelimit")

REPORTS = "report"
QUESTIONS = "question"
LOGIN_FAILURES = "login-failure"
LOGINS = "_login"  # password login is not per tenant: one bucket per client
RATE_LIMITED = "rate_limited"
MAX_BUCKETS = 20_000
SWEEP_INTERVAL_S = 60.0

R = TypeVar("R", bound=Response)
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Clock = Callable[[], float]


@dataclass(frozen=True)
class Limit:
    """``count`` calls per ``period_s`` seconds; a count of 0 (or less) switches the limit off."""

    count: int
    period_s: float

    @property
    def enabled(self) -> bool:
        return self.count > 0 and self.period_s > 0

    @property
    def rate(self) -> float:
        return self.count / self.period_s


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_s: int = 0
    """Whole seconds until the next call will be let through (0 when allowed)."""
    first_refusal: bool = False
    """The first refusal after calls were let through: worth one log line, not one per call."""


class _Bucket:
    __slots__ = ("capacity", "rate", "refused", "tokens", "updated")

    def __init__(self, limit: Limit, now: float) -> None:
        self.capacity, self.rate = float(limit.count), limit.rate
        self.tokens, self.updated, self.refused = self.capacity, now, False

    def refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated = now

    def idle(self, now: float) -> bool:
        """Full again: the same as no bucket at all, so it can be forgotten."""
        return self.tokens + max(0.0, now - self.updated) * self.rate >= self.capacity


class TokenBuckets:
    """Thread-safe token buckets by key, in bounded memory.

    Idle buckets (refilled to full) are dropped by a sweep at most every ``sweep_interval_s``;
    if ``max_entries`` buckets are still in use, the least recently used is dropped (that client
    starts over with a full bucket: memory stays bounded even under a flood of new addresses).
    """

    def __init__(
        self,
        *,
        clock: Clock = time.monotonic,
        max_entries: int = MAX_BUCKETS,
        sweep_interval_s: float = SWEEP_INTERVAL_S,
    ) -> None:
        self._clock = clock
        self._max = max(1, max_entries)
        self._sweep_interval = sweep_interval_s
        self._buckets: OrderedDict[Hashable, _Bucket] = OrderedDict()
        self._lock = threading.Lock()
        self._last_sweep = clock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._buckets)

    def take(self, key: Hashable, limit: Limit, consume: bool = True) -> Decision:
        """A call against the bucket; with ``consume=False`` only whether one would pass (for
        limits that count failures, charged afterwards)."""
        if not limit.enabled:
            return Decision(True)
        with self._lock:
            now = self._clock()
            if now - self._last_sweep >= self._sweep_interval:
                self._sweep(now)
            bucket = self._buckets.get(key)
            if bucket is None:
                while len(self._buckets) >= self._max:
                    self._buckets.popitem(last=False)
                bucket = self._buckets[key] = _Bucket(limit, now)
            else:
                self._buckets.move_to_end(key)
                bucket.refill(now)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0 if consume else 0.0
                bucket.refused = False
                return Decision(True)
            first = not bucket.refused
            bucket.refused = True
            wait = max(1, math.ceil((1.0 - bucket.tokens) / bucket.rate))
            return Decision(False, wait, first)

    def _sweep(self, now: float) -> None:
        self._last_sweep = now
        for key in [k for k, b in self._buckets.items() if b.idle(now)]:
            del self._buckets[key]


def parse_networks(value: str | Iterable[str]) -> tuple[Network, ...]:
    """Comma-separated addresses or networks (CIDR); raises ValueError on a bad entry."""
    items = value.split(",") if isinstance(value, str) else value
    return tuple(ipaddress.ip_network(i.strip(), strict=False) for i in items if i.strip())


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def bucket_key(address: str) -> str:
    """Whose bucket a request draws from: an IPv4 address, or an IPv6 address's /64 (one
    subscriber usually holds a whole /64, so per address there would be no limit at all)."""
    ip = _ip(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else ip or address)


class PublicLimits:
    """The limits of one web process: reports per hour and questions per minute per client."""

    def __init__(
        self,
        *,
        reports_per_hour: int,
        questions_per_minute: int,
        login_failures_per_hour: int = 0,
        trusted_proxies: str | Iterable[str] = "",
        clock: Clock = time.monotonic,
        max_entries: int = MAX_BUCKETS,
    ) -> None:
        self.limits = {
            REPORTS: Limit(reports_per_hour, 3600.0),
            QUESTIONS: Limit(questions_per_minute, 60.0),
            LOGIN_FAILURES: Limit(login_failures_per_hour, 3600.0),
        }
        self.trusted = parse_networks(trusted_proxies)
        self.buckets = TokenBuckets(clock=clock, max_entries=max_entries)

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock = time.monotonic) -> PublicLimits:
        return cls(
            reports_per_hour=settings.public_reports_per_hour,
            questions_per_minute=settings.public_questions_per_minute,
            login_failures_per_hour=settings.login_failures_per_hour,
            trusted_proxies=settings.trusted_proxies,
            clock=clock,
        )

    def _is_trusted(self, address: str) -> bool:
        ip = _ip(address)
        return ip is not None and any(ip in network for network in self.trusted)

    def client_address(self, request: Request) -> str:
        peer = request.client.host if request.client else ""
        if not self.trusted or not self._is_trusted(peer):
            return peer or "unknown"
        forwarded = [
            part.strip()
            for header in request.headers.getlist("x-forwarded-for")
            for part in header.split(",")
        ]
        client = peer
        for hop in reversed([f for f in forwarded if f]):
            if _ip(hop) is None:
                break  # garbage: trust nothing further left of it
            client = hop
            if not self._is_trusted(hop):
                break
        return str(_ip(client) or client)

    def check(self, request: Request, tenant: str, group: str, consume: bool = True) -> Decision:
        limit = self.limits[group]
        if not limit.enabled:
            return Decision(True)
        address = self.client_address(request)
        decision = self.buckets.take((tenant, bucket_key(address), group), limit, consume)
        if decision.first_refusal:
            platform = request.app.state.platform
            log.warning(
                "rate limit reached: tenant=%s group=%s client=%s retry_after=%ss",
                tenant,
                group,
                platform.box.keyed_hash("ratelimit-client", address)[:16],
                decision.retry_after_s,
            )
        return decision


_create_lock = threading.Lock()


def public_limits(request: Request) -> PublicLimits:
    """The app's limiter, made from the platform's settings on first use (tests may set
    ``app.state.public_limits`` beforehand, e.g. with a fake clock)."""
    state = request.app.state
    limits = getattr(state, "public_limits", None)
    if limits is None:
        with _create_lock:
            limits = getattr(state, "public_limits", None)
            if limits is None:
                limits = PublicLimits.from_settings(state.platform.settings)
                state.public_limits = limits
    return limits


def check_public(request: Request, tenant: str, group: str, consume: bool = True) -> Decision:
    return public_limits(request).check(request, tenant, group, consume)


def wait_text(seconds: int) -> str:
    """Swedish, rounded up: 'en minut', '7 minuter', '45 sekunder'."""
    if seconds < 60:
        return "en sekund" if seconds <= 1 else f"{seconds} sekunder"
    minutes = math.ceil(seconds / 60)
    return "en minut" if minutes == 1 else f"{minutes} minuter"


def report_message(decision: Decision) -> str:
    wait = wait_text(decision.retry_after_s)
    return (
        "Det har skickats många anmälningar från din anslutning på kort tid, så vi kan inte ta "
        f"emot fler just nu. Det du skrev finns kvar nedan: vänta {wait} och skicka igen. "
        "Är ett barn i akut fara? Ring 112."
    )


def question_message(decision: Decision) -> str:
    return (
        "Du har ställt många frågor på kort tid. "
        f"Vänta {wait_text(decision.retry_after_s)} och fråga igen."
    )


def retry_after(response: R, decision: Decision) -> R:
    response.headers["Retry-After"] = str(decision.retry_after_s)
    return response


def too_many_requests(request: Request, decision: Decision, message: str) -> Response:
    """429 in the request's format: the error page for a browser, the JSON error shape else."""
    return retry_after(render_error(request, 429, RATE_LIMITED, message), decision)
