"""The public assistant page limits how many questions one client may ask per minute: the page
comes back with the question kept, or the JSON error shape, with Retry-After."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.governance.lifecycle import promote
from tillit.web.ratelimit import PublicLimits

QUESTION = "Behöver jag bygglov för en altan?"
HTML = {"accept": "text/html"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _limit(app, questions: int) -> FakeClock:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    app.state.public_limits = PublicLimits(
        reports_per_hour=10, questions_per_minute=questions, clock=clock
    )
    return clock


def _ask(client: TestClient, url: str, **headers: str) -> int:
    return client.post(url, data={"question": QUESTION}, headers=headers).status_code


def test_questions_over_the_limit_get_429_with_the_question_kept(
    app, client, platform, public_app
) -> None:  # type: ignore[no-untyped-def]
    promote(platform, public_app)
    clock = _limit(app, questions=2)
    url = f"/t/default/assistent/{public_app}"
    assert [_ask(client, url, **HTML), _ask(client, url, **HTML)] == [200, 200]
    page = client.post(url, data={"question": QUESTION}, headers=HTML)
    assert page.status_code == 429 and page.headers["retry-after"] == "30"
    assert page.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in page.text and "Vänta 30 sekunder och fråga igen" in page.text
    assert f">{QUESTION}</textarea>" in page.text
    as_json = client.post(url, data={"question": QUESTION})
    assert as_json.status_code == 429 and as_json.headers["retry-after"] == "30"
    error = as_json.json()["error"]
    assert error["code"] == "rate_limited" and "Vänta 30 sekunder" in error["message"]
    assert client.get(url).status_code == 200  # reading the page is not limited
    clock.now += 30
    assert [_ask(client, url), _ask(client, url)] == [200, 429]


def test_each_client_and_zero_means_no_limit(app, client, platform, public_app) -> None:  # type: ignore[no-untyped-def]
    promote(platform, public_app)
    _limit(app, questions=1)
    url = f"/t/default/assistent/{public_app}"
    assert [_ask(client, url), _ask(client, url)] == [200, 429]
    with TestClient(app, client=("192.0.2.8", 40000)) as other:
        assert [_ask(other, url), _ask(other, url)] == [200, 429]
    _limit(app, questions=0)
    assert [_ask(client, url) for _ in range(4)] == [200] * 4


def test_unpublished_apps_are_refused_before_the_limit(app, client, platform, public_app) -> None:  # type: ignore[no-untyped-def]
    _limit(app, questions=1)
    url = f"/t/default/assistent/{public_app}"
    assert [_ask(client, url), _ask(client, url)] == [403, 403]
    assert _ask(client, "/t/default/assistent/finns-inte") == 404
    assert len(app.state.public_limits.buckets) == 0
