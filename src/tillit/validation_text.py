"""Pydantic's validation errors in Swedish, for every place a person reads them.

CLI commands, pages, the JSON API, manifest and record files all report invalid input as
``field: problem; field: problem``. Pydantic writes the problem in English; this module writes
the common kinds in Swedish from the error's ``type`` and ``ctx`` and keeps pydantic's text for
rare kinds. A message from one of our own validators (``value_error``) is shown as written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

_FIXED = {
    "missing": "saknas",
    "extra_forbidden": "okänt fält",
    "string_type": "måste vara text",
    "string_unicode": "måste vara text i UTF-8",
    "int_type": "måste vara ett heltal",
    "int_parsing": "måste vara ett heltal",
    "int_from_float": "måste vara ett heltal",
    "int_parsing_size": "är ett för stort tal",
    "float_type": "måste vara ett tal",
    "float_parsing": "måste vara ett tal",
    "bool_type": "måste vara sant eller falskt",
    "bool_parsing": "måste vara sant eller falskt",
    "list_type": "måste vara en lista",
    "dict_type": "måste vara en mappning (nycklar och värden)",
    "model_type": "måste vara en mappning (nycklar och värden)",
    "model_attributes_type": "måste vara en mappning (nycklar och värden)",
    "date_type": "måste vara ett datum (ÅÅÅÅ-MM-DD)",
    "date_parsing": "måste vara ett datum (ÅÅÅÅ-MM-DD)",
    "date_from_datetime_parsing": "måste vara ett datum (ÅÅÅÅ-MM-DD)",
    "datetime_type": "måste vara en tidpunkt (ÅÅÅÅ-MM-DD TT:MM)",
    "datetime_parsing": "måste vara en tidpunkt (ÅÅÅÅ-MM-DD TT:MM)",
    "datetime_from_date_parsing": "måste vara en tidpunkt (ÅÅÅÅ-MM-DD TT:MM)",
    "url_parsing": "måste vara en giltig adress (URL)",
    "url_type": "måste vara en giltig adress (URL)",
    "url_scheme": "måste vara en adress som börjar med http:// eller https://",
    "json_invalid": "är inte giltig JSON",
    "none_required": "ska inte anges",
    "string_pattern_mismatch": "har fel format",
}


def _one_of(ctx: Mapping[str, Any]) -> str:
    return "måste vara " + str(ctx.get("expected", "")).replace(" or ", " eller ")


_WITH_CONTEXT: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "literal_error": _one_of,
    "enum": _one_of,
    "string_too_short": lambda c: f"måste ha minst {c.get('min_length')} tecken",
    "string_too_long": lambda c: f"får ha högst {c.get('max_length')} tecken",
    "too_short": lambda c: f"måste ha minst {c.get('min_length')} element",
    "too_long": lambda c: f"får ha högst {c.get('max_length')} element",
    "greater_than": lambda c: f"måste vara större än {c.get('gt')}",
    "greater_than_equal": lambda c: f"måste vara minst {c.get('ge')}",
    "less_than": lambda c: f"måste vara mindre än {c.get('lt')}",
    "less_than_equal": lambda c: f"får vara högst {c.get('le')}",
    "value_error": lambda c: str(c.get("error", "ogiltigt värde")),
    "assertion_error": lambda c: str(c.get("error", "ogiltigt värde")),
}


def problem(error: Mapping[str, Any]) -> str:
    """One error's problem in Swedish (pydantic's English for kinds not listed here)."""
    kind = str(error.get("type", ""))
    if kind in _FIXED:
        return _FIXED[kind]
    if kind in _WITH_CONTEXT:
        return _WITH_CONTEXT[kind](error.get("ctx") or {})
    return str(error.get("msg", "ogiltigt värde"))


def field(error: Mapping[str, Any], skip: int = 0) -> str:
    """The field's path as ``a.b.0``; ``skip`` leading parts (FastAPI's ``body``/``query``)."""
    return ".".join(str(part) for part in tuple(error.get("loc", ()))[skip:])


def describe(errors: Iterable[Mapping[str, Any]], limit: int = 10, skip: int = 0) -> str:
    """``field: problem; field: problem`` for at most ``limit`` errors."""
    parts = []
    for number, error in enumerate(errors):
        if number == limit:
            parts.append("…")
            break
        name = field(error, skip)
        if error.get("type") == "json_invalid":  # the "field" is a position in the text
            where = f" (vid tecken {name})" if name.isdigit() else ""
            parts.append(f"anropet är inte giltig JSON{where}")
            continue
        parts.append(f"{name}: {problem(error)}" if name else problem(error))
    return "; ".join(parts)


def yaml_problem(exc: Exception, what: str) -> str:
    """A YAML parse error in Swedish (PyYAML writes English), saying where: ``what`` is the
    file's name in the sentence ("Manifestet", "Underlaget")."""
    mark = getattr(exc, "problem_mark", None)
    where = f" på rad {mark.line + 1}, kolumn {mark.column + 1}" if mark is not None else ""
    return (
        f"{what} är inte giltig YAML{where}. Kontrollera indrag, kolon efter fältnamnen "
        "och citattecken runt text som innehåller kolon."
    )


def has_unpaired_surrogate(data: Any) -> bool:
    """True when parsed YAML or JSON holds text that cannot be written as UTF-8 (an unpaired
    surrogate such as "\\ud800"): it can be neither stored nor sent on."""
    try:
        json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except (ValueError, RecursionError):  # not for this check to judge
        return False
    return False
