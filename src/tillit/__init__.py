"""Tillit — an open, model-agnostic AI platform for Swedish municipalities."""

__version__ = "0.1.0"
