"""Full-text search (SQLite FTS5; nothing on other engines) and the indexes the web pages read through.

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
    search.install(op.get_bind())


def downgrade() -> None:
    search.uninstall(op.get_bind())
    op.drop_index("ix_sources_last_status", "sources")
    op.drop_index("ix_articles_source_name", "articles")
    op.drop_index("ix_articles_story_outlet", "articles")
    op.drop_index("ix_articles_story_published", "articles")
