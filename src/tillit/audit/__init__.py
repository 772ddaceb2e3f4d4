"""Append-only audit events: who, what, when, tenant, object, outcome."""
