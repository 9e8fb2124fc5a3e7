"""Settings, read from environment variables prefixed `TIERDESK_`.

docs/settings.md lists every setting; a test checks that the list is complete.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
