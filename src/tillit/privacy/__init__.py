"""Swedish personal data: detection, identity-number validation and pseudonymisation."""

from tillit.privacy.detect import TYPES, Entity, detect

__all__ = ["TYPES", "Entity", "detect"]
