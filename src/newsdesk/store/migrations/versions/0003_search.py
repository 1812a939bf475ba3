"""Full-text search on SQLite (FTS5; PostgreSQL gets its own in 0006) and the indexes the web pages read through.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from newsdesk.store import search

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_index("ix_articles_story_published", "articles", ["story_id", "published"])
    op.create_index("ix_articles_story_outlet", "articles", ["story_id", "source_name", "duplicate_of"])
    op.create_index("ix_articles_source_name", "articles", ["source_name"])
    op.create_index("ix_sources_last_status", "sources", ["last_status"])
    if op.get_bind().dialect.name == "sqlite":
        search.install(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        search.uninstall(op.get_bind())
    op.drop_index("ix_sources_last_status", "sources")
    op.drop_index("ix_articles_source_name", "articles")
    op.drop_index("ix_articles_story_outlet", "articles")
    op.drop_index("ix_articles_story_published", "articles")
