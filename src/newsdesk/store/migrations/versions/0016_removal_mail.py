"""Mail to removal requesters: on each request, the mail that tells the latest news of it (its acknowledgement,
then the decision) with its state, so that a send that fails is kept, shown and tried again (newsdesk.removal.mail).

- `mail_about`: the news it tells (received, needs_info, accepted, rejected);
- `mail_status`: pending, sent or failed; `mail_error`: why the last attempt failed;
- `mail_attempts`, `mail_at` (the last attempt), `mail_next_at` (when to try, null: nothing to try).

Requests stored before have no mail (all null): none was promised to them.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Plain ADD COLUMN (nullable, or with a default): no table copy.
    op.add_column("removal_requests", sa.Column("mail_about", sa.String(16)))
    op.add_column("removal_requests", sa.Column("mail_status", sa.String(16)))
    op.add_column("removal_requests", sa.Column("mail_error", sa.Text))
    op.add_column("removal_requests", sa.Column("mail_attempts", sa.Integer, nullable=False,
                                                server_default=sa.text("0")))
    op.add_column("removal_requests", sa.Column("mail_at", TS))
    op.add_column("removal_requests", sa.Column("mail_next_at", TS))
    op.create_index("ix_removal_requests_mail_next_at", "removal_requests", ["mail_next_at"])


def downgrade() -> None:
    op.drop_index("ix_removal_requests_mail_next_at", "removal_requests")
    # In place (SQLite 3.35 and later, PostgreSQL): a batch copy would lose the table's AUTOINCREMENT (0009).
    for name in ("mail_next_at", "mail_at", "mail_attempts", "mail_error", "mail_status", "mail_about"):
        op.drop_column("removal_requests", name)
