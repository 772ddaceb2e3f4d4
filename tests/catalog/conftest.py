"""Fixtures shared by the catalogue tests."""

from tests.test_cli import cli  # noqa: F401 - the `tillit …` runner fixture, shared
