"""The application as uvicorn starts it: `tierdesk.api.main:app_from_settings`."""

from __future__ import annotations

import gc
import logging

from fastapi import FastAPI

from tierdesk.api.app import create_app
from tierdesk.service.context import context_from_settings
from tierdesk.settings import load_settings

# Python's default first threshold, 700 allocations, made a server process
# collect every few requests. Under load the collections stalled request
# threads long enough to double the 99th percentile latency of ticket creation
# (docs/benchmarks.md).
GC_THRESHOLDS = (20_000, 50, 100)


def app_from_settings() -> FastAPI:
    """Build the application from `TIERDESK_` settings; each worker calls this once."""
    settings = load_settings()
    # Worker processes start without the command's logging set-up.
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s",
    )
    app = create_app(
        context_from_settings(settings), max_body_bytes=settings.max_body_bytes
    )
    tune_garbage_collector()
    return app


def tune_garbage_collector() -> None:
    """Collect less often, and never scan what exists once the app is built."""
    # Frozen objects, such as the routes, the policy and SQLAlchemy's tables,
    # live as long as the process and hold no garbage.
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
