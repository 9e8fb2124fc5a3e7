"""The state every service function needs: the database, the service settings,
and the parsed policies and model that this process keeps in memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from tierdesk.service.classifier import ModelCache
from tierdesk.service.policy_cache import PolicyCache
from tierdesk.settings import Settings
from tierdesk.store.db import make_engine


@dataclass(frozen=True)
class ServiceConfig:
    """Service behaviour that settings control; see `tierdesk.settings`."""

    model_path: Path | None = None
    reopen_window: timedelta = timedelta(days=7)
    csat_link_lifetime: timedelta = timedelta(days=14)
    public_url: str = "http://127.0.0.1:8000"


@dataclass
class ServiceContext:
    """One process's handle on the service; share it between threads."""

    engine: Engine
    config: ServiceConfig = field(default_factory=ServiceConfig)
    policies: PolicyCache = field(default_factory=PolicyCache)
    models: ModelCache = field(init=False)

    def __post_init__(self) -> None:
        self.models = ModelCache(self.config.model_path)


def context_from_settings(settings: Settings) -> ServiceContext:
    """Build a service context from `TIERDESK_` settings."""
    config = ServiceConfig(
        model_path=Path(settings.model_path) if settings.model_path else None,
        reopen_window=timedelta(days=settings.reopen_window_days),
        csat_link_lifetime=timedelta(days=settings.csat_link_days),
        public_url=settings.public_url,
    )
    return ServiceContext(make_engine(settings.database_url), config)
