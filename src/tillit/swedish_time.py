"""Swedish local time, for what people read: "the same day" and the times shown on pages.

Timestamps are stored in UTC; one without an offset is taken as UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SWEDEN = ZoneInfo("Europe/Stockholm")


def in_sweden(moment: datetime) -> datetime:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(SWEDEN)
