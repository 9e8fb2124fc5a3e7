"""The routing policy: its model, loading and validation."""

from tierdesk.policy.load import LoadedPolicy, load_policy, parse_policy
from tierdesk.policy.model import Policy

__all__ = ["LoadedPolicy", "Policy", "load_policy", "parse_policy"]
