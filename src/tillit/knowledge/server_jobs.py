"""Ingest jobs that a web server process runs in the background (``jobs.submit``), and the
uploads they read: what happens to them when a server process is gone.

A job started through the API or the page records its process as ``server:<host>:<pid>``.
When a server process starts (``forget_unfinished``, from the app's lifespan), the queued or
running jobs of processes on this host that no longer exist are marked interrupted, and their
waiting uploads removed: they can never finish, and showed "pågår" for ever. Jobs of live
processes (other workers of ``tillit serve --workers N``, or a worker uvicorn restarted beside
them), of other hosts, and of the CLI are left alone. Upload folders that no unfinished job
names are removed once they are an hour old.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import time
from pathlib import Path

from sqlalchemy import select

from tillit.db.base import utcnow
from tillit.knowledge.tables import IngestJob
from tillit.platform import Platform

log = logging.getLogger(__name__)

UPLOADS = "uploads"
UNFINISHED = ("queued", "running")
ORPHAN_UPLOAD_SECONDS = 3600
INTERRUPTED = (
    "Inläsningen avbröts när servern startades om. Dokument som redan lästs in finns kvar; "
    "starta inläsningen igen för resten."
)


def this_server() -> str:
    return f"server:{_host()}:{os.getpid()}"


def uploads_dir(platform: Platform) -> Path:
    """Uploaded files wait here (in the data directory, 0700) until their job has read them."""
    folder = platform.settings.data_dir / UPLOADS
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def forget_unfinished(platform: Platform) -> int:
    """Mark the jobs of gone server processes on this host interrupted and remove their
    uploads and orphaned upload folders; returns how many jobs were marked."""
    with platform.session() as db:
        unfinished = db.scalars(
            select(IngestJob).where(
                IngestJob.runner.like("server:%"), IngestJob.status.in_(UNFINISHED)
            )
        ).all()
        gone = [job for job in unfinished if _process_gone(job.runner or "")]
        for job in gone:
            job.status, job.finished_at = "interrupted", utcnow()
            job.message = f"{job.message}\n{INTERRUPTED}" if job.message else INTERRUPTED
        waiting = {source for job in unfinished if job not in gone for source in job.sources}
        finished = {source for job in gone for source in job.sources}
    _remove_uploads(platform, waiting, finished)
    if gone:
        log.warning("%d ingest job(s) of a stopped server process marked interrupted", len(gone))
    return len(gone)


def _process_gone(runner: str) -> bool:
    _, rest = runner.split(":", 1)
    host, _, pid = rest.rpartition(":")
    if host != _host() or not pid.isdigit():
        return False  # another machine's process: it cannot be checked from here
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


def _remove_uploads(platform: Platform, waiting: set[str], finished: set[str]) -> None:
    """Uploads of interrupted jobs go now; others that no unfinished job names go once they
    are an hour old (a folder only just made may not have its job yet)."""
    folder = platform.settings.data_dir / UPLOADS
    if not folder.is_dir():
        return
    now = time.time()
    for upload in folder.iterdir():
        if str(upload) in waiting:
            continue
        young = now - upload.stat().st_mtime < ORPHAN_UPLOAD_SECONDS
        if str(upload) in finished or not young:
            shutil.rmtree(upload, ignore_errors=True)


def _host() -> str:
    return socket.gethostname()[:150]
