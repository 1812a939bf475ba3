"""A picture whose fetch failed for now is tried again (issue 18 item 5).

- `images.attempts`: how many times the picture was fetched (1 for the rows stored before).
- `images.retry_at`: when a failed fetch may be tried again: set after a failure that may pass (a timeout, a
  5xx answer, a refused connection), with a growing wait, up to `pictures.MAX_ATTEMPTS` tries; null for a
  stored picture and for a failure that will not pass (a 404, a picture refused by the checks).

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"


def upgrade() -> None:
    # Plain ADD COLUMN: no table copy (0009).
    op.add_column("images", sa.Column("attempts", sa.Integer, nullable=False, server_default="1"))
    op.add_column("images", sa.Column("retry_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("images", "retry_at")
    op.drop_column("images", "attempts")
