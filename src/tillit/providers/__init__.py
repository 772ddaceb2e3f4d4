"""Model-agnostic layer: one small contract (base.py) and one file per provider."""
