"""Connectors against real files, a real HTTP server process (the fixture site) and real JSON."""

from __future__ import annotations

import itertools
import json
import os
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.knowledge.fixtures import CP1252_TEXT, corrupt_pdf, docx_bytes, encrypted_pdf, pdf_bytes
from tests.support.servers import free_port, running
from tillit.knowledge.connectors import SourceUnavailable
from tillit.knowledge.connectors.files import FileConnector
from tillit.knowledge.connectors.rest import RestConnector
from tillit.knowledge.connectors.web import WebConnector
from tillit.knowledge.documents import Skipped, SourceDocument


def collect(connector) -> tuple[dict[str, SourceDocument], dict[str, str]]:  # type: ignore[no-untyped-def]
    docs: dict[str, SourceDocument] = {}
    skipped: dict[str, str] = {}
    for item in connector.documents():
        if isinstance(item, Skipped):
            assert item.key not in skipped, f"{item.key} skipped twice"
            skipped[item.key] = item.reason
        else:
            assert item.key not in docs, f"{item.key} yielded twice"
            docs[item.key] = item
    assert not set(docs) & set(skipped)
    return docs, skipped


# --- files ---------------------------------------------------------------------------------


@pytest.fixture()
def library(tmp_path: Path) -> Path:
    root = tmp_path / "dokument"
    (root / "bygg").mkdir(parents=True)
    (root / "social").mkdir()
    (root / ".git").mkdir()
    (root / "aldreomsorg.txt").write_bytes(CP1252_TEXT.encode("cp1252"))
    (root / "social" / "riktlinjer.docx").write_bytes(docx_bytes())
    (root / "bygg" / "plan.md").write_text(
        "---\ntitle: Detaljplan\nägare: Planenheten\n---\n\nPlanen gäller centrum.\n"
    )
    (root / "social" / "plan.txt").write_text("Plan för socialtjänsten.\n\nMer text.\n")
    (root / "taxa.pdf").write_bytes(pdf_bytes(["Taxa för bygglov", "Avgiften är 5 000 kr."]))
    (root / "taxa.html").write_text("<h1>Taxa</h1><p>Samma namn, annan fil.</p>")
    (root / "trasig.pdf").write_bytes(corrupt_pdf())
    (root / "krypterad.pdf").write_bytes(encrypted_pdf())
    (root / "tom.txt").write_bytes(b"  \n\n ")
    (root / "binar.txt").write_bytes(bytes(range(256)) * 4)
    (root / "tabell.xlsx").write_bytes(b"PK\x03\x04")
    (root / ".git" / "config.txt").write_text("hemligt")
    (root / "~$riktlinjer.docx").write_bytes(b"lock")
    with open(root / "enorm.txt", "wb") as huge:
        huge.truncate(21 * 1024 * 1024)  # sparse: 21 MB without writing them
    outside = tmp_path / "utanfor.txt"
    outside.write_text("Utanför roten.")
    (root / "lank.txt").symlink_to(outside)
    (root / "lankmapp").symlink_to(tmp_path, target_is_directory=True)
    return root


def test_file_connector_reads_folders_recursively(library: Path) -> None:
    docs, skipped = collect(FileConnector([library]))
    assert set(docs) == {
        "aldreomsorg",
        "riktlinjer",
        "bygg/plan",
        "social/plan",
        "taxa.pdf",
        "taxa.html",
    }
    assert skipped == {
        "trasig": "trasig PDF: PdfReadError",
        "krypterad": "krypterad PDF (lösenordsskyddad)",
        "tom": "tom: ingen text att indexera",
        "binar": "binärt innehåll, inte text",
        "tabell.xlsx": "filtypen stöds inte: .xlsx",
        "enorm": "för stor: 21,0 MB (gränsen är 20,0 MB)",
        "lank": "symbolisk länk pekar utanför mappen",
    }
    aldre = docs["aldreomsorg"]
    assert aldre.title == "Äldreomsorg i kommunen"
    assert "särskilt boende" in aldre.text
    assert aldre.source == str(library / "aldreomsorg.txt")
    assert aldre.version and aldre.version.endswith("+00:00")
    assert aldre.media_type == "text/plain"
    docx = docs["riktlinjer"]
    assert docx.title == "Riktlinjer för färdtjänst"
    assert docx.owner == "Socialförvaltningen"
    assert [b.kind for b in docx.blocks].count("list_item") == 2
    assert docs["bygg/plan"].title == "Detaljplan"
    assert docs["bygg/plan"].owner == "Planenheten"
    assert docs["social/plan"].title == "plan"  # a first line ending in "." is no title
    assert docs["taxa.pdf"].title == "taxa"  # no title in the PDF: the file name
    assert docs["taxa.pdf"].metadata["file_name"] == "taxa.pdf"


def test_file_connector_single_file_and_size_limit(library: Path) -> None:
    docs, _ = collect(FileConnector([library / "aldreomsorg.txt"]))
    assert list(docs) == ["aldreomsorg"]
    docs, skipped = collect(FileConnector([library / "aldreomsorg.txt"], max_bytes=50))
    assert skipped["aldreomsorg"].startswith("för stor")


def test_file_connector_several_roots_and_missing_root(library: Path, tmp_path: Path) -> None:
    other = tmp_path / "annat"
    other.mkdir()
    (other / "aldreomsorg.md").write_text("# Annan\n\nAnnan text.\n")
    docs, _ = collect(FileConnector([library, other]))
    assert {"dokument/aldreomsorg", "annat/aldreomsorg"} <= set(docs)
    with pytest.raises(SourceUnavailable):
        list(FileConnector([tmp_path / "finns-inte"]).documents())


def test_file_keys_are_stable_across_runs(library: Path) -> None:
    first = [i.key for i in FileConnector([library]).documents()]
    second = [i.key for i in FileConnector([library]).documents()]
    assert first == second


# --- web -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    port = free_port()
    with running(
        [sys.executable, "-m", "tests.support.site_server", str(port)],
        f"http://127.0.0.1:{port}/robots.txt",
    ):
        yield f"http://127.0.0.1:{port}"


def hits(site: str) -> list[dict[str, object]]:
    return httpx.get(f"{site}/__hits").json()


def crawl(site: str, start: str = "/", **options: object) -> tuple[dict, dict, list, WebConnector]:  # type: ignore[type-arg]
    before = len(hits(site))
    settings = {"delay_s": 0.05, "timeout_s": 1, "max_bytes": 1_000_000, **options}
    connector = WebConnector(site + start, **settings)  # type: ignore[arg-type]
    docs, skipped = collect(connector)
    return docs, skipped, hits(site)[before:], connector


def test_web_crawl_of_fixture_site(site: str) -> None:
    docs, skipped, requests, connector = crawl(site)
    assert connector.complete
    assert {"/", "/bygga-bo/bygglov", "/fran-sitemap", "/dokument/taxa.pdf", "/djup/1"} <= set(docs)
    assert skipped["/hemligt/sida"] == "robots.txt förbjuder sidan"
    assert skipped["/loop-a"] == "omdirigeringsslinga"
    assert skipped["/kedja/0"] == "för många omdirigeringar (fler än 5)"
    assert skipped["/saknas"] == "HTTP 404"
    assert skipped["/stor"].startswith("för stor")
    assert skipped["/tom"].startswith("tom")
    assert skipped["/langsam"].startswith("tidsgränsen överskreds")
    assert skipped["/annan-doman"].startswith("omdirigering till annan webbplats")
    assert skipped["/index.html"] == "dubblett av /"
    assert skipped["/noindex"].startswith("sidan ber att inte indexeras")
    assert skipped["/bild.jpg"] == "filtypen stöds inte: .jpg"

    paths = [str(r["path"]) for r in requests]
    assert not any(p.startswith("/hemligt") for p in paths), "robots.txt was not obeyed"
    assert "/bild.jpg" not in paths
    assert paths.count("/bygga-bo/bygglov") == 1  # ?utm_source and #fragment were dropped
    assert "/djup/4" not in paths  # max_depth=3
    assert all(r["host"] == "127.0.0.1" for r in requests)  # nothing off-site

    bygglov = docs["/bygga-bo/bygglov"]
    assert bygglov.title == "Bygglov"
    assert bygglov.version == "2025-03-04T10:00:00+00:00"  # Last-Modified
    assert bygglov.source.endswith("/bygga-bo/bygglov")
    assert "Exempel kommun" not in bygglov.text  # header, nav and footer dropped
    assert "Enbostadshus | 25 000 kr" in bygglov.text
    assert docs["/fran-sitemap"].version == "2025-01-15"  # sitemap lastmod
    pdf = docs["/dokument/taxa.pdf"]
    assert pdf.media_type == "application/pdf"
    assert "25 000 kr" in pdf.text
    assert pdf.title == "taxa.pdf"


def test_web_crawl_is_polite(site: str) -> None:
    _, _, requests, _ = crawl(site, max_pages=6, delay_s=0.25)
    times = [float(r["t"]) for r in requests]  # type: ignore[arg-type]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(gaps) >= 5
    assert min(gaps) >= 0.2, gaps


def test_web_infinite_calendar_is_capped(site: str) -> None:
    docs, skipped, requests, _ = crawl(site, "/kalender?month=1", max_depth=50, max_pages=100)
    months = [r["query"] for r in requests if r["path"] == "/kalender"]
    assert len(months) == 5
    assert {k for k in docs if k.startswith("/kalender")} == {
        f"/kalender?month={n}" for n in range(1, 6)
    }
    assert "oändlig kalender" in skipped["/kalender?month=6"]


def test_web_page_limit_marks_crawl_incomplete(site: str) -> None:
    _, skipped, requests, connector = crawl(site, max_pages=3)
    assert not connector.complete
    pages = {r["path"] for r in requests} - {"/robots.txt", "/sitemap.xml"}
    assert len(pages) <= 3
    assert any(reason.startswith("sidgränsen nådd (3)") for reason in skipped.values())


def test_web_start_page_that_moved_host_is_followed(site: str) -> None:
    port = site.rsplit(":", 1)[1]
    connector = WebConnector(f"http://localhost:{port}/bygga-bo/bygglov", max_depth=0, delay_s=0)
    docs, _skipped = collect(connector)
    assert list(docs) == ["/bygga-bo/bygglov"]
    assert docs["/bygga-bo/bygglov"].source.startswith("http://127.0.0.1:")


def test_unreachable_site_raises_after_recording_the_start_page() -> None:
    connector = WebConnector(f"http://127.0.0.1:{free_port()}/", delay_s=0, timeout_s=1)
    seen: list[Skipped | SourceDocument] = []
    with pytest.raises(SourceUnavailable):
        for item in connector.documents():
            seen.append(item)
    assert len(seen) == 1
    assert isinstance(seen[0], Skipped) and seen[0].key == "/"
    assert "robots.txt" in seen[0].reason


def test_missing_start_page_raises(site: str) -> None:
    with pytest.raises(SourceUnavailable, match="HTTP 404"):
        list(WebConnector(site + "/saknas", delay_s=0).documents())


# --- REST / JSON ---------------------------------------------------------------------------


def test_rest_connector_follows_next_links(site: str) -> None:
    connector = RestConnector(
        f"{site}/api/items",
        next_field="next",
        url_field="link",
        owner_field="meta.owner",
        updated_field="meta.updated",
    )
    docs, skipped = collect(connector)
    assert set(docs) == {"1", "2", "3", "4", "5"}
    first = docs["1"]
    assert first.title == "Fråga 1"
    assert first.source == "https://kommun.example/faq/1"
    assert first.owner == "Kontaktcenter"
    assert first.version == "2025-01-01"
    assert [b.text for b in first.blocks] == ["Svar nummer 1.", "Mer information om ärende 1."]
    html = docs["5"]
    assert html.media_type == "text/html"
    assert [(b.kind, b.text) for b in html.blocks] == [
        ("heading", "Rubrik"),
        ("paragraph", "Text i HTML."),
    ]
    assert html.source == f"{site}/api/items#5"
    assert skipped == {
        "#6": "posten saknar fältet 'id'",
        "#7": "dubblett: id 1 förekommer flera gånger",
        "6": "tom: ingen text att indexera",
    }


def test_rest_connector_failing_page_raises_after_the_good_ones(site: str) -> None:
    seen = []
    with pytest.raises(SourceUnavailable, match="HTTP 500"):
        for item in RestConnector(f"{site}/api/trasig", next_field="next").documents():
            seen.append(item.key)
    assert seen == ["1", "2"]


def test_a_failing_later_page_is_named_without_the_user_name_and_password(site: str) -> None:
    """The next page's address is joined to the first, user name and password included; the
    message (shown in the job, the API and the CLI) must not carry them."""
    with_login = site.replace("http://", "http://tillit:hemligt-losen@")
    with pytest.raises(SourceUnavailable) as failed:
        list(RestConnector(f"{with_login}/api/trasig", next_field="next").documents())
    assert "HTTP 500" in failed.value.message and "/api/trasig?page=2" in failed.value.message
    assert "hemligt" not in failed.value.message and "tillit:" not in failed.value.message


def test_rest_connector_reads_local_json_and_jsonl(tmp_path: Path) -> None:
    items = [{"id": "a", "title": "A", "text": "Text A."}, {"id": "b", "body": "<p>Text B.</p>"}]
    listing = tmp_path / "faq.json"
    listing.write_text(json.dumps(items), encoding="utf-8")
    docs, _ = collect(RestConnector(str(listing)))
    assert docs["a"].text == "Text A."
    assert docs["b"].title == "b"
    assert docs["b"].text == "Text B."

    lines = tmp_path / "faq.jsonl"
    lines.write_text(json.dumps(items[0]) + "\n{trasig\n" + json.dumps(items[1]) + "\n")
    docs, skipped = collect(RestConnector(str(lines), max_items=10))
    assert set(docs) == {"a", "b"}
    assert skipped == {"#2": "ogiltig JSON på rad 2"}

    nested = tmp_path / "nested.json"
    nested.write_text(json.dumps({"data": {"rows": items}}))
    docs, _ = collect(RestConnector(str(nested), items_path="data.rows", max_items=1))
    assert list(docs) == ["a"]
    with pytest.raises(SourceUnavailable, match="saknar listan"):
        list(RestConnector(str(nested), items_path="data.saknas").documents())
    with pytest.raises(SourceUnavailable, match="Finns inte"):
        list(RestConnector(str(tmp_path / "nej.json")).documents())


def test_file_mtime_is_the_version(tmp_path: Path) -> None:
    path = tmp_path / "info.txt"
    path.write_text("Information.")
    os.utime(path, (0, 1_700_000_000))
    docs, _ = collect(FileConnector([path]))
    assert docs["info"].version == "2023-11-14T22:13:20+00:00"


# --- crawler helpers -------------------------------------------------------------------------


def test_url_normalisation_and_keys() -> None:
    from tillit.knowledge.connectors.web_support import normalise_url, url_key

    url = normalise_url("HTTP://Kommun.EXAMPLE:80/a/../Förskola?utm_source=x&b=2&a=1#top")
    assert url == "http://kommun.example/F%C3%B6rskola?a=1&b=2"
    assert url_key(url) == "/Förskola?a=1&b=2"
    assert (
        normalise_url("/sida;jsessionid=ABC?PHPSESSID=1", "https://k.se/x") == "https://k.se/sida"
    )
    assert normalise_url("mailto:a@b.se") is None
    assert normalise_url("http://k.se:99999/") is None
    assert url_key("https://k.se") == "/"


def test_trap_guard_caps_query_and_date_variants() -> None:
    from tillit.knowledge.connectors.web_support import TrapGuard

    guard = TrapGuard(limit=3)
    assert [guard.allow(f"https://k.se/kalender?dag={n}") for n in range(3)] == [None] * 3
    assert guard.allow("https://k.se/kalender?dag=1") is None  # already counted
    assert "oändlig kalender" in (guard.allow("https://k.se/kalender?dag=9") or "")
    dated = [guard.allow(f"https://k.se/evenemang/2025/{m:02d}/01") for m in range(1, 6)]
    assert dated[:3] == [None] * 3
    assert all(reason and "datumsidor" in reason for reason in dated[3:])
    assert guard.allow("https://k.se/nyheter/2025/ny-skola") is None  # other pattern


def test_sitemap_parsing_handles_index_gzip_and_entities() -> None:
    import gzip

    from tillit.knowledge.connectors.web_support import parse_sitemap

    index = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://k.se/sm1.xml</loc></sitemap></sitemapindex>"""
    assert parse_sitemap(index) == ([], ["https://k.se/sm1.xml"])
    urlset = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc> https://k.se/a </loc><lastmod>2025-01-02</lastmod></url><url><loc>https://k.se/b</loc></url>
    </urlset>"""
    assert parse_sitemap(gzip.compress(urlset)) == (
        [("https://k.se/a", "2025-01-02"), ("https://k.se/b", None)],
        [],
    )
    bomb = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>
      <urlset><url><loc>&b;</loc></url></urlset>"""
    pages, _ = parse_sitemap(bomb)
    assert all("aaaaaaaaaa" not in loc for loc, _ in pages)
    assert parse_sitemap(b"not xml at all") == ([], [])


def test_web_ingest_from_the_api_cannot_reach_internal_addresses(site: str) -> None:
    from tillit.knowledge.connectors.base import SourceUnavailable

    before = len(hits(site))
    with pytest.raises(SourceUnavailable, match=r"pekar på en intern adress;"):
        crawl(site, public_only=True)
    assert len(hits(site)) == before  # nothing was fetched, not even robots.txt


def test_public_addresses_pass_the_internal_address_check() -> None:
    from tillit.knowledge.connectors.web_fetch import WebFailure, refuse_internal

    refuse_internal(httpx.Request("GET", "http://93.184.216.34/"))  # no lookup for a literal
    internal_hosts = (
        "http://10.1.2.3/",
        "http://169.254.169.254/latest/",
        "http://[::1]:8080/",
        "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
        "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
        "http://[::127.0.0.1]/",
    )
    for internal in internal_hosts:
        with pytest.raises(WebFailure, match="intern adress"):
            refuse_internal(httpx.Request("GET", internal))


def test_the_connected_address_is_checked_too(site: str) -> None:
    """DNS rebinding: the name looked public when checked and led inside when connected."""
    from tillit.knowledge.connectors.web_fetch import WebFailure, refuse_internal_peer

    before = len(hits(site))
    hooks = {"response": [refuse_internal_peer]}
    with httpx.Client(event_hooks=hooks) as client, pytest.raises(WebFailure, match="intern"):
        client.get(f"{site}/robots.txt")
    assert len(hits(site)) == before + 1  # the request reached it; its answer was not used


def _endless_robots_server(total: int) -> tuple[str, dict[str, int], threading.Thread]:
    """A site whose robots.txt never ends (up to ``total`` bytes): counts what it sent."""
    server = socket.create_server(("127.0.0.1", 0))
    sent = {"bytes": 0}

    def serve() -> None:
        with server:
            connection, _ = server.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n")
                line = b"Disallow: /" + b"x" * 1000 + b"\n"
                try:
                    while sent["bytes"] < total:
                        connection.sendall(line * 64)
                        sent["bytes"] += len(line) * 64
                except OSError:  # the crawler hung up: what it wanted, it has
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.getsockname()[1]}/", sent, thread


def test_an_endless_robots_txt_is_not_read_to_its_end() -> None:
    """robots.txt was read whole into memory before it was cut: a site that never ends it
    held the ingest job (and the server's memory) for as long as it kept sending."""
    url, sent, thread = _endless_robots_server(200 * 2**20)
    connector = WebConnector(url, delay_s=0, timeout_s=1)
    with pytest.raises(SourceUnavailable):
        list(connector.documents())  # the start page is the same endless answer
    thread.join(10)
    assert sent["bytes"] < 50 * 2**20, sent


def test_an_endless_json_answer_is_refused_before_it_fills_the_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The JSON source read the whole answer before it checked the size."""
    from tillit.knowledge.connectors import rest

    monkeypatch.setattr(rest, "MAX_RESPONSE_BYTES", 2**20)
    url, sent, thread = _endless_robots_server(200 * 2**20)
    with pytest.raises(SourceUnavailable, match="för stort"):
        list(RestConnector(url).documents())
    thread.join(10)
    assert sent["bytes"] < 50 * 2**20, sent
