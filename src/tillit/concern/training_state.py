"""What a training started from the page is doing, per tenant, in this process.

The page starts training in the background (``jobs.submit``). Without this the person who
started it saw nothing until a new version appeared, never learnt that it had failed, and could
start the same training again while the first ran. One training per tenant runs at a time; the
last outcome is kept until the next start. The state lives with the platform in the web process
(a server with several processes shows each process's own trainings; the versions themselves
are in the database either way).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tillit.platform import Platform


@dataclass(frozen=True)
class Training:
    started_at: datetime
    reports: int
    stage: str = ""  # the last progress line of train_version, e.g. "Korsvaliderar …"
    finished_at: datetime | None = None
    version: int | None = None  # the version made, when it succeeded
    failure: str | None = None  # why it failed, in Swedish, when it did

    @property
    def running(self) -> bool:
        return self.finished_at is None


class Trainings:
    """The trainings of one platform (one web app), by tenant."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_tenant: dict[int, Training] = {}

    def current(self, tenant_id: int) -> Training | None:
        """The running or the last finished training of the tenant."""
        with self._lock:
            return self._by_tenant.get(tenant_id)

    def start(self, tenant_id: int, reports: int) -> Training | None:
        """Mark a training as started; None when one is already running for the tenant."""
        with self._lock:
            known = self._by_tenant.get(tenant_id)
            if known is not None and known.running:
                return None
            training = Training(started_at=datetime.now(UTC), reports=reports)
            self._by_tenant[tenant_id] = training
            return training

    def report(self, tenant_id: int, stage: str) -> None:
        """Record the running training's progress line."""
        self._update(tenant_id, stage=stage)

    def finish(
        self, tenant_id: int, *, version: int | None = None, failure: str | None = None
    ) -> None:
        now = datetime.now(UTC)
        self._update(tenant_id, finished_at=now, version=version, failure=failure)

    def _update(self, tenant_id: int, **changes: Any) -> None:
        with self._lock:
            known = self._by_tenant.get(tenant_id)
            if known is not None and known.running:
                self._by_tenant[tenant_id] = replace(known, **changes)


def trainings(platform: Platform) -> Trainings:
    """The platform's training states (made on first use)."""
    return platform.caches.setdefault("concern_trainings", Trainings())
