"""Run records: every AI call produces one (DESIGN.md, the spine)."""
