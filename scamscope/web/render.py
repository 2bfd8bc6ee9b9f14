"""Jinja2 templates (autoescaped: evidence excerpts come from hostile pages) and page rendering."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from scamscope import __version__
from scamscope.web import i18n, labels

TEMPLATES = Path(__file__).with_name("templates")


def make_templates(timezone: str) -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True
    # newstyle: translations are markup, their %(name)s values autoescaped
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    tz = ZoneInfo(timezone)

    def localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """A stored (naive UTC) time in the desk's zone, with the zone's name: 2026-12-07 18:05 JST."""
        if value is None:
            return ""
        return value.replace(tzinfo=UTC).astimezone(tz).strftime(fmt + " %Z")

    def isodate(value: date | None) -> str:
        return value.isoformat() if value else ""

    def pct(value: float | None) -> str:
        return "" if value is None else f"{value * 100:.0f}%"

    env.filters.update(localtime=localtime, isodate=isodate, pct=pct)
    env.globals.update(
        labels=labels,
        version=__version__,
        wizard_text=labels.wizard_text,
        timezone=timezone,
        gettext_in=i18n.gettext_in,
        language_names=i18n.LANGUAGE_NAMES,
    )
    return Jinja2Templates(env=env)


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    """Render a page; every page gets the login (or None) and its CSRF token."""
    templates: Jinja2Templates = request.app.state.templates
    login = getattr(request.state, "login", None)
    lang = i18n.current_lang()
    other = "en" if lang == "ja" else "ja"
    ctx = {
        "login": login,
        "csrf_token": login.csrf_token if login else "",
        "path": request.url.path,
        "ui_lang": lang,
        "other_ui_lang": other,
        "switch_url": i18n.switch_url(request.url.path, request.url.query, other),
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
