"""OpenID Connect login per tenant (e.g. Microsoft Entra ID): configuration, the authorization
redirect (PKCE S256, state, nonce) and the callback (code exchange, ID-token validation, user
provisioning). Tokens, codes and secrets are never logged, stored or put in error messages.

The login flow's state, nonce and PKCE verifier travel in a short-lived cookie encrypted and
authenticated with the installation's Fernet key (``platform.box``), so a web process needs no
server-side flow store and any process behind a load balancer can finish the login."""

from __future__ import annotations

import json
import re
import secrets
import time
import warnings
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

with warnings.catch_warnings():  # Authlib's notice about its httpx2 migration; ours works as is
    warnings.simplefilter("ignore")
    from authlib.integrations.base_client.errors import OAuthError
    from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.orm import Session

from tillit.auth.roles import validate_roles
from tillit.auth.secretbox import SecretBox
from tillit.auth.service import get_tenant
from tillit.auth.tables import OidcProvider, Tenant, User
from tillit.db.base import utcnow
from tillit.errors import InvalidInput, NotAuthenticated, NotFound, TillitError

DEFAULT_SCOPES = "openid email profile"
DEFAULT_DISPLAY_NAME = "Logga in med organisationskonto"
CALLBACK_PATH = "/auth/oidc/callback"
FLOW_COOKIE = "tillit_oidc_flow"
FLOW_TTL_S = 600
METADATA_TTL_S = 300
HTTP_TIMEOUT_S = 10.0
LEEWAY_S = 60
SIGNING_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
DESCRIBED = ("issuer", "client_id", "scopes", "default_roles", "display_name", "enabled")
EXPIRED = "inloggningen har gått ut eller startades i en annan webbläsare"

_metadata_cache: dict[str, tuple[float, Any]] = {}


def failed(reason: str) -> NotAuthenticated:
    return NotAuthenticated(
        f"Inloggningen med organisationskonto misslyckades: {reason}. "
        "Försök igen, eller kontakta din administratör om felet kvarstår.",
        code="oidc_failed",
    )


# --- configuration -------------------------------------------------------------------------


def is_secure_url(url: str) -> bool:
    """https, or http only to this machine (development and tests)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    local_http = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS
    return bool(parts.hostname) and (parts.scheme == "https" or local_http)


def validate_issuer(issuer: str) -> str:
    issuer = issuer.strip()
    parts = urlsplit(issuer) if is_secure_url(issuer) else None
    if parts is None or parts.query or parts.fragment:
        raise InvalidInput(
            "Utfärdaren (issuer) måste vara en https-adress utan frågedel; "
            "http tillåts bara för localhost och 127.0.0.1.",
            code="invalid_issuer",
        )
    return issuer


def _provider(db: Session, tenant_id: int) -> OidcProvider | None:
    return db.scalar(select(OidcProvider).where(OidcProvider.tenant_id == tenant_id))


def _scopes(scopes: str) -> str:
    words = list(dict.fromkeys(scopes.split()))
    return " ".join(words if "openid" in words else ["openid", *words])


def configure_oidc(
    db: Session,
    tenant: Tenant,
    issuer: str,
    client_id: str,
    client_secret: str | None,
    box: SecretBox,
    scopes: str = DEFAULT_SCOPES,
    default_roles: list[str] | None = None,
    display_name: str | None = None,
) -> OidcProvider:
    """Create or replace the tenant's provider and enable it. ``client_secret``: None keeps the
    stored one, "" removes it (a public client, PKCE only)."""
    issuer = validate_issuer(issuer)
    if not client_id.strip():
        raise InvalidInput("Klient-id (client_id) saknas.", code="invalid_client_id")
    provider = _provider(db, tenant.id)
    if provider is None:
        provider = OidcProvider(tenant_id=tenant.id, display_name=DEFAULT_DISPLAY_NAME)
        db.add(provider)
    provider.issuer = issuer
    provider.client_id = client_id.strip()
    if client_secret is not None:
        provider.client_secret_enc = box.encrypt(client_secret) if client_secret else None
    provider.scopes = _scopes(scopes)
    provider.default_roles = validate_roles(default_roles) if default_roles else []
    provider.display_name = (display_name or "").strip() or provider.display_name
    provider.enabled = True
    db.flush()
    return provider


def get_oidc(db: Session, tenant_slug: str) -> OidcProvider:
    provider = _provider(db, get_tenant(db, tenant_slug).id)
    if provider is None:
        raise NotFound(
            f"Ingen inloggning med organisationskonto är konfigurerad för '{tenant_slug}'.",
            code="oidc_not_configured",
        )
    return provider


def disable_oidc(db: Session, tenant_slug: str) -> OidcProvider:
    provider = get_oidc(db, tenant_slug)
    provider.enabled = False
    return provider


def describe(provider: OidcProvider, tenant_slug: str) -> dict[str, Any]:
    """The configuration without the secret (only whether one is stored)."""
    shown = {name: getattr(provider, name) for name in DESCRIBED}
    return {"tenant": tenant_slug, **shown, "has_client_secret": bool(provider.client_secret_enc)}


def enabled_providers(db: Session) -> list[tuple[str, str]]:
    """(tenant slug, button text) for every tenant with enabled OIDC login, for /login."""
    rows = db.execute(
        select(Tenant.slug, OidcProvider.display_name)
        .join(Tenant, Tenant.id == OidcProvider.tenant_id)
        .where(OidcProvider.enabled.is_(True))
        .order_by(Tenant.slug)
    )
    return [(slug, name) for slug, name in rows]


# --- the login flow ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderConfig:
    """A detached snapshot for the network steps (no database session is held meanwhile)."""

    tenant_id: int
    tenant_slug: str
    issuer: str
    client_id: str
    client_secret: str | None
    scopes: str
    default_roles: list[str]


@dataclass(frozen=True)
class LoginFlow:
    tenant: str
    state: str
    nonce: str
    verifier: str
    next_path: str
    expires: float


def login_config(db: Session, tenant_slug: str, box: SecretBox) -> ProviderConfig:
    tenant = get_tenant(db, tenant_slug)
    provider = _provider(db, tenant.id)
    if provider is None or not provider.enabled:
        raise NotFound(
            f"Inloggning med organisationskonto är inte aktiverad för '{tenant_slug}'.",
            code="oidc_not_configured",
        )
    secret = box.decrypt(provider.client_secret_enc) if provider.client_secret_enc else None
    return ProviderConfig(
        tenant.id,
        tenant.slug,
        provider.issuer,
        provider.client_id,
        secret,
        provider.scopes,
        list(provider.default_roles or []),
    )


async def _get_json(url: str, refresh: bool = False) -> dict[str, Any]:
    cached = _metadata_cache.get(url)
    if cached and cached[0] > time.monotonic() and not refresh:
        return cached[1]
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S) as http:
            response = await http.get(url, headers={"accept": "application/json"})
            response.raise_for_status()
            document = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise failed("identitetsleverantören kunde inte nås eller svarade fel") from exc
    if not isinstance(document, dict):
        raise failed("identitetsleverantören svarade med ogiltig metadata")
    _metadata_cache[url] = (time.monotonic() + METADATA_TTL_S, document)
    return document


async def discover(issuer: str) -> dict[str, Any]:
    """The provider's discovery document, cached briefly and checked."""
    metadata = await _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    if metadata.get("issuer") != issuer:
        raise failed("identitetsleverantörens metadata anger en annan utfärdare (issuer)")
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = metadata.get(name)
        if not isinstance(value, str) or not is_secure_url(value):
            raise failed(f"identitetsleverantörens metadata saknar en säker {name}")
    return metadata


def _client(
    config: ProviderConfig, metadata: dict[str, Any], redirect_uri: str
) -> AsyncOAuth2Client:
    supported = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    method = "client_secret_basic"
    if not config.client_secret:
        method = "none"
    elif "client_secret_basic" not in supported and "client_secret_post" in supported:
        method = "client_secret_post"
    return AsyncOAuth2Client(
        client_id=config.client_id,
        client_secret=config.client_secret,
        token_endpoint_auth_method=method,
        scope=config.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=HTTP_TIMEOUT_S,
    )


async def start_login(
    config: ProviderConfig, redirect_uri: str, next_path: str, box: SecretBox
) -> tuple[str, str]:
    """(the IdP authorization URL, the encrypted flow cookie). ``next_path`` must be safe."""
    metadata = await discover(config.issuer)
    flow = LoginFlow(
        tenant=config.tenant_slug,
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(64),
        next_path=next_path,
        expires=time.time() + FLOW_TTL_S,
    )
    async with _client(config, metadata, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"],
            state=flow.state,
            code_verifier=flow.verifier,
            nonce=flow.nonce,
        )
    return url, box.encrypt(json.dumps(asdict(flow)))


def read_flow(box: SecretBox, cookie: str | None, state: str | None) -> LoginFlow:
    """The flow started in this browser; refused if missing, tampered, expired or not ours."""
    if not cookie or not state:
        raise failed(EXPIRED)
    try:
        flow = LoginFlow(**json.loads(box.decrypt(cookie)))
    except (TillitError, ValueError, TypeError):
        raise failed(EXPIRED) from None
    if flow.expires < time.time() or not secrets.compare_digest(
        flow.state.encode(), state.encode()
    ):
        raise failed(EXPIRED)
    return flow


async def finish_login(
    config: ProviderConfig, flow: LoginFlow, code: str, redirect_uri: str
) -> dict[str, Any]:
    """Exchange the code (with the PKCE verifier) and return the validated ID-token claims."""
    metadata = await discover(config.issuer)
    async with _client(config, metadata, redirect_uri) as client:
        try:
            token = await client.fetch_token(
                metadata["token_endpoint"], code=code, code_verifier=flow.verifier
            )
        except (OAuthError, httpx.HTTPError, ValueError) as exc:
            raise failed("koden kunde inte växlas mot en token") from exc
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise failed("identitetsleverantören skickade ingen ID-token")
    return await validate_id_token(id_token, config, metadata, flow.nonce)


async def _decode(id_token: str, metadata: dict[str, Any], refresh: bool) -> jwt.Token:
    offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [alg for alg in offered if alg in SIGNING_ALGS]
    try:
        keys = KeySet.import_key_set(await _get_json(metadata["jwks_uri"], refresh))
        return jwt.decode(id_token, keys, algorithms=algorithms)
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise failed("ID-token har ogiltig signatur") from exc


async def validate_id_token(
    id_token: str, config: ProviderConfig, metadata: dict[str, Any], nonce: str
) -> dict[str, Any]:
    """Signature (JWKS, refetched once for key rotation), iss, aud, exp, iat, sub and nonce."""
    try:
        token = await _decode(id_token, metadata, refresh=False)
    except NotAuthenticated:
        token = await _decode(id_token, metadata, refresh=True)
    claims = token.claims
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_S,
        iss={"essential": True, "value": metadata["issuer"]},
        aud={"essential": True, "value": config.client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError as exc:
        raise failed("ID-token har gått ut (kontrollera klockan på servern)") from exc
    except JoseError as exc:
        raise failed(f"ID-token godkändes inte ({exc.description})") from exc
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != config.client_id:
        raise failed("ID-token godkändes inte (azp)")
    return claims


# --- users ---------------------------------------------------------------------------------


def _claim(claims: dict[str, Any], name: str, limit: int) -> str | None:
    value = claims.get(name)
    return (value.strip()[:limit] or None) if isinstance(value, str) else None


def _unique_username(db: Session, wanted: str) -> str:
    candidate, number = wanted, 1
    while db.scalar(select(User.id).where(User.username == candidate)) is not None:
        number += 1
        candidate = f"{wanted}-{number}"
    return candidate


def login_user(db: Session, config: ProviderConfig, claims: dict[str, Any]) -> tuple[User, bool]:
    """The tenant's user with this subject, created on first login. (user, created)."""
    subject = str(claims["sub"])
    user = db.scalar(
        select(User).where(User.tenant_id == config.tenant_id, User.oidc_subject == subject)
    )
    created = user is None
    if user is None:
        base = (
            _claim(claims, "preferred_username", 190)
            or _claim(claims, "email", 190)
            or f"oidc-{subject[:32]}"
        )
        base = re.sub(r"\s+", "", base.lower())
        user = User(
            tenant_id=config.tenant_id,
            username=_unique_username(db, base),
            display_name=_claim(claims, "name", 200) or base,
            email=_claim(claims, "email", 320),
            password_hash=None,
            roles=validate_roles(config.default_roles or ["viewer"]),
            oidc_subject=subject,
            active=True,
        )
        db.add(user)
    if not user.active:
        raise NotAuthenticated(
            "Kontot är avstängt. Kontakta din administratör.", code="oidc_failed"
        )
    user.last_login_at = utcnow()
    db.flush()
    return user, created
