"""HTTP for the crawler: polite pacing, redirects checked hop by hop (at most five, loops
detected), content types, size limits while streaming, and an overall time limit per response
(a server that trickles bytes cannot hold the crawl)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import httpx

from tillit.knowledge.connectors.web_support import normalise_url
from tillit.knowledge.extract import DOCX, media_type_for

MAX_REDIRECTS = 5
MAX_SMALL_BYTES = 512 * 1024
ACCEPTED = {
    "text/html": "text/html",
    "application/xhtml+xml": "text/html",
    "application/pdf": "application/pdf",
    "application/x-pdf": "application/pdf",
    DOCX: DOCX,
}
_UNTYPED = {"", "application/octet-stream", "binary/octet-stream", "application/download"}


class WebFailure(Exception):
    """A URL could not be used; ``reason`` (Swedish) becomes a Skipped record."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def refuse_internal(request: httpx.Request) -> None:
    """An httpx request hook (it sees every hop of a redirect too): a host that resolves to
    a loopback, private, link-local or otherwise non-public address is refused. Used for
    ingestion started through the API, where a tenant's developer names the URL; the server's
    own CLI may read the intranet. A name that resolves differently a moment later (DNS
    rebinding) is caught by ``refuse_internal_peer`` on the connected address."""
    host = request.url.host
    port = request.url.port or (443 if request.url.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise WebFailure(f"värden {host} kunde inte slås upp") from None
    for info in infos:
        if _internal(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])):
            raise WebFailure(  # which address is not said: it would map the internal network
                f"{host} pekar på en intern adress; interna webbplatser läses in med "
                "tillit ingest på servern"
            )


def refuse_internal_peer(response: httpx.Response) -> None:
    """An httpx response hook, before any of the body is read: the address actually connected
    to must be public too. This closes what ``refuse_internal`` cannot see: a name that
    resolved to a public address for the check and to an internal one for the connection
    (DNS rebinding)."""
    stream = response.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    if peer and _internal(ipaddress.ip_address(str(peer[0]).split("%", 1)[0])):
        response.close()
        raise WebFailure(
            f"{response.request.url.host} pekar på en intern adress; interna webbplatser "
            "läses in med tillit ingest på servern"
        )


_TRANSLATED = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def _internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Not a public address, also when an IPv4 address hides inside an IPv6 one (mapped,
    6to4, NAT64, or the old ::a.b.c.d form)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is None and any(address in net for net in _TRANSLATED):
            inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if inner is None and int(address) >> 32 == 0 and int(address) > 1:
            inner = ipaddress.IPv4Address(int(address))  # ::127.0.0.1
        if inner is not None and not inner.is_global:
            return True
    return not address.is_global


@dataclass
class Page:
    url: str
    media_type: str
    charset: str | None
    body: bytes
    headers: httpx.Headers


def http_date(value: str | None) -> str | None:
    """An HTTP date (Last-Modified) as ISO 8601 in UTC, or None."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).astimezone(dt.UTC).isoformat(timespec="seconds")
    except (TypeError, ValueError, IndexError):
        return None


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB".replace(".", ",")


class Fetcher:
    def __init__(self, client: httpx.Client, delay_s: float, timeout_s: float, max_bytes: int):
        self.client = client
        self.delay_s = delay_s
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self._last = 0.0

    def wait(self) -> None:
        pause = self._last + self.delay_s - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self._last = time.monotonic()

    def small(self, url: str) -> tuple[int, str]:
        """GET a small text resource (robots.txt), following redirects; (status, text). Only
        its first MAX_SMALL_BYTES are read (as search engines do), within the time limit, so
        a body that never ends cannot hold the crawl or fill the memory."""
        self.wait()
        deadline = time.monotonic() + self.timeout_s * 3
        try:
            with self.client.stream("GET", url, follow_redirects=True) as response:
                body, _longer = read_at_most(response, MAX_SMALL_BYTES, deadline)
                status = response.status_code
        except httpx.TimeoutException as exc:
            raise WebFailure("tidsgränsen överskreds") from exc
        except httpx.HTTPError as exc:
            raise WebFailure(f"kunde inte nås: {type(exc).__name__}") from exc
        return status, bytes(body[:MAX_SMALL_BYTES]).decode("utf-8", "replace")

    def fetch(self, url: str, follow: Callable[[str], None], *, any_type: bool = False) -> Page:
        """GET ``url``; ``follow(target)`` approves each redirect or raises WebFailure."""
        chain = [url]
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            result = self._request(current, any_type)
            if isinstance(result, Page):
                return result
            target = normalise_url(result, current)
            if target is None:
                raise WebFailure(f"ogiltig omdirigering till {result[:200]}")
            if target in chain:
                raise WebFailure("omdirigeringsslinga")
            follow(target)
            chain.append(target)
            current = target
        raise WebFailure(f"för många omdirigeringar (fler än {MAX_REDIRECTS})")

    def _request(self, url: str, any_type: bool) -> Page | str:
        """A Page, or the Location of a redirect."""
        self.wait()
        try:
            with self.client.stream("GET", url) as response:
                if response.is_redirect:
                    return response.headers["location"]
                self._check_status(response)
                media_type, charset = _content_type(response, url, any_type)
                length = response.headers.get("content-length", "")
                if length.isdigit() and int(length) > self.max_bytes:
                    raise WebFailure(
                        f"för stor: {_mb(int(length))} (gränsen är {_mb(self.max_bytes)})"
                    )
                body = self._read(response)
                return Page(str(response.url), media_type, charset, body, response.headers)
        except httpx.TimeoutException as exc:
            raise WebFailure("tidsgränsen överskreds") from exc
        except httpx.HTTPError as exc:
            raise WebFailure(f"kunde inte hämtas: {type(exc).__name__}") from exc

    def _check_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if status in (429, 503):  # the site asks us to slow down
            self.delay_s = min(max(self.delay_s * 2, 1.0), 30.0)
        if status >= 300:
            raise WebFailure(f"HTTP {status}")

    def _read(self, response: httpx.Response) -> bytes:
        deadline = time.monotonic() + self.timeout_s * 3
        body, longer = read_at_most(response, self.max_bytes, deadline)
        if longer:
            raise WebFailure(f"för stor: mer än {_mb(self.max_bytes)}")
        return body


def read_at_most(
    response: httpx.Response, limit: int, deadline: float | None = None
) -> tuple[bytes, bool]:
    """A streamed body read as it comes, stopping once it passes ``limit`` bytes: (what was
    read, whether the body is longer than ``limit``), so an answer that never ends cannot
    fill the memory. Past ``deadline`` (``time.monotonic()``) a slow transfer is refused."""
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > limit:
            return bytes(body), True
        if deadline is not None and time.monotonic() > deadline:
            raise WebFailure("tidsgränsen överskreds (för långsam överföring)")
    return bytes(body), False


def _content_type(response: httpx.Response, url: str, any_type: bool) -> tuple[str, str | None]:
    raw = response.headers.get("content-type", "")
    kind, _, params = raw.partition(";")
    kind = kind.strip().lower()
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    if any_type:
        return kind, charset
    if kind in ACCEPTED:
        return ACCEPTED[kind], charset
    guessed = media_type_for(PurePosixPath(urlsplit(url).path).name)
    if kind in _UNTYPED and guessed in ACCEPTED:
        return guessed, charset
    raise WebFailure(f"inte HTML: {kind or 'okänd innehållstyp'}")
