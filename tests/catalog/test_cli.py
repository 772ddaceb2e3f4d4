"""``tillit models disable|enable``."""

from __future__ import annotations

from tests.support.factories import register_upstream_model
from tillit.catalog.tables import CatalogModel


def test_the_cli_turns_a_model_off_and_on(cli, platform, upstream) -> None:  # type: ignore[no-untyped-def]
    model_id = register_upstream_model(platform, upstream, name="kommun-llm")
    off = cli("models", "disable", "kommun-llm")
    assert off.exit_code == 0 and "avstängd" in off.stdout
    with platform.session() as db:
        assert db.get(CatalogModel, model_id).enabled is False
    assert cli("models", "enable", "kommun-llm").exit_code == 0
    with platform.session() as db:
        assert db.get(CatalogModel, model_id).enabled is True
    assert cli("models", "enable", "finns-inte").exit_code == 1
