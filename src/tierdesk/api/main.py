"""The application as uvicorn starts it: `tierdesk.api.main:app_from_settings`."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from tierdesk.api.app import create_app
from tierdesk.service.context import context_from_settings
from tierdesk.settings import load_settings


def app_from_settings() -> FastAPI:
    """Build the application from `TIERDESK_` settings; each worker calls this once."""
    settings = load_settings()
    # Worker processes start without the command's logging set-up.
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s",
    )
    return create_app(
        context_from_settings(settings), max_body_bytes=settings.max_body_bytes
    )
