"""Fixtures of the job tests: the service fixtures on each database."""

from ..service.conftest import clock, context, model_path  # noqa: F401
