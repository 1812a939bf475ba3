"""Analysis: each article's entities and statements, the story-level aggregates, and an index of the stories
each entity appears in.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "article_analysis",
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("derived_from", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE")),
        sa.Column("entities", sa.JSON),
        sa.Column("statements", sa.JSON),
        sa.Column("analyzed_at", TS, nullable=False),
        sa.Column("analyzer", sa.String(64), nullable=False),
        sa.Column("error", sa.Text),
    )
    # Deleting an article looks up the rows derived from it (the cascade): without an index, a full scan.
    op.create_index("ix_article_analysis_derived_from", "article_analysis", ["derived_from"])
    op.create_table(
        "story_entities",
        sa.Column("story_id", sa.Integer, sa.ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("entity_key", sa.String(320), primary_key=True),
        sa.Column("name_key", sa.String(300), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("role", sa.Text),
        sa.Column("mentions", sa.Integer, nullable=False),
    )
    op.create_index("ix_story_entities_key_story", "story_entities", ["entity_key", "story_id"])
    op.create_index("ix_story_entities_name_key", "story_entities", ["name_key", "entity_key"])
    # Plain ADD COLUMN on every engine (SQLite allows it with a constant default): Alembic's batch copy of
    # `stories` would drop its full-text triggers.
    op.add_column("stories", sa.Column("entities", sa.JSON, nullable=False, server_default=sa.text("'[]'")))
    op.add_column("stories", sa.Column("statements", sa.JSON, nullable=False, server_default=sa.text("'[]'")))
    # Read into the data version (ETags, caches): analysis changes stories without moving their update time.
    op.bulk_insert(sa.table("meta", sa.column("key", sa.String), sa.column("value", sa.Text)),
                   [{"key": "analysis_version", "value": "0"}])


def downgrade() -> None:
    bind = op.get_bind()
    op.execute(sa.text("DELETE FROM meta WHERE key = 'analysis_version'"))
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("statements")
        batch.drop_column("entities")
    if bind.dialect.name == "sqlite":
        from newsdesk.store import search

        search.install(bind)  # the batch copy of `stories` dropped its full-text triggers: put them back
    op.drop_index("ix_story_entities_name_key", "story_entities")
    op.drop_index("ix_story_entities_key_story", "story_entities")
    op.drop_table("story_entities")
    op.drop_index("ix_article_analysis_derived_from", "article_analysis")
    op.drop_table("article_analysis")
