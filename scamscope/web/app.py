"""The FastAPI application of the consultation desk (``scamscope serve``)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from scamscope.web import errors, i18n
from scamscope.web.config import Settings
from scamscope.web.db import make_engine, migrate, session_factory
from scamscope.web.jobs import ScanRunner
from scamscope.web.login_throttle import LoginThrottle, PasswordChecks
from scamscope.web.middleware import BodyLimit, ContainErrors, NoNulInQuery, SecurityHeaders
from scamscope.web.render import make_templates
from scamscope.web.retention import PeriodicPurge
from scamscope.web.routes import admin, advice, auth, cases, indicators, scans, share, trends
from scamscope.web.scan_limits import ScanGate

log = logging.getLogger("scamscope.web")
STATIC = Path(__file__).with_name("static")
FORM_OVERHEAD = 256 * 1024  # multipart framing and the other fields of an upload form
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: int = logging.INFO) -> None:
    """Send the ``scamscope`` loggers to stderr with timestamps (``scamscope serve``); uvicorn's
    loggers keep their own handlers. Calling it again changes nothing."""
    logger = logging.getLogger("scamscope")
    if not any(getattr(h, "scamscope_stderr", False) for h in logger.handlers):
        handler = logging.StreamHandler()  # stderr
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        handler.scamscope_stderr = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(level)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Open (and migrate) the database and build the app. Scan workers start with the app's lifespan
    (``uvicorn`` or ``with TestClient(app)``) and stop, with the shared browser, when it ends."""
    settings = settings or Settings()
    engine = make_engine(settings.db_url)
    migrate(engine)
    factory = session_factory(engine)
    runner = ScanRunner(factory, settings)
    purger = PeriodicPurge(factory, settings.retain_days, settings.purge_interval_s) if settings.retain_days else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runner.start()
        resumed = runner.resume_pending()
        if resumed:
            log.info("queued %d unfinished scan(s) again", resumed)
        if purger is not None:
            purger.start()
        try:
            yield
        finally:
            if purger is not None:
                purger.stop()
            runner.close()
            engine.dispose()

    app = FastAPI(title="scamscope desk", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None, debug=False)
    app.state.settings = settings
    app.state.engine = engine
    app.state.db = factory
    app.state.runner = runner
    app.state.purger = purger
    app.state.scan_gate = ScanGate(settings.max_queued_scans, settings.scans_per_minute)
    app.state.login_throttle = LoginThrottle()
    app.state.password_checks = PasswordChecks(settings.password_checks)
    app.state.templates = make_templates(settings.timezone)
    for lang in i18n.LANGS:  # load (compiling a missing or stale .mo) now, not on the first request
        i18n.translations(lang)
    errors.install(app, settings.max_upload_bytes)
    for module in (auth, scans, cases, advice, indicators, share, trends, admin):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(ContainErrors, handler=errors.crash_page)  # inside the others: its 500 page gets the security headers
    app.add_middleware(i18n.Language, secure_cookies=settings.secure_cookies)  # outside ContainErrors: the 500 page is translated too
    app.add_middleware(NoNulInQuery)
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes + FORM_OVERHEAD)
    app.add_middleware(SecurityHeaders)
    return app
