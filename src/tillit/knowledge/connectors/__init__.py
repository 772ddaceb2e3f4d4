"""Connectors: sources of documents for a collection, one file per kind of source.

Each connector has ``documents()`` yielding ``SourceDocument`` or ``Skipped`` (never raising for
one bad document) and raises ``SourceUnavailable`` when the source as a whole cannot be read.
Import a connector from its module (``tillit.knowledge.connectors.web``); importing this package
loads none of them.
"""

from tillit.knowledge.connectors.base import SourceUnavailable

__all__ = ["SourceUnavailable"]
