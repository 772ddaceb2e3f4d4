"""Information security classes (SKR's KLASSA: K0 public … K3 strictly confidential) and the
class check every path to a model goes through."""

from __future__ import annotations

from enum import StrEnum

from tillit.errors import InvalidInput, PolicyViolation


class SecurityClass(StrEnum):
    K0 = "K0"
    K1 = "K1"
    K2 = "K2"
    K3 = "K3"

    @property
    def level(self) -> int:
        return int(self.value[1])

    @property
    def label_sv(self) -> str:
        return CLASS_LABELS_SV[self]

    @classmethod
    def parse(cls, value: str | None, *, field: str = "security class") -> SecurityClass:
        if value is None:
            raise InvalidInput(
                f"Saknar informationsklass ({field}).", code="invalid_security_class"
            )
        try:
            return cls(value.strip().upper())
        except ValueError:
            raise InvalidInput(
                f"Okänd informationsklass '{value}' ({field}); använd K0, K1, K2 eller K3.",
                code="invalid_security_class",
            ) from None


CLASS_LABELS_SV = {
    SecurityClass.K0: "K0 – öppen",
    SecurityClass.K1: "K1 – intern",
    SecurityClass.K2: "K2 – konfidentiell",
    SecurityClass.K3: "K3 – strikt konfidentiell",
}


def check_class(call_class: SecurityClass, model_name: str, model_max: SecurityClass) -> None:
    """Refuse when the call's information class exceeds what the model is cleared for."""
    if call_class.level > model_max.level:
        raise PolicyViolation(
            f"Anropet har informationsklass {call_class} men modellen '{model_name}' är "
            f"godkänd för högst {model_max}.",
            code="security_class_exceeded",
        )
