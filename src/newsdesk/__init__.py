"""newsdesk: self-hosted news aggregation."""

__version__ = "0.1.0"
