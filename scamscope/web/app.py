"""The FastAPI application of the consultation desk (``scamscope serve``)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from scamscope.web import errors
from scamscope.web.auth import LoginThrottle
from scamscope.web.config import Settings
from scamscope.web.db import make_engine, migrate, session_factory
from scamscope.web.jobs import ScanRunner
from scamscope.web.middleware import BodyLimit, SecurityHeaders
from scamscope.web.render import make_templates
from scamscope.web.routes import advice, auth, cases, indicators, scans, trends

log = logging.getLogger("scamscope.web")
STATIC = Path(__file__).with_name("static")
FORM_OVERHEAD = 256 * 1024  # multipart framing and the other fields of an upload form


def create_app(settings: Settings | None = None) -> FastAPI:
    """Open (and migrate) the database and build the app. Scan workers start with the app's lifespan
    (``uvicorn`` or ``with TestClient(app)``) and stop, with the shared browser, when it ends."""
    settings = settings or Settings()
    engine = make_engine(settings.db_url)
    migrate(engine)
    factory = session_factory(engine)
    runner = ScanRunner(factory, settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runner.start()
        resumed = runner.resume_pending()
        if resumed:
            log.info("queued %d unfinished scan(s) again", resumed)
        try:
            yield
        finally:
            runner.close()
            engine.dispose()

    app = FastAPI(title="scamscope desk", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None, debug=False)
    app.state.settings = settings
    app.state.engine = engine
    app.state.db = factory
    app.state.runner = runner
    app.state.login_throttle = LoginThrottle()
    app.state.templates = make_templates(settings.timezone)
    errors.install(app, settings.max_upload_bytes)
    for module in (auth, scans, cases, advice, indicators, trends):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes + FORM_OVERHEAD)
    app.add_middleware(SecurityHeaders)
    return app
