"""The governance gate on the assistant's surfaces: residents are served only in production,
staff from test on (builders may try it earlier), and a change after sign-off closes the
public page until the new configuration is approved."""

from __future__ import annotations

from tests.governance.lifecycle import apply, pass_gate, promote
from tests.support.factories import auth, make_key

QUESTION = {"question": "Behöver jag bygglov för en altan?"}


def test_public_page_opens_only_in_production(client, platform, public_app):  # type: ignore[no-untyped-def]
    url = f"/t/default/assistent/{public_app}"
    closed = client.get(url)
    assert closed.status_code == 403
    assert closed.json()["error"]["code"] == "app_not_in_production"
    promote(platform, public_app, to="test")
    assert client.post(url, data=QUESTION).status_code == 403
    pass_gate(platform, public_app, "produktion")
    assert client.get(url).status_code == 200
    assert client.post(url, data=QUESTION).status_code == 200


def test_staff_use_follows_the_lifecycle(client, platform, public_app):  # type: ignore[no-untyped-def]
    viewer, developer = make_key(platform, role="viewer"), make_key(platform)
    ask = f"/api/apps/{public_app}/ask"
    refused = client.post(ask, headers=auth(viewer), json=QUESTION)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "app_not_in_production"
    assert client.post(ask, headers=auth(developer), json=QUESTION).status_code == 200
    promote(platform, public_app, to="test")
    assert client.post(ask, headers=auth(viewer), json=QUESTION).status_code == 200


def test_change_after_approval_closes_the_public_page(client, platform, public_app):  # type: ignore[no-untyped-def]
    promote(platform, public_app)
    apply(platform, collections=["webb"], instructions="Svara mycket kort.")
    page = client.get(f"/t/default/assistent/{public_app}", headers={"accept": "text/html"})
    assert page.status_code == 403 and "under ny granskning" in page.text
    entry = client.get(f"/insyn/api/services/{public_app}").json()
    assert entry["under_review"] and entry["lifecycle_state"] == "test"
