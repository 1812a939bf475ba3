"""Sources, articles and URL failures.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.String(2048), nullable=False, unique=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("site_url", sa.String(2048)),
        sa.Column("category", sa.Text),
        sa.Column("added_at", TS, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("interval_seconds", sa.Integer, nullable=False),
        sa.Column("next_fetch_at", TS, nullable=False),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("last_fetch_at", TS),
        sa.Column("last_success_at", TS),
        sa.Column("last_status", sa.String(32)),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_reason", sa.String(64)),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("articles_found", sa.Integer, nullable=False),
    )
    op.create_index("ix_sources_next_fetch_at", "sources", ["next_fetch_at"])
    op.create_index("ix_sources_due", "sources", ["active", "next_fetch_at"])
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.String(2048), nullable=False, unique=True),
        sa.Column("canonical_url", sa.String(2048), nullable=False, unique=True),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="SET NULL")),
        sa.Column("source_name", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("authors", sa.JSON, nullable=False),
        sa.Column("published", TS),
        sa.Column("language", sa.String(16)),
        sa.Column("image", sa.String(2048)),
        sa.Column("fetched", TS, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("duplicate_of", sa.Integer, sa.ForeignKey("articles.id", ondelete="SET NULL")),
        sa.Column("story_id", sa.Integer),
    )
    for col in ("source_id", "published", "fetched", "content_hash", "duplicate_of", "story_id"):
        op.create_index(f"ix_articles_{col}", "articles", [col])
    op.create_table(
        "url_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.String(2048), nullable=False, unique=True),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="SET NULL")),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("permanent", sa.Boolean, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
    )
    op.create_index("ix_url_failures_source_id", "url_failures", ["source_id"])


def downgrade() -> None:
    op.drop_table("url_failures")
    op.drop_table("articles")
    op.drop_table("sources")
