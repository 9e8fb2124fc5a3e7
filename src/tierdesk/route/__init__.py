"""Routing: rules engine and decisions."""

from tierdesk.route.decision import Decision
from tierdesk.route.router import Explanation, Router

__all__ = ["Decision", "Explanation", "Router"]
