"""The analysis support for concern reports as a governed AI service.

Like an assistant, the tenant's passage classifier has one row in ``apps`` (kind ``concern``,
name ``orosanmalan``, the name its Runs carry), and through it a governance record, a lifecycle
with gates and sign-offs, and, when the record says ``in_register``, an entry in the public
register (``/insyn``). What the approval covers (``fingerprint``): the active classifier version,
the purpose, the audience (staff) and the information class (K3). A new version activated after
the production gate sends the service back to test.

The row is made the first time someone opens the service's governance (page, API or CLI), or
when a classifier version is activated. Before production the analysis still runs, and the case
page says that it is not approved (``service_notice``); a retired service analyses nothing
(``refuse_if_retired``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tillit.apps.tables import App
from tillit.catalog.tables import CatalogModel
from tillit.concern import language_models
from tillit.concern.models import active_version
from tillit.governance.fingerprint import model_part
from tillit.governance.lifecycle import STATE_LABELS_SV
from tillit.governance.service import NotServable, after_change, get_lifecycle
from tillit.runs.tables import Run

SERVICE_NAME = "orosanmalan"
SERVICE_KIND = "concern"
SERVICE_TITLE = "Analysstöd för orosanmälningar"
PURPOSE = (
    "Stöd för socialtjänstens handläggare vid förhandsbedömningen av orosanmälningar om barn. "
    "Verktyget markerar avsnitt i anmälan som kan beskriva våld eller allvarlig konflikt, efter "
    "typ, och visar tidigare anmälningar om samma barn. Handläggaren bedömer anmälan och fattar "
    "alla beslut; verktyget fattar inga beslut."
)


class ConcernServiceManifest(BaseModel):
    """What the service is; fixed by Tillit (the record carries what people write)."""

    model_config = ConfigDict(extra="forbid")

    name: str = SERVICE_NAME
    title: str = SERVICE_TITLE
    kind: Literal["concern"] = "concern"
    purpose: str = PURPOSE
    language: str = "sv"
    security_class: Literal["K3"] = "K3"
    audience: Literal["staff"] = "staff"
    language_models: list[str] = []  # may summarise or label a case (language_models.py)


def find_service(db: Session, tenant_id: int) -> App | None:
    query = select(App).where(App.tenant_id == tenant_id, App.kind == SERVICE_KIND)
    return db.scalar(query)


def ensure_service(db: Session, tenant_id: int) -> App:
    """The tenant's service row, made the first time (it starts as an idea)."""
    app = find_service(db, tenant_id)
    if app is not None:
        return app
    manifest = ConcernServiceManifest()
    app = App(
        tenant_id=tenant_id,
        name=_free_name(db, tenant_id),
        kind=SERVICE_KIND,
        manifest=manifest.model_dump(mode="json"),
    )
    db.add(app)
    db.flush()
    get_lifecycle(db, app)
    return app


def _free_name(db: Session, tenant_id: int) -> str:
    """``orosanmalan``, unless an assistant applied before this service existed took it."""
    taken = set(db.scalars(select(App.name).where(App.tenant_id == tenant_id)))
    number = 1
    name = SERVICE_NAME
    while name in taken:
        number += 1
        name = f"{SERVICE_NAME}-{number}"
    return name


def manifest_of(app: App) -> ConcernServiceManifest:
    return ConcernServiceManifest.model_validate(app.manifest)


def classifier_model(db: Session, tenant_id: int) -> CatalogModel | None:
    """The catalogue entry of the active classifier version."""
    version = active_version(db, tenant_id)
    return db.get(CatalogModel, version.catalog_model_id) if version else None


def live_fingerprint(db: Session, app: App, purpose_plain: str | None) -> dict[str, Any]:
    manifest = manifest_of(app)
    model = classifier_model(db, app.tenant_id)
    return {
        "classifier": model_part(model) if model else None,
        "purpose": [manifest.purpose, purpose_plain or ""],
        "audience": manifest.audience,
        "security_class": manifest.security_class,
        "language_models": language_models.fingerprint_part(db, app.tenant_id),
    }


def classifier_changed(db: Session, tenant_id: int, actor: str) -> None:
    """After a version is activated: the service exists from now on, a production approval
    that covered another version no longer holds, and the register shows the new model."""
    service_changed(
        db, ensure_service(db, tenant_id), actor, "Klassificerarens aktiva version ändrades"
    )


def service_changed(db: Session, app: App, actor: str, reason: str) -> None:
    """What the approval covers may have changed: re-review if so, and publish the register."""
    from tillit.governance.service import rereview_if_changed

    rereview_if_changed(db, app)
    after_change(db, app, actor, reason)


# -- serving ----------------------------------------------------------------------------------


def service_notice(db: Session, tenant_id: int) -> dict[str, Any] | None:
    """What the case page says about the service's approval, or None in production. A change
    since the approval (a new classifier version) is caught here first."""
    from tillit.governance.service import rereview_if_changed

    app = find_service(db, tenant_id)
    if app is not None:
        rereview_if_changed(db, app)
    lifecycle = get_lifecycle(db, app) if app is not None else None
    state = lifecycle.state if lifecycle else "ide"
    if state == "produktion":
        return None
    label = STATE_LABELS_SV[state]
    if state == "avvecklad":
        text = "Analysstödet är avvecklat. Nya analyser görs inte; tidigare förslag visas."
    elif lifecycle is not None and lifecycle.under_review:
        reasons = ", ".join(lifecycle.review_reasons or [])
        text = (
            f"Analysstödet granskas på nytt efter en ändring ({reasons}). Förslagen är inte "
            "godkända för användning i ärenden förrän granskningen är klar."
        )
    elif state == "test":
        text = (
            "Analysstödet är i test: det är inte godkänt för produktion. Pröva förslagen, men "
            "grunda inte bedömningen på dem."
        )
    else:
        text = (
            f"Analysstödet har inte granskats och godkänts för användning (läge: {label}). "
            "Förslagen får bara användas för att pröva verktyget, inte som underlag för "
            "bedömningen."
        )
    return {"state": state, "state_label": label, "text": text}


def service_state(db: Session, tenant_id: int) -> str:
    app = find_service(db, tenant_id)
    return get_lifecycle(db, app).state if app is not None else "ide"


def refuse_if_retired(db: Session, tenant_id: int) -> None:
    if service_state(db, tenant_id) == "avvecklad":
        raise NotServable(
            "Analysstödet är avvecklat och gör inga nya analyser.", code="app_retired"
        )


# -- register ---------------------------------------------------------------------------------


def usage(db: Session, tenant_id: int) -> dict[str, int]:
    base = select(func.count()).where(
        Run.tenant_id == tenant_id, Run.kind == "concern.analysis", Run.status == "ok"
    )
    since = datetime.now(UTC) - timedelta(days=30)
    return {
        "analyses_last_30_days": int(db.scalar(base.where(Run.started_at >= since)) or 0),
        "analyses_total": int(db.scalar(base) or 0),
    }


def pipeline(model: CatalogModel | None, writers: list[CatalogModel]) -> dict[str, Any]:
    """How the service works, for the register; ``writers``: the language models it may use."""
    classifier = f"Klassificeraren {model.name}" if model else "Klassificeraren"
    steps = [
        "En orosanmälan kommer in via e-tjänsten, e-post, API eller filimport och registreras "
        "som ett ärende. Bara socialtjänstens handläggare ser ärendena.",
        "När handläggaren väljer att analysera anmälan ersätts personuppgifterna i texten med "
        "rollord (till exempel ”Barnet”) innan klassificeraren läser den.",
        "Texten delas upp i avsnitt.",
        f"{classifier} föreslår för varje avsnitt om det kan beskriva någon av åtta typer av "
        "våld eller allvarlig konflikt, med en sannolikhet. Den körs på kommunens egen server; "
        "texten lämnar inte kommunen.",
        "Handläggaren bekräftar, ändrar eller avvisar varje förslag. Rättelserna blir "
        "annoteringar som nästa version av klassificeraren tränas på.",
    ]
    if writers:
        steps.append(_writers_step(writers))
    checks = [
        "Förslagen är märkta som förslag. Verktyget bedömer inte om en utredning ska inledas.",
        "Informationsklass K3: ärendets text skickas aldrig till en modell som inte är godkänd "
        "för klassen. En modell för klass K2 får bara texten med personuppgifterna maskerade.",
        "Varje visning, sökning och utskrift av ett ärende loggas.",
        "Varje version av klassificeraren har ett modellkort med uppmätt kvalitet per typ.",
    ]
    return {
        "steps": steps,
        "checks": checks,
        "summary": (
            "Anmälan → personuppgifter ersätts med rollord → avsnitt → klassificeraren föreslår "
            "tecken → handläggaren bekräftar eller avvisar"
        ),
        "prompt_template_version": None,
        "top_k": None,
        "generation": "classification",
        "classifier_version": model.version if model else None,
    }


def _writers_step(writers: list[CatalogModel]) -> str:
    names = ", ".join(model.name for model in writers)
    return (
        f"Om handläggaren ber om det kan en språkmodell ({names}) skriva en sammanfattning av "
        "anmälan eller föreslå tecken för avsnitten. En modell som körs hos kommunen (klass K3) "
        "får texten som den är; en modell för klass K2 får den med personuppgifterna utbytta. "
        "Också det är förslag, märkta som skrivna av AI."
    )


OUTPUT_PROVIDED = (
    "Förslag för varje avsnitt i anmälan: vilken typ av våld eller konflikt det kan beskriva, "
    "med en sannolikhet, en kort sammanfattning per typ som hänvisar till avsnitten och "
    "tidigare anmälningar om samma barn. Bara handläggaren ser förslagen."
)
OUTPUT_MARKING_METHOD = (
    "På ärendesidan är varje markering märkt som förslag från AI tills en handläggare har "
    "bekräftat, ändrat eller avvisat den."
)
AI_DISCLOSURE_TEXT = (
    "Markeringarna i anmälan är förslag som skapas av AI. Handläggaren granskar dem och "
    "fattar alla beslut."
)
NOT_A_DECISION = (
    "Verktyget fattar inga beslut. Handläggaren läser anmälan, gör förhandsbedömningen och "
    "beslutar om en utredning ska inledas; beslutet motiveras."
)
