"""Database errors carry no bound values: engines hide parameters, and the log
description of an error leaves out the driver's message."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from tierdesk.store.db import describe_database_error, make_engine, upgrade
from tierdesk.store.people import RequesterRow

EMAIL = "private.person@example.com"
NOW = datetime(2024, 5, 8, 10, 0, tzinfo=UTC)


def _duplicate_email_error(database_url: str) -> IntegrityError:
    engine = make_engine(database_url)
    upgrade(engine)
    try:
        with (
            pytest.raises(IntegrityError) as caught,
            engine.begin() as connection,
        ):
            for external_id in ("R-one", "R-two"):
                connection.execute(
                    RequesterRow.__table__.insert().values(
                        external_id=external_id,
                        email=EMAIL,
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
    finally:
        engine.dispose()
    return caught.value


def test_engine_hides_parameters(database_url: str) -> None:
    engine = make_engine(database_url)
    assert engine.hide_parameters
    engine.dispose()


def test_error_message_has_no_parameters(database_url: str) -> None:
    error = _duplicate_email_error(database_url)
    assert "[parameters:" not in str(error)
    assert "R-two" not in str(error)


def test_error_description_has_no_values(database_url: str) -> None:
    error = _duplicate_email_error(database_url)
    description = describe_database_error(error)
    assert description is not None
    assert EMAIL not in description
    assert "IntegrityError" in description
    assert "INSERT INTO requesters" in description


def test_error_description_follows_cause(database_url: str) -> None:
    error = _duplicate_email_error(database_url)
    try:
        raise RuntimeError("wrapped") from error
    except RuntimeError as wrapped:
        assert describe_database_error(wrapped) is not None


def test_error_description_other_errors() -> None:
    assert describe_database_error(ValueError("x")) is None
