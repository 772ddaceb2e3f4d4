"""Tenants, users, roles, API keys, page sessions and OIDC login."""
