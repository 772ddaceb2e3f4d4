"""The public concern-report form, filled in as a neighbour would: shared by the form's own
tests and the rate-limit tests."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
TEXT = "Min granne Elsa, 8 år, är ofta ensam hemma på kvällarna och har inte ätit."


def report_form(client: TestClient, tenant: str = "default") -> dict[str, str]:
    """The form's fields, with the one-time form token from a freshly loaded page."""
    page = client.get(f"/t/{tenant}/orosanmalan")
    assert page.status_code == 200 and 'lang="sv"' in page.text
    token = TOKEN.search(page.text)
    assert token
    return {
        "form_token": token.group(1),
        "reporter_type": "granne",
        "reporter_name": "Karin Ek",
        "reporter_email": "karin@example.se",
        "child_name": "Elsa Berg",
        "child_birth_date": "2017-05-02",
        "text": TEXT,
    }
