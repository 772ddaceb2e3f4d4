"""Sending a case to a configured language model: the clearance rule and the Run.

Cases are K3. The text goes to the model as it is only when the model is cleared for K3 (own
hardware). A model cleared for K2 gets the text pseudonymised (names, identity numbers and
contact details replaced; the answer re-identified for the caseworker). Anything lower is refused
before a byte leaves. Every call is a Run with the policy and privacy decisions, counts only.
Used by the model-written summary (``model_summary.py``) and the model's labels
(``model_labels.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import anyio
from sqlalchemy import select

from tillit.auth.roles import Principal
from tillit.auth.secretbox import SecretBox
from tillit.catalog.service import resolve_by_name
from tillit.concern.case_audit import audit_case
from tillit.concern.cases import get_case, open_case, require_not_closed
from tillit.concern.language_models import require_allowed
from tillit.concern.register import read_analysis, write_analysis
from tillit.concern.tables import ConcernCase, ConcernPassage
from tillit.errors import InvalidInput, ModelUnavailable, PolicyViolation, TillitError
from tillit.governance.service import NotServable
from tillit.platform import Platform
from tillit.policy import SecurityClass
from tillit.privacy.policy import PrivacyStep, class_after_pseudonymisation
from tillit.providers.registry import chat_once
from tillit.runs.service import hash_input, new_run_id
from tillit.runs.tables import Run

CASE_CLASS = SecurityClass.K3


@dataclass(frozen=True)
class CaseCall:
    """What one call sends: the run's kind, the prompt version, the system text, and how to
    write the user message from the case's passages ``(text, labels)``."""

    kind: str
    prompt_version: str
    system: str
    prompt: Callable[[list[tuple[str, list[str]]]], str]
    temperature: float = 0.1


def ask_case_model(
    platform: Platform,
    principal: Principal,
    case_number: str,
    model_name: str,
    call: CaseCall,
    store: Callable[[str, Run], dict[str, Any]],
) -> dict[str, Any]:
    """Ask ``model_name`` about the case; ``store(answer, run)`` keeps the result. The Run is
    saved whatever happens (refused, failed or answered)."""
    principal.require("cases:write")
    with platform.session() as db:  # before any Run: a closed or unknown case asks no model
        case = get_case(db, principal.tenant_id, case_number)
        require_not_closed(case)
        if case.text_enc is None:  # erased by retention ('inleds_ej' is not locked)
            raise InvalidInput("Ärendets innehåll är gallrat.", code="case_purged")
    with recording(platform, new_run(principal, call)) as run:
        with platform.session() as db:
            require_service_allows(db, principal.tenant_id, model_name, run)
            case = open_case(db, principal, case_number)
            text = platform.box.decrypt(case.text_enc) if case.text_enc else ""
            passages = case_passages_for_prompt(db, case.id, text)
        run.input_hash = hash_input(text)
        return store(ask_model(platform, principal, model_name, call, passages, run), run)


def require_service_allows(db: Any, tenant_id: int, model_name: str, run: Run) -> None:
    """The governed service (``governance.py``) must be in use and list the model
    (``language_models.py``); a refusal is recorded on the Run before any case is read."""
    from tillit.concern.governance import refuse_if_retired, service_state

    run.model_name = model_name
    run.policy = {"service_state": service_state(db, tenant_id)}
    try:
        refuse_if_retired(db, tenant_id)
        require_allowed(db, tenant_id, model_name)
    except (NotServable, PolicyViolation) as refused:
        run.policy |= {"decision": "refused", "reason": refused.code}
        raise


def new_run(principal: Principal, call: CaseCall) -> Run:
    return Run(
        id=new_run_id(),
        tenant_id=principal.tenant_id,
        kind=call.kind,
        app="orosanmalan",
        caller_type=principal.kind,
        caller_id=str(principal.id or principal.name),
        security_class=CASE_CLASS.value,
        prompt_template_version=call.prompt_version,
        status="ok",
    )


@contextmanager
def recording(platform: Platform, run: Run) -> Iterator[Run]:
    """Times the work and saves the Run at the end, with the error if one was raised."""
    started = time.perf_counter()
    try:
        yield run
    except TillitError as exc:
        run.status = "refused" if isinstance(exc, PolicyViolation | NotServable) else "error"
        run.error_code, run.error_message = exc.code, exc.message
        raise
    except Exception:  # a bug or a cancelled call: never recorded as a success
        run.status, run.error_code = "error", "internal_error"
        raise
    finally:
        run.latency_ms = round((time.perf_counter() - started) * 1000, 3)
        with platform.session() as db:
            db.add(run)


def ask_model(
    platform: Platform,
    principal: Principal,
    model_name: str,
    call: CaseCall,
    passages: list[tuple[str, list[str]]],
    run: Run,
) -> str:
    """The model's answer about K3 passages, under the clearance rule (``case_policy``)."""
    with platform.session() as db:
        model = resolve_by_name(db, principal.tenant_id, model_name)
        run.model_id, run.model_name, run.model_version = model.id, model.name, model.version
        run.provider, run.remote_model = model.provider, model.remote_model
        if not model.enabled or "chat" not in model.capabilities:
            raise ModelUnavailable(f"Modellen '{model.name}' kan inte skriva text.")
        privacy = case_policy(model.name, SecurityClass(model.max_class), run)
        spec = platform.provider_spec(model)
    messages = [
        {"role": "system", "content": call.system},  # may hold examples from other reports
        {"role": "user", "content": call.prompt(passages)},
    ]
    if privacy is not None:
        messages = privacy.mask_messages(messages)
    body = {"model": spec.remote_model, "temperature": call.temperature, "messages": messages}
    response = anyio.run(chat_once, model.provider, spec, body)
    answer = str(((response.get("choices") or [{}])[0].get("message") or {}).get("content") or "")
    if privacy is not None:
        answer = privacy.unmask(answer)
        run.privacy = privacy.record()
    return answer


def keep_on_case(
    db: Any,
    box: SecretBox,
    principal: Principal,
    case: ConcernCase,
    key: str,
    result: dict[str, Any],
    run: Run,
) -> None:
    """A model's result kept on the case (``analysis[key]``, encrypted) and audited as
    ``concern.case.<key>``. The view itself was audited when the case's text was read."""
    require_not_closed(case)  # closed while the model was answering
    write_analysis(box, case, {**read_analysis(box, case), key: result})
    audit_case(
        db,
        principal,
        f"concern.case.{key}",
        case.case_number,
        {"run_id": run.id, "decision": run.policy.get("decision")},
    )


def case_policy(model_name: str, model_max: SecurityClass, run: Run) -> PrivacyStep | None:
    """None: the text may go as it is; a PrivacyStep: pseudonymise it; else refused."""
    if model_max.level >= CASE_CLASS.level:
        _decided(run, "allowed", model_max)
        return None
    if class_after_pseudonymisation(CASE_CLASS).level <= model_max.level:
        _decided(run, "pseudonymised", model_max)
        return PrivacyStep()
    _decided(run, "refused", model_max)
    raise PolicyViolation(
        f"Ärenden är K3, och modellen '{model_name}' är godkänd för högst {model_max.value}; "
        "inte ens pseudonymiserad text får skickas dit.",
        code="security_class_exceeded",
    )


def _decided(run: Run, decision: str, model_max: SecurityClass) -> None:
    policy = {"decision": decision, "call_class": CASE_CLASS.value, "model_class": model_max.value}
    run.policy = {**(run.policy or {}), **policy}


def case_passages_for_prompt(db: Any, case_id: int, text: str) -> list[tuple[str, list[str]]]:
    """The case's passages in order with the labels that hold now (the review, else the
    suggestion); the whole text as one passage before any analysis."""
    statement = select(ConcernPassage).where(ConcernPassage.case_id == case_id)
    rows = db.scalars(statement.order_by(ConcernPassage.position))
    passages = [(text[p.start : p.end], p.reviewed if p.reviewed is not None else p.suggested)
                for p in rows]  # fmt: skip
    return passages or [(text, [])]
