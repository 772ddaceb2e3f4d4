"""Governance: the lifecycle of an AI service, its record, assessments and sign-offs."""
