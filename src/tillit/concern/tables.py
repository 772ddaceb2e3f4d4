"""Concern reports as cases. Everything that identifies a person is encrypted at rest
(``*_enc``, Fernet via SecretBox); matching a child across reports uses keyed hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tillit.db.base import Base, utcnow


class ConcernCase(Base):
    """One incoming report, registered as a case."""

    __tablename__ = "concern_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    case_number: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(30), default="ny")
    decision: Mapped[str | None] = mapped_column(String(30))  # a DECISIONS status, kept on closing
    channel: Mapped[str] = mapped_column(String(20))
    reporter_type: Mapped[str] = mapped_column(String(30))
    anonymous: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime]
    assessment_deadline: Mapped[datetime]
    protective_done_at: Mapped[datetime | None]
    # the initial assessment prolonged for exceptional reasons (20 kap. 2 § SoL): when it last
    # was; the reasons and earlier extensions are encrypted (``assessment_deadline`` moves)
    assessment_extended_at: Mapped[datetime | None]
    assessment_extension_enc: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]  # when ``decision`` was recorded
    # a reporter's request to be told the decision (19 kap. 6 § SoL), and when it was answered
    reporter_info_requested_at: Mapped[datetime | None]
    reporter_info_given_at: Mapped[datetime | None]
    source_ref: Mapped[str | None] = mapped_column(String(200))
    text_key: Mapped[str] = mapped_column(String(64), index=True)
    child_pnr_key: Mapped[str | None] = mapped_column(String(64), index=True)
    child_name_key: Mapped[str | None] = mapped_column(String(64), index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("concern_cases.id"))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text_enc: Mapped[str | None] = mapped_column(Text)
    reporter_enc: Mapped[str | None] = mapped_column(Text)
    child_enc: Mapped[str | None] = mapped_column(Text)
    notes_enc: Mapped[str | None] = mapped_column(Text)
    mapping_enc: Mapped[str | None] = mapped_column(Text)
    analysis: Mapped[dict] = mapped_column(default=dict)
    analysed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    purged_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "case_number"),
        Index("ix_concern_cases_source", "tenant_id", "channel", "source_ref", unique=True),
    )


class ConcernPassage(Base):
    """A passage of a case's report with the tool's suggestion and the caseworker's review."""

    __tablename__ = "concern_passages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("concern_cases.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    suggested: Mapped[list] = mapped_column(default=list)
    scores: Mapped[dict] = mapped_column(default=dict)
    model_version: Mapped[str | None] = mapped_column(String(50))
    reviewed: Mapped[list | None] = mapped_column(default=None)
    review_status: Mapped[str] = mapped_column(String(20), default="forslag")
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None]


class AnnotationItem(Base):
    """A passage to annotate, already pseudonymised; ``report_key`` + ``position`` keep the
    passages of one report together (context matters to the classifier)."""

    __tablename__ = "concern_annotation_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    report_key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))
    content_key: Mapped[str | None] = mapped_column(String(64))  # imports: keyed hash of the
    # original passage, so a corrected file is recognised (annotation.import_annotated)
    uncertainty: Mapped[float | None] = mapped_column(Float)
    withdrawn_at: Mapped[datetime | None]  # text blanked, labels gone (annotation.withdraw)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("tenant_id", "report_key", "position"),)


class Annotation(Base):
    """One annotator's labels for one item (a second annotator makes agreement measurable)."""

    __tablename__ = "concern_annotations"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("concern_annotation_items.id"), index=True)
    annotator: Mapped[str] = mapped_column(String(200))
    labels: Mapped[list] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("item_id", "annotator"),)


class ClassifierVersion(Base):
    """A trained passage classifier; the files live under the data directory."""

    __tablename__ = "concern_classifiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    catalog_model_id: Mapped[int | None] = mapped_column(ForeignKey("models.id"))
    path: Mapped[str] = mapped_column(String(500))
    card: Mapped[dict] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(default=False)
    trained_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("tenant_id", "version"),)


class ConcernLetter(Base):
    """A letter drafted from a case; sent or printed only after a caseworker approved it."""

    __tablename__ = "concern_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("concern_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="utkast")
    data_enc: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None]
    dispatched_at: Mapped[datetime | None]
    dispatch_method: Mapped[str | None] = mapped_column(String(20))


class ConcernSettings(Base):
    """Per-tenant rules: retention (gallring) and the office details letters carry."""

    __tablename__ = "concern_settings"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    retention_days: Mapped[int] = mapped_column(Integer, default=365 * 5)
    erase_annotations: Mapped[bool] = mapped_column(default=False)  # retention takes the
    # annotation items made from an erased case's reviewed passages as well
    office: Mapped[dict] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
