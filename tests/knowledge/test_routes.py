"""Ingestion through the API: a tenant's developer names the URLs, so internal addresses are
refused unless the installation allows them (TILLIT_INGEST_INTERNAL_URLS; the crawl itself is
tested in test_connectors.py)."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from tests.support.factories import auth, make_key
from tillit.platform import Platform

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


def test_a_huge_id_is_a_clear_400(client: TestClient, platform: Platform) -> None:
    headers = auth(make_key(platform, role="developer"))
    response = client.get("/api/ingest-jobs/99999999999999999999999", headers=headers)
    assert response.status_code == 400 and response.json()["error"]["code"] == "number_too_large"
