"""A small but real OpenID Provider for tests, standing in for Microsoft Entra ID & co.

Discovery, JWKS (an RSA key generated at start), ``/authorize`` that consents at once for the
user named by ``login_hint`` and redirects back with a code and the state, and ``/token`` that
checks the client (client_secret_basic or client_secret_post), the code, the redirect_uri and
the PKCE code_verifier (S256) and returns an RS256-signed ID token.

Misbehaviour on demand, per login: ``/authorize?...&misbehave=NAME`` where NAME is one of
``wrong_nonce``, ``wrong_audience``, ``wrong_issuer``, ``expired``, ``bad_signature``.

Clients: env ``OIDC_TEST_CLIENTS`` as JSON {client_id: secret}; defaults below.

Run: ``python -m tests.support.oidc_provider PORT``
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import sys
import time
from typing import Any
from urllib.parse import unquote, urlencode

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

DEFAULT_CLIENTS = {"tillit-a": "hemlis-a", "tillit-b": "hemlis-b"}
MISBEHAVIOURS = {"wrong_nonce", "wrong_audience", "wrong_issuer", "expired", "bad_signature"}


def _new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


class Provider:
    def __init__(self, issuer: str, clients: dict[str, str]) -> None:
        self.issuer = issuer
        self.clients = clients
        self.key = _new_key("test-key-1")
        self.rogue_key = _new_key("test-key-1")  # same kid, not published
        self.codes: dict[str, dict[str, Any]] = {}

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "email", "profile"],
        }

    def id_token(self, grant: dict[str, Any]) -> str:
        hint, fault, now = grant["login_hint"], grant["misbehave"], int(time.time())
        claims = {
            "iss": "https://evil.example" if fault == "wrong_issuer" else self.issuer,
            "aud": "someone-else" if fault == "wrong_audience" else grant["client_id"],
            "sub": f"sub-{hint}",
            "iat": now - 3600 if fault == "expired" else now,
            "exp": now - 600 if fault == "expired" else now + 300,
            "nonce": "not-your-nonce" if fault == "wrong_nonce" else grant["nonce"],
            "email": f"{hint}@example.se",
            "preferred_username": f"{hint}@example.se",
            "name": hint.title(),
        }
        key = self.rogue_key if fault == "bad_signature" else self.key
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


def _error(redirect_uri: str, state: str | None, error: str) -> Response:
    query = urlencode({"error": error, **({"state": state} if state else {})})
    return RedirectResponse(f"{redirect_uri}?{query}", status_code=302)


def _authorize_problem(provider: Provider, params: Any) -> str | None:
    if params.get("client_id") not in provider.clients:
        return "unauthorized_client"
    if params.get("response_type") != "code":
        return "unsupported_response_type"
    if "openid" not in params.get("scope", "").split():
        return "invalid_scope"
    if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
        return "invalid_request"
    if params.get("misbehave", "") not in MISBEHAVIOURS | {""}:
        return "invalid_request"
    return None


async def authorize(request: Request) -> Response:
    provider: Provider = request.app.state.provider
    params = request.query_params
    redirect_uri = params.get("redirect_uri")
    if not redirect_uri:
        return PlainTextResponse("redirect_uri saknas", status_code=400)
    problem = _authorize_problem(provider, params)
    if problem or not params.get("login_hint"):
        return _error(redirect_uri, params.get("state"), problem or "login_required")
    code = secrets.token_urlsafe(24)
    provider.codes[code] = {
        "client_id": params["client_id"],
        "redirect_uri": redirect_uri,
        "challenge": params["code_challenge"],
        "nonce": params.get("nonce"),
        "login_hint": params["login_hint"],
        "misbehave": params.get("misbehave", ""),
        "expires": time.time() + 60,
    }
    query = urlencode({"code": code, "state": params.get("state", ""), "iss": provider.issuer})
    return RedirectResponse(f"{redirect_uri}?{query}", status_code=302)


def _client_credentials(request: Request, form: Any) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        decoded = base64.b64decode(header[6:]).decode()
        client_id, _, secret = decoded.partition(":")
        return unquote(client_id), unquote(secret)
    return form.get("client_id", ""), form.get("client_secret", "")


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _token_problem(grant: dict[str, Any] | None, form: Any, client: str) -> str:
    if grant is None or grant["expires"] < time.time():
        return "invalid_grant"
    if grant["client_id"] != client or form.get("redirect_uri") != grant["redirect_uri"]:
        return "invalid_grant"
    if _s256(form.get("code_verifier", "")) != grant["challenge"]:
        return "invalid_grant"
    return ""


async def token(request: Request) -> Response:
    provider: Provider = request.app.state.provider
    form = await request.form()
    client_id, secret = _client_credentials(request, form)
    if provider.clients.get(client_id) != secret or not secret:
        return JSONResponse({"error": "invalid_client"}, status_code=401)
    if form.get("grant_type") != "authorization_code":
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
    grant = provider.codes.pop(str(form.get("code", "")), None)  # one use only
    problem = _token_problem(grant, form, client_id)
    if problem or grant is None:
        return JSONResponse({"error": problem or "invalid_grant"}, status_code=400)
    return JSONResponse(
        {
            "access_token": secrets.token_urlsafe(24),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": provider.id_token(grant),
        },
        headers={"cache-control": "no-store"},
    )


async def discovery(request: Request) -> Response:
    return JSONResponse(request.app.state.provider.discovery())


async def jwks(request: Request) -> Response:
    return JSONResponse(KeySet([request.app.state.provider.key]).as_dict(private=False))


def make_app(issuer: str, clients: dict[str, str] | None = None) -> Starlette:
    app = Starlette(
        routes=[
            Route("/.well-known/openid-configuration", discovery),
            Route("/jwks", jwks),
            Route("/authorize", authorize),
            Route("/token", token, methods=["POST"]),
        ]
    )
    app.state.provider = Provider(issuer, clients or DEFAULT_CLIENTS)
    return app


if __name__ == "__main__":
    import uvicorn

    port = int(sys.argv[1])
    clients = json.loads(os.environ.get("OIDC_TEST_CLIENTS", "null"))
    uvicorn.run(
        make_app(f"http://127.0.0.1:{port}", clients),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )
