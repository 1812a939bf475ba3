"""One bad article never stops a stage; one source is fetched by one process at a time.

- `article_failures`: a failure of one article in one stage (stories: copy-folding and grouping; analysis),
  with its error and attempts. The stage records it and goes on with the other articles; after three attempts
  under the same software the article is set aside (the pending queries skip it) until the software changes.
- `sources.leased_until` / `sources.leased_by`: a process fetching a source leases it first, so that a second
  `newsdesk fetch` on the same store (SQLite or PostgreSQL) skips it instead of fetching it again.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "article_failures",
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("stage", sa.String(16), primary_key=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("software", sa.String(64), nullable=False),
        sa.Column("first_at", TS, nullable=False),
        sa.Column("last_at", TS, nullable=False),
    )
    op.create_index("ix_article_failures_stage", "article_failures", ["stage", "software", "attempts"])
    # Plain ADD COLUMN (nullable): Alembic's batch copy would drop nothing here, but there is no need for one.
    op.add_column("sources", sa.Column("leased_until", TS))
    op.add_column("sources", sa.Column("leased_by", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("leased_by")
        batch.drop_column("leased_until")
    op.drop_index("ix_article_failures_stage", "article_failures")
    op.drop_table("article_failures")
