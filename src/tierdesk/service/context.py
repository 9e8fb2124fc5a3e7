"""The state every service function needs: the database, the service settings,
and the parsed policies and model that this process keeps in memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from tierdesk.service.classifier import ModelCache
from tierdesk.service.group_commit import GroupCommit
from tierdesk.service.policy_cache import PolicyCache
from tierdesk.service.token_cache import TokenCache
from tierdesk.settings import Settings
from tierdesk.store.db import database_unavailable, make_engine


@dataclass(frozen=True)
class WebhookConfig:
    """Retries and timeouts of outgoing webhook deliveries."""

    max_attempts: int = 8
    backoff: timedelta = timedelta(seconds=30)
    max_backoff: timedelta = timedelta(hours=1)
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class MailConfig:
    """Incoming and outgoing e-mail; no SMTP host means no survey e-mails."""

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 30.0
    mail_from: str = "support@example.com"
    survey_delay: timedelta = timedelta(0)
    max_bytes: int = 10_485_760

    @property
    def sends_surveys(self) -> bool:
        return self.smtp_host is not None


@dataclass(frozen=True)
class ServiceConfig:
    """Service behaviour that settings control; see `tierdesk.settings`."""

    model_path: Path | None = None
    reopen_window: timedelta = timedelta(days=7)
    # How long a checked token is trusted without a database read; 0 never.
    token_cache_seconds: float = 0.0
    csat_link_lifetime: timedelta = timedelta(days=14)
    public_url: str = "http://127.0.0.1:8000"
    webhooks: WebhookConfig = field(default_factory=WebhookConfig)
    mail: MailConfig = field(default_factory=MailConfig)


@dataclass
class ServiceContext:
    """One process's handle on the service; share it between threads."""

    engine: Engine
    config: ServiceConfig = field(default_factory=ServiceConfig)
    policies: PolicyCache = field(default_factory=PolicyCache)
    models: ModelCache = field(init=False)
    tokens: TokenCache = field(init=False)
    # New tickets from concurrent requests, stored together.
    new_tickets: GroupCommit[Any, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.models = ModelCache(self.config.model_path)
        self.tokens = TokenCache(self.config.token_cache_seconds)
        # A busy or unreachable database would fail each ticket again, once
        # per ticket, so the whole batch fails at once instead.
        self.new_tickets = GroupCommit(
            self._write_new_tickets,
            retry_alone=lambda exc: not database_unavailable(exc),
        )

    def _write_new_tickets(self, batch: Sequence[Any]) -> Sequence[Any]:
        # Imported here because the batch writers build on this module.
        from tierdesk.service.ticket_batch import write_new_tickets
        from tierdesk.service.ticket_batch_pg import write_batch_postgres

        if self.engine.dialect.name == "postgresql":
            stored = write_batch_postgres(self, batch)
            if stored is not None:
                return stored
        return write_new_tickets(self, batch)


def context_from_settings(settings: Settings) -> ServiceContext:
    """Build a service context from `TIERDESK_` settings."""
    config = ServiceConfig(
        model_path=Path(settings.model_path) if settings.model_path else None,
        reopen_window=timedelta(days=settings.reopen_window_days),
        token_cache_seconds=settings.token_cache_seconds,
        csat_link_lifetime=timedelta(days=settings.csat_link_days),
        public_url=settings.public_url,
        webhooks=WebhookConfig(
            max_attempts=settings.webhook_max_attempts,
            backoff=timedelta(seconds=settings.webhook_backoff_seconds),
            max_backoff=timedelta(seconds=settings.webhook_backoff_max_seconds),
            timeout_seconds=settings.webhook_timeout_seconds,
        ),
        mail=MailConfig(
            smtp_host=settings.smtp_host,
            smtp_port=settings.smtp_port,
            smtp_username=settings.smtp_username,
            smtp_password=settings.smtp_password,
            smtp_starttls=settings.smtp_starttls,
            smtp_timeout_seconds=settings.smtp_timeout_seconds,
            mail_from=settings.mail_from,
            survey_delay=timedelta(minutes=settings.survey_delay_minutes),
            max_bytes=settings.email_max_bytes,
        ),
    )
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    return ServiceContext(engine, config)
