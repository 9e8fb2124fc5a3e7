"""tierdesk: route each support request to a tier, team and service level."""

__version__ = "0.1.0"
