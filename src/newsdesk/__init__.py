"""newsdesk: self-hosted news aggregation.

How its packages fit together, and what each may import: docs/architecture.md.
"""

__version__ = "0.1.0"
