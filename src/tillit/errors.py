"""Domain errors. Services raise these; web/errors.py maps them to HTTP status and a code."""

from __future__ import annotations

from typing import Any


class TillitError(Exception):
    """Base class: a machine-readable ``code`` and a human message (Swedish where users see it)."""

    status = 400
    code = "error"
    refusal: dict[str, Any] | None = None
    """An audit event (``audit.service.record`` keywords) for a refused access that must stay on
    record although the request's transaction is rolled back: the web error handler writes it
    in a transaction of its own (``audit.service.record_refusal``)."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidInput(TillitError):
    status = 400
    code = "invalid_input"


class NotAuthenticated(TillitError):
    status = 401
    code = "not_authenticated"


class PermissionDenied(TillitError):
    status = 403
    code = "permission_denied"


class PolicyViolation(TillitError):
    """A call was refused by policy (e.g. security class above the model's clearance)."""

    status = 403
    code = "policy_violation"


class NotFound(TillitError):
    status = 404
    code = "not_found"


class Conflict(TillitError):
    status = 409
    code = "conflict"


class PayloadTooLarge(TillitError):
    status = 413
    code = "body_too_large"


class ProviderError(TillitError):
    """An upstream model failed: unreachable, timed out, answered with an error or garbage."""

    status = 502
    code = "upstream_error"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message, code=code)
        if status:
            self.status = status


class ModelUnavailable(TillitError):
    """A feature needs a model that is not configured."""

    status = 503
    code = "model_unavailable"
