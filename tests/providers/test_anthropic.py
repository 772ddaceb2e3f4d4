"""The Anthropic provider: request/response translation as pure functions, the provider against a
real fake Anthropic server process, and the gateway in front of it through the official SDK."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator

import anyio
import httpx
import openai
import pytest
from sqlalchemy import select

from tests.support.factories import auth, make_key
from tests.support.servers import free_port, running
from tillit.auth.service import get_tenant
from tillit.catalog.schemas import ModelIn
from tillit.catalog.service import add_model
from tillit.errors import InvalidInput, ModelUnavailable, ProviderError
from tillit.platform import Platform
from tillit.providers.anthropic import AnthropicProvider, to_anthropic, to_openai
from tillit.providers.base import ProviderSpec
from tillit.runs.tables import Run

KEY = "test-anthropic-key"


@pytest.fixture(scope="module")
def anthropic_url() -> Iterator[str]:
    """Base URL (without /v1, as Anthropic documents it) of the fake Anthropic server."""
    port = free_port()
    with running(
        [sys.executable, "-m", "tests.support.anthropic_upstream", str(port)],
        f"http://127.0.0.1:{port}/v1/models",
    ):
        yield f"http://127.0.0.1:{port}"


def register(
    platform: Platform,
    base_url: str,
    name: str = "claude",
    remote: str = "claude-test",
    api_key: str | None = KEY,
    **extra: object,
) -> None:
    with platform.session() as db:
        add_model(
            db,
            get_tenant(db, "default"),
            ModelIn(
                name=name,
                provider="anthropic",
                base_url=base_url,
                remote_model=remote,
                api_key=api_key,
                **extra,
            ),
            platform.box,
        )


def runs(platform: Platform) -> list[Run]:
    with platform.session() as db:
        return list(db.scalars(select(Run).order_by(Run.started_at)))


@pytest.fixture
def sdk(client, platform, anthropic_url):  # type: ignore[no-untyped-def]
    register(platform, anthropic_url, price_in_per_1k=3.0, price_out_per_1k=15.0)
    return openai.OpenAI(
        api_key=make_key(platform),
        base_url=str(client.base_url) + "/v1",
        http_client=client,
        max_retries=0,
    )


def chat(client, platform, model: str, **body: object) -> httpx.Response:  # type: ignore[no-untyped-def]
    payload = {"model": model, "messages": [{"role": "user", "content": "x"}], **body}
    return client.post("/v1/chat/completions", headers=auth(make_key(platform)), json=payload)


# --- pure translation ---------------------------------------------------------------------


def test_request_translation() -> None:
    body = {
        "model": "claude-test",
        "messages": [
            {"role": "system", "content": "Du är kommunens assistent."},
            {"role": "developer", "content": [{"type": "text", "text": "Svara kort."}]},
            {"role": "user", "content": "Hej"},
            {"role": "assistant", "content": "Hej!"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Vad kostar "},
                    {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                    {"type": "text", "text": "bygglov?"},
                ],
            },
        ],
        "max_completion_tokens": 200,
        "temperature": 0.1,
        "top_p": 0.9,
        "stop": "SLUT",
        "stream_options": {"include_usage": True},
        "seed": 7,
        "n": 1,
        "user": "someone",
    }
    assert to_anthropic(body) == {
        "model": "claude-test",
        "system": "Du är kommunens assistent.\n\nSvara kort.",
        "messages": [
            {"role": "user", "content": "Hej"},
            {"role": "assistant", "content": "Hej!"},
            {"role": "user", "content": "Vad kostar bygglov?"},
        ],
        "max_tokens": 200,
        "temperature": 0.1,
        "top_p": 0.9,
        "stop_sequences": ["SLUT"],
    }


def test_request_translation_defaults_and_refusals() -> None:
    minimal = to_anthropic({"model": "m", "messages": [{"role": "user", "content": "x"}]})
    assert minimal == {
        "model": "m",
        "messages": [{"role": "user", "content": "x"}],
        "max_tokens": 1024,
    }
    listed = to_anthropic(
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "stop": ["a", "b"]}
    )
    assert listed["stop_sequences"] == ["a", "b"]
    bad = [
        ({"n": 2}, "unsupported_parameter"),
        ({"max_tokens": 0}, "invalid_parameter"),
        ({"max_tokens": "many"}, "invalid_parameter"),
        ({"messages": [{"role": "system", "content": "bara system"}]}, "invalid_messages"),
        ({"messages": [{"role": "tool", "content": "{}"}]}, "unsupported_role"),
        ({"messages": [{"role": "user", "content": 42}]}, "invalid_messages"),
    ]
    for extra, code in bad:
        with pytest.raises(InvalidInput) as caught:
            to_anthropic({"model": "m", "messages": [{"role": "user", "content": "x"}], **extra})
        assert caught.value.code == code


def test_response_translation() -> None:
    spec = ProviderSpec(name="claude", remote_model="claude-test", base_url=None, api_key=None)
    payload = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-test-20250101",
        "content": [
            {"type": "thinking", "thinking": "hmm"},
            {"type": "text", "text": "Hej "},
            {"type": "text", "text": "där"},
        ],
        "stop_reason": "max_tokens",
        "usage": {"input_tokens": 10, "cache_read_input_tokens": 5, "output_tokens": 2},
    }
    result = to_openai(payload, spec)
    assert result["object"] == "chat.completion" and result["id"] == "msg_1"
    assert result["model"] == "claude-test-20250101"
    assert result["choices"][0]["message"] == {"role": "assistant", "content": "Hej där"}
    assert result["choices"][0]["finish_reason"] == "length"
    assert result["usage"] == {"prompt_tokens": 15, "completion_tokens": 2, "total_tokens": 17}
    with pytest.raises(ProviderError) as caught:
        to_openai({"type": "error", "error": {}}, spec)
    assert caught.value.code == "upstream_bad_response"


# --- the provider directly --------------------------------------------------------------------


def _spec(base_url: str, api_key: str | None = KEY, remote: str = "claude-test") -> ProviderSpec:
    return ProviderSpec(name="claude", remote_model=remote, base_url=base_url, api_key=api_key)


async def _with_provider(spec: ProviderSpec, method: str, *args: object) -> object:
    provider = AnthropicProvider(spec)
    try:
        return await getattr(provider, method)(*args)
    finally:
        await provider.aclose()


def test_embeddings_are_not_supported() -> None:
    with pytest.raises(ModelUnavailable) as caught:
        anyio.run(_with_provider, _spec("http://127.0.0.1:9"), "embeddings", {"input": "x"})
    assert caught.value.code == "capability_not_supported"


def test_health(anthropic_url: str) -> None:
    assert anyio.run(_with_provider, _spec(anthropic_url + "/v1"), "health") == "ok"
    with pytest.raises(ProviderError) as caught:
        anyio.run(_with_provider, _spec(anthropic_url, api_key="wrong-secret"), "health")
    assert caught.value.code == "upstream_auth_failed"
    assert "wrong-secret" not in caught.value.message
    with pytest.raises(ProviderError) as caught:
        anyio.run(_with_provider, _spec("http://127.0.0.1:9"), "health")
    assert caught.value.code == "upstream_unreachable"


def _stream_from(body: bytes) -> list[dict]:
    """Run chat_stream against a canned SSE body."""

    async def go() -> list[dict]:
        provider = AnthropicProvider(_spec("http://anthropic.test"))
        provider._client._transport = httpx.MockTransport(
            lambda _request: httpx.Response(200, content=body)
        )
        try:
            body_in = {"model": "claude-test", "messages": [{"role": "user", "content": "x"}]}
            return [chunk async for chunk in provider.chat_stream(body_in)]
        finally:
            await provider.aclose()

    return anyio.run(go)


def test_malformed_streams_are_bad_responses() -> None:
    start = b'event: message_start\ndata: {"type": "message_start", "message": {"id": "m"}}\n\n'
    for body in (
        b"data: {not json\n\n",
        b'data: ["a list"]\n\n',
        b'data: {"type": "message_start", "message": "oops"}\n\n',
        start,  # ends without message_stop: a truncated answer must not pass as complete
    ):
        with pytest.raises(ProviderError) as caught:
            _stream_from(body)
        assert caught.value.code == "upstream_bad_response"


# --- through the gateway, with the official OpenAI SDK ----------------------------------------


def test_openai_sdk_chat_non_stream(sdk, platform) -> None:  # type: ignore[no-untyped-def]
    reply = sdk.chat.completions.create(
        model="claude", messages=[{"role": "user", "content": "Hej kommunen"}]
    )
    assert reply.choices[0].message.content == "Svar: Hej kommunen"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.model == "claude-test"
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (2, 3)
    [run] = runs(platform)
    assert (run.status, run.provider, run.remote_model) == ("ok", "anthropic", "claude-test")
    assert (run.prompt_tokens, run.completion_tokens) == (2, 3)
    assert run.cost == pytest.approx(2 / 1000 * 3.0 + 3 / 1000 * 15.0)


def test_system_prompt_and_parameters_are_translated(sdk) -> None:  # type: ignore[no-untyped-def]
    reply = sdk.chat.completions.create(
        model="claude",
        messages=[
            {"role": "system", "content": "Du är kommunens assistent."},
            {"role": "system", "content": "Svara på svenska."},
            {"role": "user", "content": "visa parametrar"},
        ],
        max_tokens=500,
        temperature=0.3,
        top_p=0.8,
        stop=["SLUT"],
    )
    received = json.loads(reply.choices[0].message.content)
    assert received == {
        "system": "Du är kommunens assistent.\n\nSvara på svenska.",
        "max_tokens": 500,
        "stop_sequences": ["SLUT"],
        "temperature": 0.3,
        "top_p": 0.8,
        "messages": [{"role": "user", "content": "visa parametrar"}],
    }
    default = sdk.chat.completions.create(
        model="claude", messages=[{"role": "user", "content": "visa parametrar"}]
    )
    assert json.loads(default.choices[0].message.content)["max_tokens"] == 1024


def test_stop_reasons_map_to_finish_reasons(sdk) -> None:  # type: ignore[no-untyped-def]
    long = [{"role": "user", "content": "ett två tre fyra fem"}]
    cut = sdk.chat.completions.create(model="claude", messages=long, max_tokens=2)
    assert cut.choices[0].message.content == "Svar: ett"
    assert cut.choices[0].finish_reason == "length"
    stopped = sdk.chat.completions.create(model="claude", messages=long, stop="tre")
    assert stopped.choices[0].message.content == "Svar: ett två "
    assert stopped.choices[0].finish_reason == "stop"


def test_openai_sdk_chat_stream(sdk, platform) -> None:  # type: ignore[no-untyped-def]
    stream = sdk.chat.completions.create(
        model="claude",
        messages=[
            {"role": "system", "content": "Var vänlig."},
            {"role": "user", "content": "ett två tre"},
        ],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == (
        "Svar: ett två tre"
    )
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == 5 + 4
    [run] = runs(platform)
    assert run.status == "ok" and run.stream
    assert (run.prompt_tokens, run.completion_tokens) == (5, 4)
    assert run.response_model == "claude-test"


def test_base_url_with_v1_also_works(client, platform, anthropic_url) -> None:  # type: ignore[no-untyped-def]
    register(platform, anthropic_url + "/v1", name="claude-v1")
    response = chat(client, platform, "claude-v1")
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "Svar: x"


@pytest.mark.parametrize(
    ("remote", "api_key", "status", "code"),
    [
        ("fail-500", KEY, 502, "upstream_error"),
        ("claude-test", "sk-ant-wrong-key", 502, "upstream_auth_failed"),
        ("overloaded", KEY, 503, "upstream_overloaded"),
        ("garbage", KEY, 502, "upstream_bad_response"),
    ],
)
def test_upstream_failures_become_clear_errors(  # type: ignore[no-untyped-def]
    client, platform, anthropic_url, remote, api_key, status, code
) -> None:
    register(platform, anthropic_url, name="broken", remote=remote, api_key=api_key)
    for stream in (False, True):
        response = chat(client, platform, "broken", stream=stream)
        assert response.status_code == status
        assert response.json()["error"]["code"] == code
        assert api_key not in response.text
    assert [r.error_code for r in runs(platform)] == [code, code]


def test_rejected_request_and_unreachable(client, platform, anthropic_url) -> None:  # type: ignore[no-untyped-def]
    register(platform, anthropic_url)
    response = chat(client, platform, "claude", n=3)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unsupported_parameter"
    register(platform, "http://127.0.0.1:9", name="gone")
    response = chat(client, platform, "gone")
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "upstream_unreachable"


def test_error_mid_stream_ends_with_error_event(client, platform, anthropic_url) -> None:  # type: ignore[no-untyped-def]
    register(platform, anthropic_url, name="flaky", remote="stream-error")
    response = chat(
        client,
        platform,
        "flaky",
        stream=True,
        messages=[{"role": "user", "content": "a b c d"}],
    )
    assert response.status_code == 200
    events = [
        json.loads(line[6:])
        for line in response.text.splitlines()
        if line.startswith("data: ") and line != "data: [DONE]"
    ]
    assert "".join(e["choices"][0]["delta"].get("content", "") for e in events[:-1]) == "Svar: a"
    assert events[-1]["error"]["code"] == "upstream_error"
    assert "data: [DONE]" not in response.text
    [run] = runs(platform)
    assert (run.status, run.error_code) == ("error", "upstream_error")


def test_embeddings_on_anthropic_model(client, platform, anthropic_url) -> None:  # type: ignore[no-untyped-def]
    register(platform, anthropic_url, name="chat-only")
    register(platform, anthropic_url, name="claimed", capabilities=["chat", "embeddings"])
    secret = make_key(platform)
    for name, status in (("chat-only", 400), ("claimed", 503)):
        response = client.post(
            "/v1/embeddings", headers=auth(secret), json={"model": name, "input": "hej"}
        )
        assert response.status_code == status
        assert response.json()["error"]["code"] == "capability_not_supported"
