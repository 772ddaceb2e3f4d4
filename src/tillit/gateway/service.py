"""One gateway call: authenticate the key, resolve the model, apply policy, and record the Run
and audit event. Synchronous (database) work; the routes run it in a worker thread."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from tillit.audit.service import record as audit
from tillit.auth.keys import principal_for_secret
from tillit.auth.roles import Principal
from tillit.catalog.service import resolve_by_name
from tillit.catalog.tables import CatalogModel
from tillit.errors import InvalidInput, ModelUnavailable, PolicyViolation, TillitError
from tillit.platform import Platform
from tillit.policy import SecurityClass, check_class
from tillit.privacy.policy import (
    ALLOW_VALUES,
    PrivacyStep,
    class_after_pseudonymisation,
    unmaskable_fields,
)
from tillit.providers.base import Provider, usage_tokens
from tillit.runs.service import cost_of, hash_input, new_run_id
from tillit.runs.tables import Run

PARAM_KEYS = ("temperature", "top_p", "max_tokens", "max_completion_tokens", "seed", "n", "stop")


@dataclass
class Target:
    """A snapshot of the model row, usable outside the database session."""

    id: int
    name: str
    provider_type: str
    remote_model: str
    version: str | None
    max_class: str
    price_in: float | None
    price_out: float | None


@dataclass
class Call:
    run_id: str
    kind: str
    principal: Principal | None = None
    target: Target | None = None
    call_class: str | None = None
    stream: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    input_hash: str | None = None
    started: float = field(default_factory=time.perf_counter)
    provider: Provider | None = None
    privacy: PrivacyStep | None = None
    limiter: Any = None  # the web layer's thread limiter for this call's database work


def authorize(
    platform: Platform,
    secret: str,
    model_name: str,
    class_header: str | None,
    kind: str,
    body: dict[str, Any],
    privacy_header: str | None = None,
) -> Call:
    call = Call(run_id=new_run_id(), kind=kind, stream=bool(body.get("stream")))
    call.params = {k: body[k] for k in PARAM_KEYS if k in body}
    call.input_hash = hash_input(body.get("messages") if kind == "chat" else body.get("input"))
    try:
        with platform.session() as db:  # one transaction: key, model and policy together
            call.principal = principal_for_secret(db, secret)
            model = _check_call(db, call, model_name, class_header, privacy_header, body)
            call.target = _snapshot(model)
            call.provider = platform.provider_for(
                model.id, model.provider, platform.provider_spec(model)
            )
    except TillitError as exc:
        finish(platform, call, error=exc)
        raise
    return call


def _check_call(
    db: Session,
    call: Call,
    model_name: str,
    class_header: str | None,
    privacy: str | None,
    body: dict[str, Any],
) -> CatalogModel:
    assert call.principal is not None
    header_class = class_header.strip() if class_header else None
    klass = SecurityClass.parse(
        header_class or call.principal.default_class, field="X-Tillit-Security-Class"
    )
    call.call_class = klass.value
    model = resolve_by_name(db, call.principal.tenant_id, model_name)
    call.target = _snapshot(model)
    if not model.enabled:
        raise ModelUnavailable(f"Modellen '{model.name}' är avstängd.", code="model_disabled")
    capability = "chat" if call.kind == "chat" else "embeddings"
    if capability not in model.capabilities:
        raise InvalidInput(
            f"Modellen '{model.name}' stöder inte {capability}.", code="capability_not_supported"
        )
    try:
        check_class(klass, model.name, SecurityClass(model.max_class))
    except PolicyViolation:
        if not _may_pseudonymise(call, privacy, klass, SecurityClass(model.max_class), body):
            raise
        call.privacy = PrivacyStep()
    return model


def _may_pseudonymise(
    call: Call,
    header: str | None,
    klass: SecurityClass,
    model_max: SecurityClass,
    body: dict[str, Any],
) -> bool:
    """The caller allowed it, it is a chat call, one class lower is enough, and the body holds
    nothing the masking cannot cover (checked only here, off the ordinary call's path)."""
    if (header or "").strip().lower() not in ALLOW_VALUES or call.kind != "chat":
        return False
    if call.stream:
        raise InvalidInput(
            "Pseudonymisering kan inte kombineras med strömmade svar ännu; använd stream=false.",
            code="pseudonymise_stream_unsupported",
        )
    if class_after_pseudonymisation(klass).level > model_max.level:
        return False
    unmaskable = unmaskable_fields(body)
    if unmaskable:
        raise InvalidInput(
            "Pseudonymiseringen kan bara maskera meddelandenas text, inte "
            f"{', '.join(unmaskable)}. Skicka anropet utan de fälten, eller till en modell "
            "som är godkänd för informationsklassen.",
            code="pseudonymise_unmaskable_field",
        )
    return True


def _snapshot(model: CatalogModel) -> Target:
    return Target(
        id=model.id,
        name=model.name,
        provider_type=model.provider,
        remote_model=model.remote_model,
        version=model.version,
        max_class=model.max_class,
        price_in=model.price_in_per_1k,
        price_out=model.price_out_per_1k,
    )


def finish(
    platform: Platform,
    call: Call,
    *,
    response: dict[str, Any] | None = None,
    error: TillitError | None = None,
    status: str | None = None,
    response_model: str | None = None,
) -> None:
    """Write the Run and its audit event in one transaction."""
    if call.principal is None:
        return
    status = status or _status_for(error)
    prompt_tokens, completion_tokens = usage_tokens(response)
    target = call.target
    run = Run(
        id=call.run_id,
        tenant_id=call.principal.tenant_id,
        kind=f"gateway.{call.kind}",
        caller_type=call.principal.kind,
        caller_id=str(call.principal.id),
        api_key_id=call.principal.id if call.principal.kind == "key" else None,
        model_id=target.id if target else None,
        model_name=target.name if target else None,
        model_version=target.version if target else None,
        remote_model=target.remote_model if target else None,
        response_model=response_model or (response or {}).get("model"),
        provider=target.provider_type if target else None,
        security_class=call.call_class,
        stream=call.stream,
        status=status,
        error_code=error.code if error else None,
        error_message=error.message[:500] if error else None,
        input_hash=call.input_hash,
        params=call.params,
        policy=_policy_record(call, error),
        privacy=call.privacy.record() if call.privacy else {},
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cost=cost_of(prompt_tokens, completion_tokens, *_prices(target)),
        latency_ms=round((time.perf_counter() - call.started) * 1000, 3),
    )
    with platform.session() as db:
        db.add(run)
        audit(
            db,
            call.principal,
            f"gateway.{call.kind}",
            object_type="run",
            object_id=call.run_id,
            outcome={"ok": "ok", "refused": "denied"}.get(status, "error"),
            detail={
                "model": run.model_name,
                "class": call.call_class,
                "status": status,
                "error_code": run.error_code,
            },
        )


def _status_for(error: TillitError | None) -> str:
    if error is None:
        return "ok"
    return "refused" if isinstance(error, PolicyViolation) else "error"


def _policy_record(call: Call, error: TillitError | None) -> dict[str, Any]:
    decision = "refused" if isinstance(error, PolicyViolation) else "allowed"
    if call.privacy is not None and error is None:
        decision = "pseudonymised"
    if error is not None and not isinstance(error, PolicyViolation) and call.target is None:
        decision = "not_evaluated"
    return {
        "decision": decision,
        "call_class": call.call_class,
        "model_max_class": call.target.max_class if call.target else None,
        "reason": error.code if isinstance(error, PolicyViolation) else None,
    }


def _prices(target: Target | None) -> tuple[float | None, float | None]:
    return (target.price_in, target.price_out) if target else (None, None)
