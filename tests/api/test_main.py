"""The application that `tierdesk serve` starts in each worker process."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tierdesk.api.main import GC_THRESHOLDS, app_from_settings
from tierdesk.store.db import make_engine, upgrade


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def test_app_from_settings_serves_and_tunes_gc(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restored_gc: None
) -> None:
    url = f"sqlite:///{tmp_path / 'served.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("TIERDESK_DATABASE_URL", url)
    app = app_from_settings()
    assert gc.get_threshold() == GC_THRESHOLDS
    assert gc.get_freeze_count() > 0
    with TestClient(app) as client:
        assert client.get("/api/v1/health").json() == {"status": "ok"}
        assert client.get("/api/v1/teams").status_code == 401
    app.state.context.engine.dispose()
