"""Insyn: the public transparency register and per-answer provenance."""
