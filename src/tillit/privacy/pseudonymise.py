"""Pseudonymisation: the same value gets the same pseudonym across a document and a case.

- ``mode="reversible"``: the mapping (pseudonym → original) is kept and can be exported only
  encrypted with ``SecretBox``; ``reidentify`` restores originals for an authorised role, audited.
- ``mode="irreversible"``: no original is kept; values are keyed by HMAC-SHA256 under ``secret``
  (random and never exported unless given), so equal values still get equal pseudonyms.
- ``style="tag"`` writes "[Person 1]", "[Personnummer 1]"; ``style="names"`` writes realistic
  Swedish names for people (name word by name word, so a family keeps a shared surname) and tags
  for everything else.

A person mentioned by first name only ("Elias") after a full name ("Elias Nordström") gets that
person's tag when the first name belongs to one known person only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from tillit.auth.secretbox import SecretBox
from tillit.errors import InvalidInput, PermissionDenied
from tillit.privacy.detect import Entity, detect
from tillit.privacy.identity import parse_identity
from tillit.privacy.names import (
    first_name_gender,
    lexicon,
    replacement_first_names,
    replacement_names,
)

Mode = Literal["reversible", "irreversible"]
Style = Literal["tag", "names"]
AuditHook = Callable[[str, dict[str, Any]], None]
REIDENTIFY_ROLES = frozenset({"caseworker"})
LABELS = {
    "PERSON": "Person", "PNR": "Personnummer", "ADDRESS": "Adress", "PHONE": "Telefon",
    "EMAIL": "E-post", "ORG": "Organisation", "IBAN": "IBAN", "BANKGIRO": "Bankgiro",
    "PLUSGIRO": "Plusgiro", "REGNR": "Registreringsnummer",
}  # fmt: skip


@dataclass(frozen=True)
class Replacement:
    start: int  # offsets in the original text
    end: int
    new_start: int  # offsets in the pseudonymised text
    new_end: int
    type: str
    pseudonym: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Pseudonymised:
    text: str
    replacements: list[Replacement] = field(default_factory=list)


class Pseudonymiser:
    def __init__(
        self, mode: Mode = "reversible", style: Style = "tag", secret: bytes | None = None
    ) -> None:
        if mode not in ("reversible", "irreversible") or style not in ("tag", "names"):
            raise InvalidInput("Okänt läge eller stil för pseudonymisering.", code="privacy_mode")
        self.mode, self.style = mode, style
        self._secret = secret or secrets.token_bytes(32)
        self._pseudonyms: dict[str, str] = {}  # digest → pseudonym
        self._originals: dict[str, str] = {}  # pseudonym → original (reversible mode only)
        self._counters: dict[str, int] = {}
        self._first_names: dict[str, set[str]] = {}  # first name → digests of full names

    def pseudonymise(self, text: str, entities: Iterable[Entity] | None = None) -> Pseudonymised:
        found = sorted(detect(text) if entities is None else entities)
        self._learn_full_names(found)
        parts: list[str] = []
        replacements: list[Replacement] = []
        position = length = 0
        for entity in found:
            pseudonym = self._pseudonym(entity.type, text[entity.start : entity.end])
            parts += [text[position : entity.start], pseudonym]
            length += entity.start - position
            replacements.append(
                Replacement(
                    entity.start,
                    entity.end,
                    length,
                    length + len(pseudonym),
                    entity.type,
                    pseudonym,
                )
            )
            length += len(pseudonym)
            position = entity.end
        parts.append(text[position:])
        return Pseudonymised("".join(parts), replacements)

    # -- mapping -------------------------------------------------------------------------------

    def export_mapping(self, box: SecretBox, tenant_id: int | None = None) -> str:
        """The encrypted mapping, to continue the case later or to re-identify (reversible
        only). ``tenant_id``: the organisation it belongs to; no other may use it."""
        self._require_reversible()
        state = {
            "version": 1,
            "tenant": tenant_id,
            "style": self.style,
            "secret": base64.b64encode(self._secret).decode(),
            "pseudonyms": self._pseudonyms,
            "originals": self._originals,
            "counters": self._counters,
            "first_names": {k: sorted(v) for k, v in self._first_names.items()},
        }
        return box.encrypt(json.dumps(state, ensure_ascii=False))

    @classmethod
    def from_mapping(
        cls, token: str, box: SecretBox, tenant_id: int | None = None
    ) -> Pseudonymiser:
        """``tenant_id``: the caller's organisation; a mapping made for another is refused."""
        state = json.loads(box.decrypt(token))
        owner = state.get("tenant")
        if owner is not None and tenant_id is not None and owner != tenant_id:
            raise PermissionDenied(
                "Nyckeln till pseudonymerna hör till en annan organisation.",
                code="mapping_other_tenant",
            )
        pseudonymiser = cls("reversible", state["style"], base64.b64decode(state["secret"]))
        pseudonymiser._pseudonyms = dict(state["pseudonyms"])
        pseudonymiser._originals = dict(state["originals"])
        pseudonymiser._counters = dict(state["counters"])
        pseudonymiser._first_names = {k: set(v) for k, v in state["first_names"].items()}
        return pseudonymiser

    def reidentify(
        self,
        text: str,
        *,
        roles: Iterable[str],
        audit: AuditHook,
        allowed_roles: frozenset[str] = REIDENTIFY_ROLES,
    ) -> str:
        """Originals back in place of pseudonyms; only for ``allowed_roles``; always audited
        (the audit record holds counts, never values)."""
        self._require_reversible()
        if not allowed_roles & set(roles):
            audit("privacy.reidentify", {"outcome": "denied"})
            raise PermissionDenied("Din roll får inte återidentifiera pseudonymiserad text.")
        if not self._originals:
            audit("privacy.reidentify", {"outcome": "ok", "replaced": 0})
            return text
        keys = sorted(self._originals, key=len, reverse=True)
        pattern = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, keys)) + r")(?![\w-])")
        restored, count = pattern.subn(lambda m: self._originals[m.group()], text)
        audit("privacy.reidentify", {"outcome": "ok", "replaced": count})
        return restored

    # -- internals -----------------------------------------------------------------------------

    def _require_reversible(self) -> None:
        if self.mode != "reversible":
            raise InvalidInput(
                "Irreversibel pseudonymisering sparar ingen nyckel.", code="privacy_irreversible"
            )

    def _digest(self, kind: str, value: str) -> str:
        message = f"{kind}\x00{_normalise(kind, value)}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]

    def _learn_full_names(self, entities: list[Entity]) -> None:
        for entity in entities:
            words = entity.text.split()
            if entity.type == "PERSON" and len(words) > 1:
                key = self._digest("PERSON", entity.text)
                self._first_names.setdefault(words[0].casefold(), set()).add(key)

    def _pseudonym(self, kind: str, value: str) -> str:
        if kind == "PERSON" and self.style == "names":
            return " ".join(self._name_word(w, i) for i, w in enumerate(value.split()))
        digest = self._person_digest(value) if kind == "PERSON" else self._digest(kind, value)
        if digest not in self._pseudonyms:
            number = self._counters.get(kind, 0) + 1
            self._counters[kind] = number
            self._remember(digest, f"[{LABELS[kind]} {number}]", value)
        return self._pseudonyms[digest]

    def _person_digest(self, value: str) -> str:
        owners = self._first_names.get(value.casefold(), set())
        if " " not in value.strip() and len(owners) == 1:
            return next(iter(owners))
        return self._digest("PERSON", value)

    def _name_word(self, word: str, position: int) -> str:
        """A realistic Swedish name for one word of a person's name; a first name keeps its
        gender where the name has one, so that "hon" and "han" in the text still fit."""
        is_first = position == 0 and (word in lexicon().first or word not in lexicon().last)
        if is_first:
            kind, pool = "FIRST", replacement_first_names(first_name_gender(word))
        else:
            kind, pool = "LAST", replacement_names()[1]
        digest = self._digest(kind, word)
        if digest not in self._pseudonyms:
            used = set(self._pseudonyms.values())
            index = int(digest, 16)
            candidate = pool[index % len(pool)]
            while candidate in used or candidate.casefold() == word.casefold():
                index += 1
                candidate = pool[index % len(pool)]
            self._remember(digest, candidate, word)
        return self._pseudonyms[digest]

    def _remember(self, digest: str, pseudonym: str, value: str) -> None:
        self._pseudonyms[digest] = pseudonym
        if self.mode == "reversible":
            self._originals[pseudonym] = value


def _normalise(kind: str, value: str) -> str:
    if kind == "PNR":
        identity = parse_identity(re.sub(r"[\s–]", "-", value.strip()))
        if identity is not None:
            return identity.normalised
    if kind == "PHONE":
        digits = "".join(c for c in value if c.isdigit())
        return re.sub(r"^(?:0046|46)0?", "0", digits) if value.lstrip()[:1] in "+0" else digits
    if kind in ("PNR", "IBAN", "BANKGIRO", "PLUSGIRO", "REGNR"):
        return "".join(c for c in value if c.isalnum()).upper()
    return " ".join(value.split()).casefold()
