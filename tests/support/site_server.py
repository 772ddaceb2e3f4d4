"""A small municipal web site (and JSON API) for crawler and REST connector tests, served by a
real HTTP server process. It records every request so tests can check what was fetched.

Traps: robots.txt disallows /hemligt; /loop-a ↔ /loop-b redirect forever; /kedja/N redirects
eight times; /kalender?month=N links to month N+1 forever; /saknas is a 404; /stor is 3 MB;
/tom has no text; /langsam answers after 3 s; /annan-doman redirects to another host
("localhost"); requests for host "localhost" are redirected to 127.0.0.1 (a site that moved).

API: /api/items?page=1..3 (``next`` links), /api/trasig fails on its second page.

Run: ``python -m tests.support.site_server PORT``
"""

from __future__ import annotations

import asyncio
import sys
import time

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.knowledge.fixtures import pdf_bytes

HITS: list[dict[str, object]] = []


def page(title: str, body: str, head: str = "") -> str:
    return (
        f'<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>{title} – Exempel '
        f"kommun</title>{head}</head><body><header><a href='/'>Exempel kommun</a></header>"
        "<nav><ul><li><a href='/'>Start</a></li><li><a href='/bygga-bo/bygglov'>Bygglov</a>"
        f"</li></ul></nav><main>{body}</main><footer>Kontakt: 010-123 45 67</footer>"
        "<script>var tracking = 1;</script></body></html>"
    )


START = page(
    "Start",
    """<h1>Välkommen till Exempel kommun</h1>
    <p>Här hittar du information om kommunens service till invånare och företag.</p>
    <ul>
      <li><a href="/bygga-bo/bygglov?utm_source=nyhetsbrev#ansokan">Bygglov</a></li>
      <li><a href="/hemligt/sida">Internt</a></li>
      <li><a href="/loop-a">Slinga</a></li>
      <li><a href="/kedja/0">Kedja</a></li>
      <li><a href="/kalender?month=1">Kalender</a></li>
      <li><a href="/saknas">Borttagen sida</a></li>
      <li><a href="/stor">Stor sida</a></li>
      <li><a href="/tom">Tom sida</a></li>
      <li><a href="/langsam">Långsam sida</a></li>
      <li><a href="/annan-doman">Flyttad sida</a></li>
      <li><a href="/index.html">Startsidan igen</a></li>
      <li><a href="/noindex">Ej indexerad</a></li>
      <li><a href="/djup/1">Djup</a></li>
      <li><a href="/dokument/taxa.pdf">Taxa (PDF)</a></li>
      <li><a href="/bild.jpg">Karta</a></li>
      <li><a href="https://extern.example.org/">Extern</a></li>
      <li><a href="mailto:kommun@example.org">E-post</a></li>
    </ul>""",
)
BYGGLOV = page(
    "Bygglov",
    """<h1>Bygglov</h1><p>Du behöver bygglov för att bygga nytt eller bygga till.</p>
    <h2>Så ansöker du</h2><ol><li>Fyll i blanketten.</li><li>Bifoga ritningar.</li></ol>
    <h2>Avgifter</h2><table><tr><th>Åtgärd</th><th>Avgift</th></tr>
    <tr><td>Enbostadshus</td><td>25 000 kr</td></tr></table>""",
)


async def start(_request: Request) -> Response:
    return Response(START, media_type="text/html")


async def bygglov(_request: Request) -> Response:
    headers = {"Last-Modified": "Tue, 04 Mar 2025 10:00:00 GMT"}
    return Response(BYGGLOV, media_type="text/html", headers=headers)


async def robots(request: Request) -> Response:
    base = str(request.base_url).rstrip("/")
    text = f"User-agent: *\nDisallow: /hemligt\n\nSitemap: {base}/sitemap.xml\n"
    return PlainTextResponse(text)


async def sitemap(request: Request) -> Response:
    base = str(request.base_url).rstrip("/")
    urls = "".join(
        f"<url><loc>{base}{path}</loc><lastmod>2025-01-15</lastmod></url>"
        for path in ("/", "/fran-sitemap", "/bygga-bo/bygglov")
    )
    namespace = "http://www.sitemaps.org/schemas/sitemap/0.9"
    xml = f'<?xml version="1.0"?><urlset xmlns="{namespace}">{urls}</urlset>'
    return Response(xml, media_type="application/xml")


async def simple(request: Request) -> Response:
    name = request.path_params.get("name", request.url.path)
    return Response(
        page(name, f"<h1>{name}</h1><p>Sidan {name} har innehåll.</p>"), media_type="text/html"
    )


async def deep(request: Request) -> Response:
    level = int(request.path_params["level"])
    body = f"<h1>Nivå {level}</h1><p>Djup nivå {level}.</p><a href='/djup/{level + 1}'>Djupare</a>"
    return Response(page(f"Nivå {level}", body), media_type="text/html")


async def loop(request: Request) -> Response:
    target = "/loop-b" if request.url.path == "/loop-a" else "/loop-a"
    return RedirectResponse(target, status_code=302)


async def chain(request: Request) -> Response:
    step = int(request.path_params["step"])
    return RedirectResponse(f"/kedja/{step + 1}", status_code=301)


async def calendar(request: Request) -> Response:
    month = int(request.query_params.get("month", "1"))
    link = f"<a href='/kalender?month={month + 1}'>Nästa</a>"
    body = f"<h1>Kalender</h1><p>Evenemang i månad {month}.</p>{link}"
    return Response(page("Kalender", body), media_type="text/html")


async def huge(_request: Request) -> Response:
    body = "<p>" + "Mycket text. " * 250_000 + "</p>"
    return Response(page("Stor", body), media_type="text/html")


async def empty(_request: Request) -> Response:
    return Response(page("Tom", "<script>render()</script>"), media_type="text/html")


async def slow(_request: Request) -> Response:
    await asyncio.sleep(3)
    return Response(page("Långsam", "<p>Äntligen.</p>"), media_type="text/html")


async def other_host(request: Request) -> Response:
    port = request.url.port
    return RedirectResponse(f"http://localhost:{port}/bygga-bo/bygglov", status_code=302)


async def noindex(_request: Request) -> Response:
    head = '<meta name="robots" content="noindex">'
    return Response(page("Ej indexerad", "<p>Hemlig men öppen.</p>", head), media_type="text/html")


async def taxa_pdf(_request: Request) -> Response:
    data = pdf_bytes(["Taxa för bygglov 2025", "Avgiften för ett enbostadshus är 25 000 kr."])
    return Response(data, media_type="application/pdf")


async def image(_request: Request) -> Response:
    return Response(b"\x89PNG\r\n", media_type="image/png")


def _items(page_number: int) -> list[dict[str, object]]:
    if page_number == 3:
        return [
            {"id": 5, "title": "HTML-post", "body": "<h2>Rubrik</h2><p>Text i <b>HTML</b>.</p>"},
            {"title": "Saknar id", "text": "Ingen nyckel."},
            {"id": 1, "title": "Dubblett", "text": "Samma id igen."},
            {"id": 6, "title": "Tom", "text": "   "},
        ]
    first = (page_number - 1) * 2 + 1
    return [
        {
            "id": n,
            "title": f"Fråga {n}",
            "text": f"Svar nummer {n}.\n\nMer information om ärende {n}.",
            "link": f"https://kommun.example/faq/{n}",
            "meta": {"updated": f"2025-0{n}-01", "owner": "Kontaktcenter"},
        }
        for n in (first, first + 1)
    ]


async def api_items(request: Request) -> Response:
    number = int(request.query_params.get("page", "1"))
    following = f"/api/items?page={number + 1}" if number < 3 else None
    return JSONResponse({"items": _items(number), "next": following})


async def api_broken(request: Request) -> Response:
    if request.query_params.get("page") == "2":
        return JSONResponse({"error": "boom"}, status_code=500)
    return JSONResponse({"items": _items(1), "next": "/api/trasig?page=2"})


async def hits(_request: Request) -> Response:
    return JSONResponse(HITS)


async def record(request: Request, call_next):  # type: ignore[no-untyped-def]
    if request.url.path != "/__hits":
        HITS.append(
            {
                "path": request.url.path,
                "query": request.url.query,
                "host": request.url.hostname,
                "t": time.monotonic(),
            }
        )
    if request.url.hostname == "localhost":
        target = str(request.url).replace("://localhost", "://127.0.0.1", 1)
        return RedirectResponse(target, status_code=301)
    return await call_next(request)


def make_app() -> Starlette:
    routes = [
        Route("/", start),
        Route("/index.html", start),
        Route("/bygga-bo/bygglov", bygglov),
        Route("/robots.txt", robots),
        Route("/sitemap.xml", sitemap),
        Route("/fran-sitemap", simple),
        Route("/hemligt/sida", simple),
        Route("/djup/{level:int}", deep),
        Route("/loop-a", loop),
        Route("/loop-b", loop),
        Route("/kedja/{step:int}", chain),
        Route("/kalender", calendar),
        Route("/stor", huge),
        Route("/tom", empty),
        Route("/langsam", slow),
        Route("/annan-doman", other_host),
        Route("/noindex", noindex),
        Route("/dokument/taxa.pdf", taxa_pdf),
        Route("/bild.jpg", image),
        Route("/api/items", api_items),
        Route("/api/trasig", api_broken),
        Route("/__hits", hits),
    ]
    return Starlette(routes=routes, middleware=[Middleware(BaseHTTPMiddleware, dispatch=record)])


app = make_app()

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
