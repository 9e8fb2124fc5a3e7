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
