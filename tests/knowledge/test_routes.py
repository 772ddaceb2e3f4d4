"""Ingestion through the API: a tenant's developer names the URLs, so internal addresses are
refused unless the installation allows them (TILLIT_INGEST_INTERNAL_URLS; the crawl itself is
tested in test_connectors.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.factories import auth, make_key
from tillit.config import Settings
from tillit.knowledge.ingest import _update_job, ingest_items, run_ingest, start_job
from tillit.knowledge.server_jobs import UPLOADS, this_server, uploads_dir
from tillit.knowledge.service import backend_for, get_or_create_collection
from tillit.knowledge.tables import IngestJob
from tillit.platform import Platform
from tillit.web.app import create_app

from .test_connectors import site  # noqa: F401 - the fixture site, served on 127.0.0.1


def _finished_job(client: TestClient, headers: dict[str, str], job_id: int) -> dict:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = client.get(f"/api/ingest-jobs/{job_id}", headers=headers).json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.1)
    raise AssertionError("the ingest job did not finish")


def test_an_internal_address_is_refused_by_default(
    client: TestClient,
    platform: Platform,
    site: str,  # noqa: F811
) -> None:
    headers = auth(make_key(platform, role="developer"))
    started = client.post("/api/collections/intern/ingest", headers=headers, json={"urls": [site]})
    assert started.status_code == 202
    job = _finished_job(client, headers, started.json()["job_id"])
    assert "pekar på en intern adress" in str(job), job


def test_uploads_with_odd_or_repeated_names_keep_every_file(
    client: TestClient, platform: Platform
) -> None:
    headers = auth(make_key(platform, role="developer"))
    files = [
        ("files", ("..", b"Bygglov behovs for altan.")),
        ("files", ("info.txt", b"Oppettider 8-17.")),
        ("files", ("info.txt", b"Sophamtning varannan vecka.")),
    ]
    started = client.post("/api/collections/upp/upload", headers=headers, files=files)
    assert started.status_code == 202, started.text
    job = _finished_job(client, headers, started.json()["job_id"])
    assert job["seen"] == 3, job


def test_an_uploaded_file_is_cited_by_its_name_not_its_place_on_the_server(
    client: TestClient, platform: Platform
) -> None:
    headers = auth(make_key(platform, role="developer"))
    files = [("files", ("taxa.txt", "Bygglov för altan kostar 7 000 kronor.".encode()))]
    started = client.post("/api/collections/upp/upload", headers=headers, files=files)
    assert _finished_job(client, headers, started.json()["job_id"])["added"] == 1
    found = client.post(
        "/api/search", headers=headers, json={"collections": ["upp"], "query": "bygglov altan"}
    ).json()
    assert [r["source"] for r in found["results"]] == ["taxa.txt"]
    listed = client.get("/api/collections/upp/documents", headers=headers).json()
    assert [d["source"] for d in listed] == ["taxa.txt"]


def test_uploads_with_names_too_long_for_the_disk_are_kept_under_a_shorter_name(
    client: TestClient, platform: Platform
) -> None:
    """A file system takes names of at most 255 bytes: a longer upload name was a 500 that
    lost the whole upload and left its folder behind."""
    headers = auth(make_key(platform, role="developer"))
    files = [
        ("files", ("x" * 300 + ".txt", b"Bygglov behovs for altan.")),
        ("files", ("å" * 200 + ".txt", b"Oppettider 8-17.")),
        ("files", ("info.txt", b"Sophamtning varannan vecka.")),
    ]
    started = client.post("/api/collections/upp/upload", headers=headers, files=files)
    assert started.status_code == 202, started.text
    job = _finished_job(client, headers, started.json()["job_id"])
    assert job["seen"] == 3 and job["added"] == 3, job
    documents = client.get("/api/collections/upp/documents", headers=headers).json()
    assert {d["document"][:3] for d in documents} == {"xxx", "ååå", "inf"}
    assert list((platform.settings.data_dir / UPLOADS).iterdir()) == []


def test_a_huge_id_is_a_clear_400(client: TestClient, platform: Platform) -> None:
    headers = auth(make_key(platform, role="developer"))
    response = client.get("/api/ingest-jobs/99999999999999999999999", headers=headers)
    assert response.status_code == 400 and response.json()["error"]["code"] == "number_too_large"


def test_an_upload_leaves_nothing_behind_once_its_job_is_done(
    client: TestClient, platform: Platform
) -> None:
    headers = auth(make_key(platform, role="developer"))
    files = [("files", ("info.txt", b"Oppettider 8-17."))]
    started = client.post("/api/collections/upp/upload", headers=headers, files=files)
    assert _finished_job(client, headers, started.json()["job_id"])["status"] == "done"
    assert list((platform.settings.data_dir / UPLOADS).iterdir()) == []


def test_a_failed_upload_is_named_in_its_jobs_message_not_by_its_folder_on_the_server(
    client: TestClient, platform: Platform
) -> None:
    """An upload whose folder is gone when its job reads it (a restart's clean-up, a disk
    error): the API said "/<data dir>/uploads/tmp…: kunde inte läsas färdigt (Finns inte: …)"."""
    headers = auth(make_key(platform, role="developer"))
    with platform.session() as db:
        collection_id = get_or_create_collection(db, 1, "upp")[0].id
    folder = Path(tempfile.mkdtemp(dir=uploads_dir(platform)))  # as the upload route makes it
    folder.rmdir()
    job_id = start_job(platform, 1, collection_id, [str(folder)], this_server())
    run_ingest(platform, backend_for(platform), job_id, [str(folder)], public_only=True)
    message = client.get(f"/api/ingest-jobs/{job_id}", headers=headers).json()["message"]
    assert message.startswith("uppladdningen: kunde inte läsas färdigt"), message
    data_dir = platform.settings.data_dir
    assert [p for p in (str(data_dir), str(data_dir.resolve()), folder.name) if p in message] == []


def _stopped_process() -> int:
    """The pid of a process that has ended (and been reaped)."""
    probe = subprocess.Popen(["true"])
    probe.wait()
    return probe.pid


def test_a_starting_server_marks_the_jobs_of_stopped_server_processes_interrupted(
    settings: Settings, platform: Platform
) -> None:
    """Jobs run inside a server process: once it is gone they can never finish. A job of a
    live process (another worker), of another machine or of the command line is left alone;
    the stopped process's uploads go, a live one's stay, and an orphaned old upload goes."""
    with platform.session() as db:
        collection, _ = get_or_create_collection(db, 1, "omstart")
        collection_id = collection.id
    uploads = uploads_dir(platform)
    stopped_upload, live_upload, orphan = (uploads / n for n in ("stoppad", "levande", "gammal"))
    for folder in (stopped_upload, live_upload, orphan):
        folder.mkdir()
        (folder / "brev.txt").write_text("text")
    hour_ago = time.time() - 2 * 3600
    os.utime(orphan, (hour_ago, hour_ago))
    host = socket.gethostname()
    jobs = {
        "stopped": start_job(
            platform, 1, collection_id, [str(stopped_upload)], f"server:{host}:{_stopped_process()}"
        ),
        "live": start_job(platform, 1, collection_id, [str(live_upload)], this_server()),
        "elsewhere": start_job(platform, 1, collection_id, ["x"], "server:annan-dator:1"),
        "cli": start_job(platform, 1, collection_id, ["y"], "cli"),
    }
    for job_id in jobs.values():
        _update_job(platform, job_id, status="running")
    with TestClient(create_app(settings, platform)) as started:
        headers = auth(make_key(platform, role="developer"))
        shown = {
            name: started.get(f"/api/ingest-jobs/{job_id}", headers=headers).json()
            for name, job_id in jobs.items()
        }
    assert shown["stopped"]["status"] == "interrupted"
    assert "startades om" in shown["stopped"]["message"]
    assert {shown[n]["status"] for n in ("live", "elsewhere", "cli")} == {"running"}
    assert not stopped_upload.exists() and not orphan.exists() and live_upload.exists()


class _BrokenBackend:
    """A search backend whose bulk load fails, as a lost database connection would."""

    def bulk_load(self, *args: object) -> None:
        raise RuntimeError("the database went away")


def test_a_job_whose_run_fails_is_marked_failed_not_left_running(platform: Platform) -> None:
    with platform.session() as db:
        collection, _ = get_or_create_collection(db, 1, "fel")
        collection_id = collection.id
    job_id = start_job(platform, 1, collection_id, ["a"])
    with pytest.raises(RuntimeError):
        ingest_items(platform, _BrokenBackend(), job_id, [])  # type: ignore[arg-type]
    with platform.session() as db:
        job = db.get(IngestJob, job_id)
        assert job is not None
        assert (job.status, job.finished_at is not None) == ("failed", True)
        assert "RuntimeError" in (job.message or "")
