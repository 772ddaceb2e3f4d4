"""Requests the framework cannot read are refused in Swedish, also on the residents' pages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tillit.concern.intake.form import FORM_FIELD_BYTES

FORM = "/t/default/orosanmalan"
URLENCODED = {"content-type": "application/x-www-form-urlencoded", "accept": "text/html"}


@pytest.mark.parametrize(
    ("body", "headers", "swedish"),
    [
        (
            "&".join(f"f{i}=1" for i in range(1001)).encode(),
            URLENCODED,
            "Formuläret har för många fält (högst 1000).",
        ),
        (
            b'--b\r\nContent-Disposition: form-data; name="text"\r\n\r\n'
            + b"a" * (FORM_FIELD_BYTES + 1)
            + b"\r\n--b--\r\n",
            {"content-type": "multipart/form-data; boundary=b", "accept": "text/html"},
            f"Ett fält i formuläret är större än gränsen på {FORM_FIELD_BYTES // 1024} kB.",
        ),
        (
            b"text=oro",
            {"content-type": "multipart/form-data", "accept": "text/html"},
            "Ogiltiga formulärdata (multipart utan gränsmarkering).",
        ),
    ],
    ids=["too-many-fields", "field-too-large", "no-boundary"],
)
def test_an_unreadable_form_is_refused_in_swedish(
    client: TestClient, body: bytes, headers: dict[str, str], swedish: str
) -> None:
    response = client.post(FORM, content=body, headers=headers)
    assert response.status_code == 400
    assert swedish in response.text
    for english in ("Too many", "exceeded", "Missing boundary"):
        assert english not in response.text
