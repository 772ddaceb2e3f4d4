from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        """Naive values are taken as UTC; others are converted to UTC (SQLite would drop the
        offset: 23.30+01:00 would be stored as 23.30 UTC, an hour and perhaps a day wrong)."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict: JSON, list: JSON}  # noqa: RUF012


def load_all_tables() -> None:
    """Import every feature's tables so Base.metadata is complete (for migrations and tests)."""
    from tillit.apps import tables as _apps  # noqa: F401
    from tillit.audit import tables as _audit  # noqa: F401
    from tillit.auth import tables as _auth  # noqa: F401
    from tillit.catalog import tables as _catalog  # noqa: F401
    from tillit.concern import tables as _concern  # noqa: F401
    from tillit.governance import tables as _governance  # noqa: F401
    from tillit.insyn import tables as _insyn  # noqa: F401
    from tillit.knowledge import tables as _knowledge  # noqa: F401
    from tillit.runs import tables as _runs  # noqa: F401
