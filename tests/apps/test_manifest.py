"""A manifest the parser cannot read is refused in Swedish (InvalidInput), never a crash."""

from __future__ import annotations

import pytest

from tillit.apps.manifest import parse_manifest
from tillit.errors import InvalidInput


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("name: [unclosed", "Manifestet är inte giltig YAML på rad 1"),
        ("- a\n- b", "Manifestet måste vara en YAML-mappning."),
        ("collections: " + "[" * 5000, "Manifestet är för djupt nästlat."),  # a RecursionError
        ('name: x\ncollections: ["\\ud800"]', "Manifestet innehåller ogiltiga Unicode-tecken."),
    ],
    ids=["broken", "a-list", "nested-too-deep", "unpaired-surrogate"],
)
def test_an_unreadable_manifest_is_refused_in_swedish(raw: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_manifest(raw)
    assert problem in refused.value.message
