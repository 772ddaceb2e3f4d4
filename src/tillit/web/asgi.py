"""ASGI factory for uvicorn --factory / several workers: settings from the environment."""

from __future__ import annotations

from fastapi import FastAPI

from tillit.config import load_settings
from tillit.web.app import create_app


def app() -> FastAPI:
    return create_app(load_settings())
