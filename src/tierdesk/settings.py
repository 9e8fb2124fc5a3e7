"""Settings, read from environment variables prefixed `TIERDESK_`.

docs/settings.md lists every setting; a test checks that the list is complete.
"""

from __future__ import annotations

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tierdesk.errors import TierdeskError

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(TierdeskError):
    """An environment variable contains a value its setting cannot take."""


def load_settings() -> Settings:
    """Read the settings, turning an invalid variable into one clear error."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = "TIERDESK_" + "_".join(str(part) for part in error["loc"]).upper()
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{name}={error.get('input')!r}: {message}")
        raise SettingsError(
            "invalid environment variable "
            + "; ".join(problems)
            + "; fix or unset it (docs/settings.md lists the values)"
        ) from None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIERDESK_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///tierdesk.db",
        description=(
            "SQLAlchemy URL of the database that stores tickets and decisions; "
            "the default is a SQLite file in the working directory. For PostgreSQL "
            "use postgresql+psycopg://USER@HOST:PORT/NAME."
        ),
    )
    debug: bool = Field(
        default=False,
        description="Show a traceback when the command line meets an unexpected "
        "error, instead of one line.",
    )
    log_level: str = Field(
        default="WARNING",
        description="Level of log messages written to standard error: DEBUG, INFO, "
        "WARNING or ERROR.",
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    model_path: str | None = Field(
        default=None,
        description="Model file that the service classifies new tickets with; "
        "unset means every new ticket must name its inquiry_type.",
    )
    policy_path: str | None = Field(
        default=None,
        description="Policy file that `tierdesk serve` stores and activates when "
        "the database has no active policy yet; later versions are uploaded "
        "through the API.",
    )
    token_cache_seconds: float = Field(
        default=1.0,
        ge=0,
        le=60,
        allow_inf_nan=False,
        description="Seconds a server process trusts a token it has checked "
        "before it checks it again; a revoked token keeps working for up to "
        "this long there. 0 checks the token on every request.",
    )
    reopen_window_days: float = Field(
        default=7.0,
        gt=0,
        description="Days after solving during which a ticket may be reopened; "
        "the worker closes solved tickets once this has passed.",
    )
    csat_link_days: float = Field(
        default=14.0,
        gt=0,
        description="Days a CSAT rating link stays valid after it is issued.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL under which requesters reach the API; CSAT rating "
        "links start with it.",
    )
    max_body_bytes: int = Field(
        default=1_048_576,
        gt=0,
        description="Largest request body the API accepts, in bytes; larger "
        "requests get 413 with code body_too_large.",
    )
    db_pool_size: int = Field(
        default=5,
        ge=1,
        description="PostgreSQL connections each process keeps open; up to 10 more "
        "are opened under load and closed again. Set it to the requests one "
        "process serves at once, so that busy processes do not open and close "
        "connections.",
    )
    worker_concurrency: int = Field(
        default=4,
        ge=1,
        description="Jobs one `tierdesk worker` process runs at the same time, each "
        "in its own thread; on SQLite the worker runs one job at a time.",
    )
    webhook_max_attempts: int = Field(
        default=8,
        ge=1,
        description="Attempts to deliver one webhook before the delivery is marked "
        "dead; dead deliveries stay listed and can be redelivered.",
    )
    webhook_backoff_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Wait before the first retry of a failed webhook delivery, in "
        "seconds; each further retry waits twice as long, up to "
        "TIERDESK_WEBHOOK_BACKOFF_MAX_SECONDS, and a random part of up to half "
        "of each wait spreads retries out.",
    )
    webhook_backoff_max_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="Maximum wait between two attempts of a webhook delivery, in "
        "seconds.",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a webhook receiver has to accept the connection and "
        "respond before the attempt counts as failed.",
    )
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server that CSAT survey e-mails are sent through; unset "
        "means no survey e-mails are sent.",
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="SMTP port.")
    smtp_username: str | None = Field(
        default=None,
        description="User name for SMTP authentication; unset means no authentication.",
    )
    smtp_password: str | None = Field(
        default=None, description="Password for SMTP authentication."
    )
    smtp_starttls: bool = Field(
        default=False,
        description="Upgrade the SMTP connection with STARTTLS before sending.",
    )
    smtp_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Seconds to wait for the SMTP server."
    )
    mail_from: str = Field(
        default="support@example.com",
        description="Sender address of survey e-mails; its domain ends the "
        "Message-IDs of outgoing e-mail.",
    )
    survey_delay_minutes: float = Field(
        default=0.0,
        ge=0,
        description="Minutes after a ticket is solved before its CSAT survey e-mail "
        "is sent; a ticket reopened in the meantime gets no survey for that solve.",
    )
    email_max_bytes: int = Field(
        default=10_485_760,
        gt=0,
        description="Largest incoming e-mail accepted, in bytes, from a file or "
        "over SMTP; larger messages are rejected with message_too_large.",
    )
