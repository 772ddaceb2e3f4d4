"""The public report form: a receipt, one case per submission, and nothing lost on errors."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.support.concern_form import TEXT, TOKEN, report_form
from tillit.concern.schemas import DUTY_TO_REPORT
from tillit.concern.tables import ConcernCase
from tillit.platform import Platform
from tillit.swedish_time import in_sweden


def _cases(platform: Platform) -> int:
    with platform.session() as db:
        return db.scalar(select(func.count()).select_from(ConcernCase)) or 0


def test_a_submitted_report_gets_a_receipt_and_a_case(
    client: TestClient, platform: Platform
) -> None:
    response = client.post("/t/default/orosanmalan", data=report_form(client))
    assert response.status_code == 200
    number = re.search(r'id="case-number">([^<]+)<', response.text)
    assert number and number.group(1).startswith("OA-")
    with platform.session() as db:
        case = db.scalar(select(ConcernCase))
        assert case.channel == "webbformular" and case.reporter_type == "granne"
        assert case.child_name_key  # name + birth date: history can find the child
        shown = in_sweden(case.received_at).strftime("%Y-%m-%d %H:%M")
    assert shown in response.text  # the time in Sweden, whatever the server's own zone


def test_submitting_the_same_form_twice_makes_one_case(
    client: TestClient, platform: Platform
) -> None:
    form = report_form(client)
    first = client.post("/t/default/orosanmalan", data=form)
    second = client.post("/t/default/orosanmalan", data=form)
    numbers = [re.search(r'id="case-number">([^<]+)<', r.text).group(1) for r in (first, second)]
    assert numbers[0] == numbers[1] and _cases(platform) == 1


def test_a_different_report_sent_with_the_same_page_makes_its_own_case(
    client: TestClient, platform: Platform
) -> None:
    form = report_form(client)  # the back button, or a restored tab: the same form token
    first = client.post("/t/default/orosanmalan", data=form)
    other = {**form, "text": "Ett annat barn, Lisa, kommer till skolan utan mat varje dag."}
    second = client.post("/t/default/orosanmalan", data=other)
    again = client.post("/t/default/orosanmalan", data=other)
    numbers = [
        re.search(r'id="case-number">([^<]+)<', r.text).group(1) for r in (first, second, again)
    ]
    assert numbers[0] != numbers[1] and numbers[1] == numbers[2] and _cases(platform) == 2


def test_a_too_long_contact_field_is_marked_where_it_is(
    client: TestClient, platform: Platform
) -> None:
    form = {**report_form(client), "reporter_phone": "070" * 30}
    response = client.post("/t/default/orosanmalan", data=form)
    assert response.status_code == 400
    error = response.text.split('id="reporter_phone-error">', 1)[1].split("<", 1)[0]
    assert error == "Högst 50 tecken." and 'maxlength="50"' in response.text
    assert _cases(platform) == 0


def test_a_refused_report_comes_back_with_everything_written(
    client: TestClient, platform: Platform
) -> None:
    form = {**report_form(client), "child_personnummer": "140621-2388"}
    response = client.post("/t/default/orosanmalan", data=form)
    assert response.status_code == 400
    assert "personnummer är inte giltigt" in response.text
    assert TEXT in response.text and 'aria-invalid="true"' in response.text
    empty = client.post("/t/default/orosanmalan", data={**report_form(client), "text": "   "})
    assert empty.status_code == 400 and "Beskriv din oro" in empty.text
    assert _cases(platform) == 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"anonymous": "on"}, "anonymous", "skrivit namn eller kontaktuppgifter"),
        (
            {
                "anonymous": "on",
                "reporter_type": "skola",
                "reporter_name": "",
                "reporter_email": "",
            },
            "anonymous",
            DUTY_TO_REPORT,  # the same words the API's warning starts with
        ),
        ({"reporter_email": "inte-en-epost"}, "reporter_email", "namn@exempel.se"),
    ],
)
def test_contradictions_about_the_reporter_are_asked_about_not_dropped(
    client: TestClient, platform: Platform, changes: dict[str, str], field: str, message: str
) -> None:
    response = client.post("/t/default/orosanmalan", data={**report_form(client), **changes})
    assert response.status_code == 400 and message in response.text
    assert f'id="{field}-error"' in response.text and f'href="#{field}"' in response.text
    assert TEXT in response.text and _cases(platform) == 0


def test_an_anonymous_neighbour_without_contact_details_is_registered(
    client: TestClient, platform: Platform
) -> None:
    blank = {"reporter_name": "", "reporter_email": "", "anonymous": "on"}
    response = client.post("/t/default/orosanmalan", data={**report_form(client), **blank})
    assert response.status_code == 200 and _cases(platform) == 1


def test_an_unknown_municipality_is_404(client: TestClient) -> None:
    assert client.get("/t/finns-inte/orosanmalan").status_code == 404
    assert client.post("/t/finns-inte/orosanmalan", data={"text": TEXT}).status_code == 404


def test_each_tenant_gets_its_own_cases(
    client: TestClient, platform: Platform, second_tenant: str
) -> None:
    page = client.get(f"/t/{second_tenant}/orosanmalan")
    token = TOKEN.search(page.text).group(1)
    client.post(f"/t/{second_tenant}/orosanmalan", data={"form_token": token, "text": TEXT})
    with platform.session() as db:
        case = db.scalar(select(ConcernCase))
        from tillit.auth.service import get_tenant

        assert case.tenant_id == get_tenant(db, second_tenant).id


def test_a_birth_date_in_the_future_is_asked_about(client: TestClient, platform: Platform) -> None:
    form = {**report_form(client), "child_birth_date": "2099-01-01"}
    response = client.post("/t/default/orosanmalan", data=form)
    assert response.status_code == 400 and "Födelsedatumet ligger i framtiden." in response.text
    assert _cases(platform) == 0


def test_a_nul_character_is_dropped_the_same_on_every_database(
    client: TestClient, platform: Platform
) -> None:
    """PostgreSQL cannot store NUL; the report is kept (without it) rather than refused."""
    from tillit.concern.cases import detail_dict

    form = report_form(client) | {"text": "Elsa\x00 är ensam hemma.", "child_name": "El\x00sa"}
    response = client.post("/t/default/orosanmalan", data=form)
    assert response.status_code == 200 and 'id="case-number"' in response.text
    with platform.session() as db:
        case = detail_dict(db, platform.box, db.scalar(select(ConcernCase)))
    assert case["text"] == "Elsa är ensam hemma." and case["child"]["name"] == "Elsa"


def test_the_longest_text_the_page_allows_is_registered_whatever_its_letters(
    client: TestClient, platform: Platform
) -> None:
    """åäö take 6 bytes each once the browser has encoded the form; Starlette's own 1 MB limit
    for a field refused such a text as a bare error, losing what the reporter wrote."""
    long = "Barnet säger att pappa slår. " + "å" * 190_000
    response = client.post("/t/default/orosanmalan", data={**report_form(client), "text": long})
    assert response.status_code == 200 and 'id="case-number"' in response.text
    assert _cases(platform) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "Beskriv din oro med några ord."), ("a" * 200_001, "Texten är för lång")],
)
def test_an_empty_and_a_too_long_text_are_told_apart(
    client: TestClient, platform: Platform, text: str, message: str
) -> None:
    response = client.post("/t/default/orosanmalan", data={**report_form(client), "text": text})
    assert response.status_code == 400 and message in response.text
    assert _cases(platform) == 0
