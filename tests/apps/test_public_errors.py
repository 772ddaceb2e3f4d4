"""What a resident sees when the public assistant cannot answer: the assistant page again, with
the question kept and a reason in plain Swedish, never a model name or a technical cause; and
error pages on public addresses lead to the municipality's register, not the staff login."""

from __future__ import annotations

import pytest

from tests.governance.lifecycle import APP, apply, promote
from tests.support.factories import register_upstream_model

HTML = {"accept": "text/html"}


def test_an_empty_question_is_asked_about_on_the_page(client, platform, public_app) -> None:  # type: ignore[no-untyped-def]
    promote(platform, public_app)
    page = client.post(f"/t/default/assistent/{APP}", data={"question": "   "}, headers=HTML)
    assert page.status_code == 400 and 'id="chat-error"' in page.text
    assert "Skriv en fråga" in page.text and 'name="question"' in page.text
    assert "Skriv inte personnummer" in page.text


@pytest.mark.parametrize("remote", ["fail-500", "fail-400-echo"])
def test_a_failing_model_gives_a_plain_message_with_the_question_kept(
    client, platform, public_app, upstream, remote: str
) -> None:  # type: ignore[no-untyped-def]
    register_upstream_model(platform, upstream, name="kommun-llm", remote=remote)
    apply(platform, model="kommun-llm")
    promote(platform, APP)
    question = "Behöver jag bygglov för en altan?"
    page = client.post(f"/t/default/assistent/{APP}", data={"question": question}, headers=HTML)
    assert page.status_code in (400, 502) and "Tjänsten kan inte svara just nu" in page.text
    assert f">{question}</textarea>" in page.text
    assert "kommun-llm" not in page.text.split('id="chat-error"', 1)[1].split("</p>", 1)[0]
    as_json = client.post(f"/t/default/assistent/{APP}", data={"question": question})
    assert as_json.status_code == page.status_code and as_json.json()["error"]["code"]


def test_a_public_error_page_leads_to_the_register(client, platform) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/t/default/assistent/finns-inte", headers=HTML)
    assert page.status_code == 404 and 'href="/insyn?kommun=default"' in page.text
    staff = client.get("/models/9999", headers=HTML, follow_redirects=False)
    assert 'href="/insyn' not in staff.text


def test_a_residents_identity_number_never_reaches_the_model(
    client, platform, public_app, upstream
) -> None:  # type: ignore[no-untyped-def]
    register_upstream_model(platform, upstream, name="kommun-llm")
    apply(platform, model="kommun-llm")
    promote(platform, APP)
    question = "Mitt personnummer är 19121212-1212, behöver jag bygglov för en altan?"
    page = client.post(f"/t/default/assistent/{APP}", data={"question": question}, headers=HTML)
    assert page.status_code == 200
    answer = page.text.split('class="answer-text"', 1)[1].split("</div>", 1)[0]
    assert "19121212-1212" not in answer and "[personnummer]" in answer  # the echo of the prompt
