"""The consultation desk web app (``scamscope serve``): scans, advice, cases, indicators, trends.

``create_app(Settings(db_url=...))`` builds the FastAPI app; see :mod:`scamscope.web.app`.
Imported lazily, so that the CLI's other commands do not load FastAPI and SQLAlchemy.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Settings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from scamscope.web.app import create_app

        return create_app
    if name == "Settings":
        from scamscope.web.config import Settings

        return Settings
    raise AttributeError(name)
