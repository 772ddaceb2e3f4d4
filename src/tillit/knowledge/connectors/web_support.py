"""Helpers for the web crawler: URL normalisation, the crawl trap guard, robots.txt, sitemaps
and links in a page."""

from __future__ import annotations

import re
import urllib.robotparser
import zlib
from collections import defaultdict
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree
from lxml import html as lxml_html

_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING = re.compile(
    r"^(utm_\w*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|_ga|_gl|yclid|igshid|"
    r"phpsessid|jsessionid|sessionid|sid)$",
    re.IGNORECASE,
)
_SESSION_IN_PATH = re.compile(r";jsessionid=[^/?#]*", re.IGNORECASE)
_ESCAPE = re.compile(r"%[0-9a-f]{2}")
_YEAR = re.compile(r"^(?:19|20)\d{2}(?:[-_.]?\d{1,2}){0,2}$")
_DAY_OR_MONTH = re.compile(r"^\d{1,2}$")
_MAX_SITEMAP_BYTES = 50 * 1024 * 1024


def normalise_url(url: str, base: str | None = None) -> str | None:
    """Absolute http(s) URL without fragment, default port, userinfo, tracking parameters or
    session ids; query parameters sorted. None for other schemes or unparsable URLs."""
    try:
        parts = urlsplit(urljoin(base, url.strip()) if base else url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _remove_dot_segments(_SESSION_IN_PATH.sub("", parts.path)) or "/"
    path = quote(path, safe="/%:@!$&'()*+,;=-._~")
    path = _ESCAPE.sub(lambda m: m.group(0).upper(), path)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode(sorted((k, v) for k, v in pairs if not _TRACKING.match(k)))
    return urlunsplit((scheme, netloc, path, query, ""))


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4: "/a/../b/./c" → "/b/c" (a trailing "/." or "/.." leaves a slash)."""
    if "." not in path:
        return path
    out: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if len(out) > 1:
                out.pop()
        elif segment != ".":
            out.append(segment)
    result = "/".join(out)
    return result + "/" if path.endswith(("/.", "/..")) else result


def url_key(url: str) -> str:
    """A page's document key: its path (readable, percent-decoded) and query, if any."""
    parts = urlsplit(url)
    key = unquote(parts.path) or "/"
    return f"{key}?{parts.query}" if parts.query else key


def site_of(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme, 0)


def same_site(url: str, site: tuple[str, int]) -> bool:
    """Same host; http and https on their default ports count as the same site."""
    host, port = site_of(url)
    if host != site[0]:
        return False
    defaults = set(_DEFAULT_PORTS.values())
    return port == site[1] or (port in defaults and site[1] in defaults)


class TrapGuard:
    """Refuses crawl traps such as endless calendars: at most ``limit`` distinct query strings
    per path, and at most ``limit`` URLs per path pattern with its date-like segments blanked
    ("/kalender/2025/03/14" → "/kalender/*/*/*")."""

    def __init__(self, limit: int = 5) -> None:
        self.limit = limit
        self.queries: dict[str, set[str]] = defaultdict(set)
        self.patterns: dict[str, set[str]] = defaultdict(set)

    def allow(self, url: str) -> str | None:
        """None if allowed (and counted), else the reason for refusing."""
        parts = urlsplit(url)
        queries = self.queries[parts.path]
        if parts.query and parts.query not in queries and len(queries) >= self.limit:
            return f"för många varianter av {unquote(parts.path)} (möjlig oändlig kalender)"
        pattern = _date_pattern(parts.path)
        urls = self.patterns[pattern] if pattern else set()
        if pattern and url not in urls and len(urls) >= self.limit:
            return f"för många datumsidor under {pattern} (möjlig oändlig kalender)"
        if parts.query:
            queries.add(parts.query)
        if pattern:
            urls.add(url)
        return None


def _date_pattern(path: str) -> str | None:
    segments = path.split("/")
    out, dated = [], False
    for segment in segments:
        if _YEAR.match(segment) or (dated and _DAY_OR_MONTH.match(segment)):
            out.append("*")
            dated = True
        else:
            out.append(segment)
    return "/".join(out) if dated else None


class Robots:
    """robots.txt rules for one site (urllib.robotparser), or allow/deny everything."""

    def __init__(self, text: str | None = None, *, allow_all: bool = True) -> None:
        self.parser = urllib.robotparser.RobotFileParser()
        if text is not None:
            self.parser.parse(text.splitlines())
        elif allow_all:
            self.parser.allow_all = True
        else:
            self.parser.disallow_all = True

    def allowed(self, user_agent: str, url: str) -> bool:
        return self.parser.can_fetch(user_agent, url)

    def crawl_delay(self, user_agent: str) -> float:
        delay = self.parser.crawl_delay(user_agent)
        try:
            return float(delay) if delay is not None else 0.0
        except (TypeError, ValueError):
            return 0.0

    def sitemaps(self) -> list[str]:
        return list(self.parser.site_maps() or [])


def parse_sitemap(data: bytes) -> tuple[list[tuple[str, str | None]], list[str]]:
    """(page URLs with lastmod, nested sitemap URLs). Gzip is unpacked; entities not resolved."""
    if data[:2] == b"\x1f\x8b":
        data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, _MAX_SITEMAP_BYTES)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return [], []
    if root is None:
        return [], []
    pages = [
        (loc.strip(), (url.findtext("{*}lastmod") or "").strip() or None)
        for url in root.iter("{*}url")
        if (loc := url.findtext("{*}loc"))
    ]
    nested = [loc.strip() for s in root.iter("{*}sitemap") if (loc := s.findtext("{*}loc"))]
    return pages, nested


def page_links(tree: lxml_html.HtmlElement, page_url: str) -> list[str]:
    """Absolute, normalised link targets of a page (honouring <base href>), in page order."""
    base = page_url
    base_element = tree.find(".//base[@href]")
    if base_element is not None:
        base = normalise_url(base_element.get("href", ""), page_url) or page_url
    links: dict[str, None] = {}
    for element in tree.iter("a", "area"):
        href = element.get("href")
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
            continue
        url = normalise_url(href, base)
        if url:
            links[url] = None
    return list(links)
