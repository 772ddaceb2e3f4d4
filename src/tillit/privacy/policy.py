"""Pseudonymisation as a policy step: when a call's information class is above what a model is
cleared for, a caller (or app) that allows it gets its text pseudonymised before it leaves, and
the answer re-identified on the way back. Pseudonymised text counts as one class lower
(K3 → K2): names, identity numbers and contact details are gone, the content is not."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tillit.policy import SecurityClass
from tillit.privacy.pseudonymise import Pseudonymiser

CLASS_DROP = 1
ALLOW_HEADER = "x-tillit-privacy"
ALLOW_VALUES = frozenset({"pseudonymise", "pseudonymisera"})
CALLER = frozenset({"caller"})


def class_after_pseudonymisation(call_class: SecurityClass) -> SecurityClass:
    return SecurityClass(f"K{max(0, call_class.level - CLASS_DROP)}")


# Body fields of a chat call that carry no free text, with the value each must have, so they may
# pass pseudonymisation as they are. Anything else (tools, metadata, user, stop strings, JSON
# schemas, a message's name or tool calls, image parts, a text part that is not a string) could
# hold personal data that the masking does not see, and is refused instead.
_NUMBER = (int, float)
PLAIN_BODY: dict[str, Any] = {
    "model": str,
    "messages": list,
    "temperature": _NUMBER,
    "top_p": _NUMBER,
    "max_tokens": int,
    "max_completion_tokens": int,
    "n": int,
    "stream": bool,
    "presence_penalty": _NUMBER,
    "frequency_penalty": _NUMBER,
    "seed": int,
}
MESSAGE_ROLES = frozenset({"system", "developer", "user", "assistant"})
PLAIN_RESPONSE_FORMATS = ({"type": "text"}, {"type": "json_object"})


def unmaskable_fields(body: dict[str, Any]) -> list[str]:
    """Fields of a chat body that pseudonymisation cannot cover (see PLAIN_BODY)."""
    found = [key for key, value in body.items() if not _plain_field(key, value)]
    for i, message in enumerate(body.get("messages") or []):
        if not isinstance(message, dict):
            found.append(f"messages[{i}]")
            continue
        found += [f"messages[{i}].{key}" for key in message if key not in ("role", "content")]
        if message.get("role") not in MESSAGE_ROLES:
            found.append(f"messages[{i}].role")
        found += _unmaskable_content(i, message.get("content"))
    return found


def _plain_field(key: str, value: Any) -> bool:
    if key == "response_format":
        return value in PLAIN_RESPONSE_FORMATS
    kind = PLAIN_BODY.get(key)
    if kind is None:
        return False
    return isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))


def _unmaskable_content(i: int, content: Any) -> list[str]:
    if content is None or isinstance(content, str):
        return []
    if not isinstance(content, list):
        return [f"messages[{i}].content"]
    return [
        f"messages[{i}].content[{j}]"
        for j, part in enumerate(content)
        if not isinstance(part, dict)
        or part.get("type") != "text"
        or not isinstance(part.get("text"), str)
        or set(part) - {"type", "text"}
    ]


@dataclass
class PrivacyStep:
    """One call's pseudonymisation: the mapping lives only for the call, in memory."""

    pseudonymiser: Pseudonymiser = field(default_factory=lambda: Pseudonymiser("reversible"))
    detected: Counter[str] = field(default_factory=Counter)
    restored: int = 0

    def mask(self, text: str) -> str:
        result = self.pseudonymiser.pseudonymise(text)
        self.detected.update(r.type for r in result.replacements)
        return result.text

    def mask_messages(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [self._mask_message(m) for m in messages]

    def _mask_message(self, message: dict[str, Any]) -> dict[str, Any]:
        content = message.get("content")
        if isinstance(content, str):
            return {**message, "content": self.mask(content)}
        if isinstance(content, list):
            parts = [
                {**p, "text": self.mask(p["text"])}
                if isinstance(p, dict) and isinstance(p.get("text"), str)
                else p
                for p in content
            ]
            return {**message, "content": parts}
        return message

    def unmask(self, text: str) -> str:
        """Back to the caller who supplied the originals (so no new disclosure)."""

        def count(_action: str, detail: dict[str, Any]) -> None:
            self.restored += int(detail.get("replaced", 0))

        return self.pseudonymiser.reidentify(text, roles=CALLER, audit=count, allowed_roles=CALLER)

    def record(self) -> dict[str, Any]:
        """For the Run: types and counts, never values."""
        return {
            "action": "pseudonymised",
            "detected": dict(self.detected),
            "reidentified": self.restored,
        }
