"""Removal requests: notice, review, suppression everywhere, and a blocklist so that nothing removed comes back.

`RemovalDesk` is the one entry point (web pages, API, CLI and collector all go through it)."""

from newsdesk.removal.desk import RemovalDesk
from newsdesk.removal.models import (
    MAX_URLS,
    REASONS,
    RELATIONSHIPS,
    SCOPES,
    STATUSES,
    AdminError,
    InvalidTransition,
    RateLimited,
    Receipt,
    RemovalError,
    RemovalSubmission,
    RemovalValidationError,
    SuppressionReport,
    UnknownRequest,
)
from newsdesk.store.removals import AdminSessionView, AuditEntry, RequestView, Target

__all__ = [
    "MAX_URLS",
    "REASONS",
    "RELATIONSHIPS",
    "SCOPES",
    "STATUSES",
    "AdminError",
    "AdminSessionView",
    "AuditEntry",
    "InvalidTransition",
    "RateLimited",
    "Receipt",
    "RemovalDesk",
    "RemovalError",
    "RemovalSubmission",
    "RemovalValidationError",
    "RequestView",
    "SuppressionReport",
    "Target",
    "UnknownRequest",
]
