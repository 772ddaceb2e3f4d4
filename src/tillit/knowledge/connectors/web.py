"""A polite crawler for one web site.

It stays on the start URL's host (a start URL that redirects to another host, such as
``kommun.se`` → ``www.kommun.se``, moves the crawl there), obeys robots.txt (including
Crawl-delay, up to 30 s), seeds from the sitemaps robots.txt names (or /sitemap.xml), walks
breadth-first to ``max_depth`` links from the start page, fetches at most ``max_pages`` URLs,
waits ``delay_s`` between requests and follows at most five redirects. Pages are HTML; linked
PDF and DOCX files are read too. Every URL that fails is reported as ``Skipped`` with a reason.

Keys are URL paths ("/bygga-bo/bygglov", "/" for the start page), with the query string when
there is one ("/nyheter?sida=2"). If the start page cannot be fetched at all, or robots.txt
cannot be read, ``SourceUnavailable`` is raised so the previous content is kept.
``complete`` is False after a crawl that stopped at ``max_pages``.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from tillit.errors import InvalidInput
from tillit.knowledge.connectors.base import SourceUnavailable, to_document
from tillit.knowledge.connectors.web_fetch import (
    Fetcher,
    Page,
    WebFailure,
    http_date,
    refuse_internal,
    refuse_internal_peer,
)
from tillit.knowledge.connectors.web_support import (
    Robots,
    TrapGuard,
    normalise_url,
    page_links,
    parse_sitemap,
    same_site,
    site_of,
    url_key,
)
from tillit.knowledge.documents import Skipped, SourceDocument
from tillit.knowledge.extract import DEFAULT_MAX_BYTES, ExtractError, extract, finish
from tillit.knowledge.formats.html import html_document, parse_html

DEFAULT_USER_AGENT = "TillitBot/0.1 (+https://github.com/tillit-ai/tillit)"
MAX_CRAWL_DELAY_S = 30.0
MAX_SITEMAPS = 20
_SKIP_EXTENSIONS = frozenset(
    ".jpg .jpeg .png .gif .svg .webp .ico .bmp .tif .tiff .css .js .mjs .zip .gz .tgz .rar .7z "
    ".mp3 .mp4 .m4a .mov .avi .webm .wav .ogg .xlsx .xls .pptx .ppt .doc .odt .ods .odp .csv "
    ".xml .json .ics .rss .atom .exe .msi .dmg .woff .woff2 .ttf .eot".split()
)


@dataclass
class _Item:
    url: str
    depth: int
    lastmod: str | None = None


class WebConnector:
    def __init__(
        self,
        start_url: str,
        max_pages: int = 200,
        max_depth: int = 3,
        delay_s: float = 1.0,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout_s: float = 10,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_variants: int = 5,
        public_only: bool = False,
    ) -> None:
        start = normalise_url(start_url)
        if start is None:
            raise InvalidInput(f"Ogiltig webbadress: {start_url}", code="invalid_url")
        self.start_url = start
        self.max_pages, self.max_depth = max_pages, max_depth
        self.delay_s, self.user_agent = delay_s, user_agent
        self.timeout_s, self.max_bytes, self.max_variants = timeout_s, max_bytes, max_variants
        self.complete = True
        self.public_only = public_only  # refuse internal addresses (web_fetch.refuse_internal)

    def documents(self) -> Iterator[SourceDocument | Skipped]:
        headers = {
            "User-Agent": self.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.5",
            "Accept-Language": "sv,en;q=0.5",
        }
        timeout = httpx.Timeout(self.timeout_s)
        self.complete = True
        hooks = (
            {"request": [refuse_internal], "response": [refuse_internal_peer]}
            if self.public_only
            else {}
        )
        with httpx.Client(
            headers=headers, timeout=timeout, follow_redirects=False, event_hooks=hooks
        ) as client:
            crawl = _Crawl(self, Fetcher(client, self.delay_s, self.timeout_s, self.max_bytes))
            yield from crawl.run()
            self.complete = crawl.complete


class _Crawl:
    """One run of a WebConnector: the queue, what was seen, and the site's rules."""

    def __init__(self, connector: WebConnector, fetcher: Fetcher) -> None:
        self.c, self.fetcher = connector, fetcher
        self.site = site_of(connector.start_url)
        self.robots = Robots()
        self.guard = TrapGuard(connector.max_variants)
        self.queue: deque[_Item] = deque()
        self.queued: set[str] = set()
        self.done: set[str] = set()
        self.hashes: dict[str, str] = {}
        self.skips: list[Skipped] = []
        self.visits = 0
        self.fetched = 0
        self.adopted = False
        self.complete = True

    def run(self) -> Iterator[SourceDocument | Skipped]:
        start = self.c.start_url
        try:
            self.robots = self._load_robots(start)
        except SourceUnavailable as exc:
            yield Skipped(url_key(start), start, exc.message)
            raise
        self.queued.add(url_key(start))
        self.guard.allow(start)  # the start URL counts towards its path's variants
        result = self._visit(_Item(start, 0))
        if self.fetched == 0:
            reason = result.reason if isinstance(result, Skipped) else "okänt fel"
            yield result or Skipped(url_key(start), start, reason)
            raise SourceUnavailable(f"Startsidan {start} kunde inte hämtas: {reason}")
        yield from self._drain(result)
        self._seed_sitemaps()
        while self.queue:
            item = self.queue.popleft()
            if self.visits >= self.c.max_pages:
                self.complete = False
                left = len(self.queue) + 1
                reason = f"sidgränsen nådd ({self.c.max_pages}); {left} adresser hämtades inte"
                yield Skipped(url_key(item.url), item.url, reason)
                return
            yield from self._drain(self._visit(item))

    def _drain(self, result: SourceDocument | Skipped | None) -> Iterator[SourceDocument | Skipped]:
        if result is not None:
            yield result
        yield from self.skips
        self.skips.clear()

    def _load_robots(self, url: str) -> Robots:
        robots_url = urljoin(url, "/robots.txt")
        try:
            status, text = self.fetcher.small(robots_url)
        except WebFailure as failure:
            raise SourceUnavailable(f"robots.txt kunde inte hämtas: {failure.reason}") from None
        if status >= 500:
            raise SourceUnavailable(f"robots.txt kunde inte hämtas: HTTP {status}")
        if status in (401, 403):
            robots = Robots(allow_all=False)
        elif status >= 400:
            robots = Robots(allow_all=True)
        else:
            robots = Robots(text)
        delay = min(robots.crawl_delay(self.c.user_agent), MAX_CRAWL_DELAY_S)
        self.fetcher.delay_s = max(self.c.delay_s, delay)
        return robots

    def _visit(self, item: _Item) -> SourceDocument | Skipped | None:
        key = url_key(item.url)
        if key in self.done:
            return None
        self.visits += 1
        if not self.robots.allowed(self.c.user_agent, item.url):
            return Skipped(key, item.url, "robots.txt förbjuder sidan")
        try:
            page = self.fetcher.fetch(item.url, self._follow)
            key = url_key(page.url)
            if key in self.done and page.url != item.url:
                return None
            self.done.add(key)
            self.fetched += 1
            return self._document(page, item, key)
        except WebFailure as failure:
            return Skipped(key, item.url, failure.reason)
        except ExtractError as exc:
            return Skipped(key, item.url, exc.reason)
        except Exception as exc:  # one odd page must not stop the crawl
            return Skipped(key, item.url, f"kunde inte tolkas: {type(exc).__name__}")

    def _follow(self, target: str) -> None:
        """Check a redirect target: same site (or the start page moving host), robots."""
        if not same_site(target, self.site):
            if self.fetched or self.adopted:
                raise WebFailure(f"omdirigering till annan webbplats ({urlsplit(target).netloc})")
            self.adopted, self.site = True, site_of(target)
            try:
                self.robots = self._load_robots(target)
            except SourceUnavailable as exc:
                raise WebFailure(exc.message) from None
        if not self.robots.allowed(self.c.user_agent, target):
            raise WebFailure("robots.txt förbjuder sidan (efter omdirigering)")

    def _document(self, page: Page, item: _Item, key: str) -> SourceDocument:
        if page.media_type == "text/html":
            extracted = self._html(page, item)
        else:
            extracted = extract(page.body, page.media_type, max_bytes=self.c.max_bytes)
        digest = hashlib.sha256(
            "\n".join(b.text for b in extracted.blocks).encode("utf-8", "replace")
        ).hexdigest()
        if digest in self.hashes:
            raise WebFailure(f"dubblett av {self.hashes[digest]}")
        self.hashes[digest] = key
        version = http_date(page.headers.get("last-modified")) or item.lastmod
        name = PurePosixPath(unquote(urlsplit(page.url).path)).name
        return to_document(
            extracted,
            key=key,
            source=page.url,
            fallback_title=name or key,
            version=version,
            extra={"url": page.url},
        )

    def _html(self, page: Page, item: _Item):  # type: ignore[no-untyped-def]
        tree = parse_html(page.body, page.charset)
        directives = " ".join(tree.xpath("//meta[@name='robots']/@content"))
        directives = f"{directives} {page.headers.get('x-robots-tag', '')}".lower()
        if "nofollow" not in directives and item.depth < self.c.max_depth:
            for url in page_links(tree, page.url):
                self._enqueue(url, item.depth + 1)
        if "noindex" in directives:
            raise WebFailure("sidan ber att inte indexeras (noindex)")
        return finish(html_document(tree))

    def _enqueue(self, url: str, depth: int, lastmod: str | None = None) -> None:
        if not same_site(url, self.site):
            return
        key = url_key(url)
        if key in self.queued:
            return
        self.queued.add(key)
        suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
        if suffix in _SKIP_EXTENSIONS:
            self.skips.append(Skipped(key, url, f"filtypen stöds inte: {suffix}"))
            return
        refused = self.guard.allow(url)
        if refused:
            self.skips.append(Skipped(key, url, refused))
            return
        self.queue.append(_Item(url, depth, lastmod))

    def _seed_sitemaps(self) -> None:
        if self.c.max_depth < 1:
            return
        origin = f"{urlsplit(self.c.start_url).scheme}://{self.site[0]}:{self.site[1]}"
        todo = deque(self.robots.sitemaps() or [urljoin(origin, "/sitemap.xml")])
        seen: set[str] = set()
        while todo and len(seen) < MAX_SITEMAPS:
            url = normalise_url(todo.popleft())
            if not url or url in seen or not same_site(url, self.site):
                continue
            seen.add(url)
            try:
                page = self.fetcher.fetch(url, self._follow, any_type=True)
            except WebFailure:
                continue  # a missing sitemap is no document; the crawl goes on without it
            pages, nested = parse_sitemap(page.body)
            todo.extend(nested)
            for loc, lastmod in pages:
                target = normalise_url(loc)
                if target:
                    self._enqueue(target, 1, lastmod)
