"""create_app(settings): the whole web surface. Importing this module has no side effects."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from tillit import __version__
from tillit.config import Settings
from tillit.knowledge.documents import is_web_address
from tillit.platform import Platform
from tillit.policy import CLASS_LABELS_SV
from tillit.swedish_time import in_sweden
from tillit.web.api_docs import install_api_docs
from tillit.web.deps import LoginRequired, refuse_unpaired_surrogates
from tillit.web.errors import install_error_handlers
from tillit.web.middleware import BodySizeLimit

WEB_DIR = Path(__file__).parent
GATEWAY_DB_THREADS = 4


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=WEB_DIR / "templates")
    templates.env.globals.update(version=__version__, class_labels=CLASS_LABELS_SV)
    templates.env.filters["swedish_time"] = swedish_time
    templates.env.filters["capabilities_sv"] = capabilities_sv
    templates.env.filters["decimal_sv"] = decimal_sv
    templates.env.filters["cite_links"] = cite_links
    templates.env.filters["actor"] = actor_sv
    templates.env.tests["web_address"] = is_web_address  # {% if d.source is web_address %}
    return templates


def actor_sv(actor: str | None) -> str:
    """Who did something, as a person reads it: 'user:anna' is anna, the CLI is named."""
    kind, _, name = (actor or "").partition(":")
    if kind == "system":
        return "systemet (kommandoraden)"
    if kind == "key":
        return f"API-nyckeln {name}"
    return name if kind in ("user", "public") and name else actor or ""


_CITATION = re.compile(r"\[(\d{1,2})\]")


def cite_links(text: str, sources: int) -> Markup:
    """An answer's [1], [2] … as links to the sources listed under it (#kalla-n); the text
    itself escaped, and a number with no such source left as written."""

    def link(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if not 1 <= number <= sources:
            return match.group(0)
        return f'<a href="#kalla-{number}" aria-label="källa {number}">[{number}]</a>'

    return Markup(_CITATION.sub(link, str(escape(text))))  # noqa: S704 - escaped; links: digits


CAPABILITIES_SV = {"chat": "chatt", "embeddings": "inbäddningar", "rerank": "omrankning"}


def capabilities_sv(capabilities: list[str]) -> str:
    return ", ".join(CAPABILITIES_SV.get(c, c) for c in capabilities)


def decimal_sv(value: float | None) -> str:
    """A number with a decimal comma (0,5), or a dash when there is none."""
    return "–" if value is None else f"{value:g}".replace(".", ",")


def swedish_time(value: str | datetime | None, seconds: bool = False) -> str:
    """A timestamp (ISO text or datetime; UTC when it has no offset) as Swedish local time,
    'YYYY-MM-DD HH:MM' (with ':SS' when ``seconds``)."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return in_sweden(moment).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def create_app(settings: Settings, platform: Platform | None = None) -> FastAPI:
    owned = platform is None
    platform = platform or Platform.open(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.gateway_db_limiter = anyio.CapacityLimiter(GATEWAY_DB_THREADS)
        _forget_unfinished_jobs(platform)
        yield
        if owned:
            await platform.aclose()
        else:
            await platform.providers.aclose()

    app = FastAPI(
        title="Tillit",
        version=__version__,
        description="Öppen AI-plattform för kommuner: modellkatalog, gateway, körningar, loggar.",
        lifespan=lifespan,
        docs_url=None,  # served by install_api_docs, without a CDN
        redoc_url=None,
        dependencies=[Depends(refuse_unpaired_surrogates)],
    )
    app.state.platform = platform
    app.state.templates = make_templates()
    install_error_handlers(app)
    _install_login_redirect(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    install_api_docs(app)  # before /static: its assets live under /static/api-docs
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    _include_routers(app)

    @app.get("/healthz", tags=["system"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app


def _forget_unfinished_jobs(platform: Platform) -> None:
    """Background jobs run inside a server process: those of a stopped one are over."""
    from tillit.knowledge.server_jobs import forget_unfinished

    forget_unfinished(platform)


def _include_routers(app: FastAPI) -> None:
    from tillit.apps import pages as apps_pages
    from tillit.apps import routes as apps_routes
    from tillit.audit import pages as audit_pages
    from tillit.audit import routes as audit_routes
    from tillit.auth import oidc_routes
    from tillit.auth import pages as auth_pages
    from tillit.auth import routes as auth_routes
    from tillit.catalog import pages as catalog_pages
    from tillit.catalog import routes as catalog_routes
    from tillit.concern import annotation_pages
    from tillit.concern import details_pages as concern_details_pages
    from tillit.concern import pages as concern_pages
    from tillit.concern import routes as concern_routes
    from tillit.concern.intake import form as concern_form
    from tillit.gateway import routes as gateway_routes
    from tillit.governance import pages as governance_pages
    from tillit.governance import routes as governance_routes
    from tillit.insyn import pages as insyn_pages
    from tillit.insyn import routes as insyn_routes
    from tillit.knowledge import pages as knowledge_pages
    from tillit.knowledge import routes as knowledge_routes
    from tillit.privacy import pages as privacy_pages
    from tillit.privacy import routes as privacy_routes
    from tillit.runs import routes as runs_routes

    for module in (
        gateway_routes,
        catalog_routes,
        auth_routes,
        oidc_routes,
        audit_routes,
        runs_routes,
        auth_pages,
        catalog_pages,
        audit_pages,
        knowledge_routes,
        knowledge_pages,
        privacy_routes,
        privacy_pages,
        apps_routes,
        apps_pages,
        concern_routes,
        concern_pages,
        concern_details_pages,
        concern_form,
        annotation_pages,
        governance_routes,
        governance_pages,
        insyn_routes,
        insyn_pages,
    ):
        app.include_router(module.router)


def _install_login_redirect(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired) -> RedirectResponse:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
