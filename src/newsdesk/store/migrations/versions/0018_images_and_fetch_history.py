"""Pictures and charts: `images`, each article's picture as the site serves it (fetched once by the polite
client, resized, re-encoded as WebP; a failed fetch keeps its reason and no data), deleted with its article; and
`source_fetches`, one row per fetch of a source (when, how it ended, articles stored), the newest kept per source
for the chart on /sources/{id}.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "images",
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("fetched_at", TS, nullable=False),
        sa.Column("data", sa.LargeBinary),
        sa.Column("width", sa.Integer),
        sa.Column("height", sa.Integer),
        sa.Column("error", sa.Text),
    )
    op.create_table(
        "source_fetches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("stored", sa.Integer, nullable=False),
    )
    op.create_index("ix_source_fetches_source_at", "source_fetches", ["source_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_source_fetches_source_at", "source_fetches")
    op.drop_table("source_fetches")
    op.drop_table("images")
