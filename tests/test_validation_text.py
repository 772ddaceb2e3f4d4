"""Pydantic's validation errors in Swedish (tillit/validation_text.py), from real models."""

from __future__ import annotations

from datetime import date
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tillit.validation_text import describe


class Example(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=5)
    level: Literal["K0", "K1", "K2", "K3"] = "K1"
    count: int = Field(default=1, ge=1)
    when: date | None = None
    tags: list[str] = []

    @field_validator("name")
    @classmethod
    def _no_digits(cls, value: str) -> str:
        if any(ch.isdigit() for ch in value):
            raise ValueError("namnet får inte innehålla siffror")
        return value


def errors_for(data: dict[str, object]) -> str:
    with pytest.raises(ValidationError) as caught:
        Example.model_validate(data)
    return describe(caught.value.errors())


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, "name: saknas"),
        ({"name": ""}, "name: måste ha minst 1 tecken"),
        ({"name": "abcdefg"}, "name: får ha högst 5 tecken"),
        ({"name": "a1"}, "name: namnet får inte innehålla siffror"),
        ({"name": "a", "level": "K9"}, "level: måste vara 'K0', 'K1', 'K2' eller 'K3'"),
        ({"name": "a", "count": 0}, "count: måste vara minst 1"),
        ({"name": "a", "count": "många"}, "count: måste vara ett heltal"),
        ({"name": "a", "count": "9" * 5000}, "count: är ett för stort tal"),  # a path's id
        ({"name": "a", "when": "igår"}, "when: måste vara ett datum (ÅÅÅÅ-MM-DD)"),
        ({"name": "a", "tags": "x"}, "tags: måste vara en lista"),
        ({"name": "a", "tags": [1]}, "tags.0: måste vara text"),
        ({"name": "a", "colour": "blå"}, "colour: okänt fält"),
    ],
)
def test_each_kind_reads_in_swedish(data: dict[str, object], expected: str) -> None:
    assert errors_for(data) == expected


def test_several_errors_are_joined_and_capped() -> None:
    text = errors_for({"name": "", "count": 0, "colour": 1})
    assert text == "name: måste ha minst 1 tecken; count: måste vara minst 1; colour: okänt fält"
    with pytest.raises(ValidationError) as caught:
        Example.model_validate({"name": "", "count": 0, "colour": 1})
    assert describe(caught.value.errors(), limit=1) == "name: måste ha minst 1 tecken; …"


def test_a_rare_kind_keeps_pydantics_text() -> None:
    rare = {"type": "some_future_kind", "loc": ("x",), "msg": "Something odd"}
    assert describe([rare]) == "x: Something odd"


def test_json_and_yaml_errors_say_where_in_swedish() -> None:
    import yaml

    from tillit.validation_text import describe, yaml_problem

    errors = [{"type": "json_invalid", "loc": ("body", 9), "msg": "JSON decode error"}]
    assert describe(errors, skip=1) == "anropet är inte giltig JSON (vid tecken 9)"
    raw = [{"type": "string_unicode", "loc": ("body", "namn"), "msg": "Input should be …"}]
    assert describe(raw, skip=1) == "namn: måste vara text i UTF-8"
    try:
        yaml.safe_load("name: [1, 2")
    except yaml.YAMLError as exc:
        message = yaml_problem(exc, "Manifestet")
    assert message.startswith("Manifestet är inte giltig YAML på rad 1") and "flow" not in message
