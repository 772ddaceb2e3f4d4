"""Rate limits for anonymous public endpoints: the token buckets themselves, and the public
report form through the real app (a fake clock instead of sleeping)."""

from __future__ import annotations

import logging
import threading

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select

from tests.support.concern_form import TEXT, report_form
from tillit.concern.tables import ConcernCase
from tillit.config import Settings
from tillit.platform import Platform
from tillit.web.ratelimit import Limit, PublicLimits, TokenBuckets, wait_text

PROXY = "10.9.0.1"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- the buckets -------------------------------------------------------------------------------


def test_a_bucket_lets_n_through_then_refuses_and_refills() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(clock=clock)
    limit = Limit(3, 60.0)  # one token every 20 s
    assert [buckets.take("a", limit).allowed for _ in range(3)] == [True] * 3
    refused = buckets.take("a", limit)
    assert not refused.allowed and refused.retry_after_s == 20 and refused.first_refusal
    assert not buckets.take("a", limit).first_refusal  # one log line per streak, not per call
    clock.now += 19.5
    assert buckets.take("a", limit).retry_after_s == 1
    clock.now += 0.5
    assert buckets.take("a", limit).allowed
    assert not buckets.take("a", limit).allowed
    clock.now += 3600  # refills to the capacity, never beyond it
    assert [buckets.take("a", limit).allowed for _ in range(4)] == [True, True, True, False]


def test_keys_are_separate_and_zero_means_no_limit() -> None:
    buckets = TokenBuckets(clock=FakeClock())
    one = Limit(1, 3600.0)
    assert buckets.take("a", one).allowed and not buckets.take("a", one).allowed
    assert buckets.take("b", one).allowed
    assert all(buckets.take("a", Limit(0, 3600.0)).allowed for _ in range(100))


def test_memory_stays_bounded_and_idle_buckets_are_forgotten() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(clock=clock, max_entries=50, sweep_interval_s=60)
    limit = Limit(2, 60.0)
    for n in range(500):
        buckets.take(f"client-{n}", limit)
    assert len(buckets) == 50
    clock.now += 61  # every bucket is full again: the sweep drops them all
    buckets.take("new", limit)
    assert len(buckets) == 1


def test_buckets_are_thread_safe() -> None:
    buckets = TokenBuckets(clock=FakeClock())
    limit = Limit(100, 3600.0)
    allowed: list[bool] = []
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(50):
            result = buckets.take("same", limit).allowed
            with lock:
                allowed.append(result)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 400 and allowed.count(True) == 100


def test_wait_text_is_swedish_and_rounds_up() -> None:
    assert wait_text(1) == "en sekund" and wait_text(45) == "45 sekunder"
    assert wait_text(60) == "en minut" and wait_text(361) == "7 minuter"


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = Settings()
    assert (defaults.public_reports_per_hour, defaults.public_questions_per_minute) == (10, 20)
    assert defaults.trusted_proxies == ""
    monkeypatch.setenv("TILLIT_PUBLIC_REPORTS_PER_HOUR", "0")
    monkeypatch.setenv("TILLIT_PUBLIC_QUESTIONS_PER_MINUTE", "5")
    monkeypatch.setenv("TILLIT_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16")
    settings = Settings()
    assert settings.public_reports_per_hour == 0 and settings.public_questions_per_minute == 5
    assert len(PublicLimits.from_settings(settings).trusted) == 2
    monkeypatch.setenv("TILLIT_TRUSTED_PROXIES", "inte-en-adress")
    with pytest.raises(ValidationError):
        Settings()
    monkeypatch.setenv("TILLIT_TRUSTED_PROXIES", "")
    monkeypatch.setenv("TILLIT_PUBLIC_REPORTS_PER_HOUR", "-1")
    with pytest.raises(ValidationError):
        Settings()


# --- the public report form ----------------------------------------------------------------------


def _limit(app, clock: FakeClock, reports: int = 2, proxies: str = "") -> None:  # type: ignore[no-untyped-def]
    app.state.public_limits = PublicLimits(
        reports_per_hour=reports, questions_per_minute=20, trusted_proxies=proxies, clock=clock
    )


def _post(client: TestClient, tenant: str = "default", **headers: str) -> int:
    form = report_form(client, tenant)
    return client.post(f"/t/{tenant}/orosanmalan", data=form, headers=headers).status_code


def _cases(platform: Platform) -> int:
    with platform.session() as db:
        return db.scalar(select(func.count()).select_from(ConcernCase)) or 0


def test_the_report_after_the_limit_is_refused_and_the_form_keeps_everything(
    app, client: TestClient, platform: Platform
) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    _limit(app, clock, reports=2)
    assert [_post(client), _post(client)] == [200, 200]
    form = {**report_form(client), "child_address": "Storgatan 1", "reporter_phone": "070-1234567"}
    refused = client.post("/t/default/orosanmalan", data=form)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1800"  # 2 an hour: one more every 30 minutes
    assert refused.headers["content-type"].startswith("text/html")
    page = refused.text
    assert 'role="alert"' in page and "Anmälan skickades inte" in page
    assert "vänta 30 minuter och skicka igen" in page and "Ring 112" in page
    assert TEXT in page and 'value="Karin Ek"' in page and 'value="karin@example.se"' in page
    assert 'value="Storgatan 1"' in page and 'value="2017-05-02"' in page
    assert 'value="070-1234567"' in page
    assert f'name="form_token" value="{form["form_token"]}"' in page  # resend = still one case
    assert _cases(platform) == 2
    clock.now += 1800
    resent = client.post("/t/default/orosanmalan", data=form)
    assert resent.status_code == 200 and "case-number" in resent.text
    assert _cases(platform) == 3
    assert _post(client) == 429


def test_clients_and_tenants_have_their_own_buckets(
    app, client: TestClient, platform: Platform, second_tenant: str
) -> None:  # type: ignore[no-untyped-def]
    _limit(app, FakeClock(), reports=1)
    assert [_post(client), _post(client)] == [200, 429]
    assert _post(client, second_tenant) == 200
    with TestClient(app, client=("192.0.2.7", 40000)) as other:
        assert [_post(other), _post(other)] == [200, 429]
    assert _cases(platform) == 3


def test_zero_switches_the_limit_off(app, client: TestClient, platform: Platform) -> None:  # type: ignore[no-untyped-def]
    _limit(app, FakeClock(), reports=0)
    assert [_post(client) for _ in range(5)] == [200] * 5
    assert _cases(platform) == 5


def test_the_limiter_is_made_from_the_platform_settings(
    app, client: TestClient, platform: Platform
) -> None:  # type: ignore[no-untyped-def]
    platform.settings = platform.settings.model_copy(update={"public_reports_per_hour": 1})
    assert [_post(client), _post(client)] == [200, 429]
    assert app.state.public_limits.limits["report"] == Limit(1, 3600.0)


def test_x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(app) -> None:  # type: ignore[no-untyped-def]
    _limit(app, FakeClock(), reports=1, proxies="")
    with TestClient(app, client=(PROXY, 40000)) as client:
        assert _post(client, **{"x-forwarded-for": "198.51.100.1"}) == 200
        assert _post(client, **{"x-forwarded-for": "198.51.100.2"}) == 429  # same peer


def test_a_trusted_proxy_forwards_the_client_address(app) -> None:  # type: ignore[no-untyped-def]
    _limit(app, FakeClock(), reports=1, proxies="10.9.0.0/24")
    with TestClient(app, client=(PROXY, 40000)) as client:
        first = {"x-forwarded-for": "198.51.100.1"}
        assert [_post(client, **first), _post(client, **first)] == [200, 429]
        # a client cannot pick its own bucket: only the right-most untrusted hop counts
        spoofed = {"x-forwarded-for": "203.0.113.9, 198.51.100.1"}
        assert _post(client, **spoofed) == 429
        assert _post(client, **{"x-forwarded-for": "198.51.100.2, 10.9.0.5"}) == 200
    with TestClient(app, client=("192.0.2.50", 40000)) as untrusted:
        assert _post(untrusted, **{"x-forwarded-for": "198.51.100.3"}) == 200
        assert _post(untrusted, **{"x-forwarded-for": "198.51.100.4"}) == 429


def test_the_client_address_is_never_logged_in_clear(app, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    _limit(app, FakeClock(), reports=1)
    address = "198.51.100.77"
    with caplog.at_level(logging.INFO), TestClient(app, client=(address, 40000)) as client:
        assert [_post(client) for _ in range(3)] == [200, 429, 429]
    lines = [r.getMessage() for r in caplog.records if r.name == "tillit.web.ratelimit"]
    assert len(lines) == 1 and "rate limit reached" in lines[0]
    assert address not in caplog.text and "client=" in lines[0]


def test_an_ipv6_subscriber_is_one_client_across_its_64() -> None:
    from tillit.web.ratelimit import bucket_key

    assert (
        bucket_key("2001:db8:1:2::1") == bucket_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    )
    assert bucket_key("2001:db8:1:3::1") != bucket_key("2001:db8:1:2::1")
    assert bucket_key("203.0.113.7") == "203.0.113.7" == bucket_key("::ffff:203.0.113.7")
    assert bucket_key("unknown") == "unknown"


def test_refused_forms_do_not_use_up_the_quota(app, client: TestClient, platform: Platform) -> None:  # type: ignore[no-untyped-def]
    _limit(app, FakeClock(), reports=1)
    bad = {**report_form(client), "reporter_email": "inte-en-epost"}
    assert [client.post("/t/default/orosanmalan", data=bad).status_code for _ in range(3)] == [
        400
    ] * 3
    good = report_form(client)
    assert client.post("/t/default/orosanmalan", data=good).status_code == 200
    assert _post(client) == 429 and _cases(platform) == 1
