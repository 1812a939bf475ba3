"""Stories, article membership and copy-detection signatures.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("headline", sa.Text),
        sa.Column("brief", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("first_published", TS),
        sa.Column("last_published", TS),
        sa.Column("article_count", sa.Integer, nullable=False),
        sa.Column("sources_count", sa.Integer, nullable=False),
        sa.Column("independent_sources_count", sa.Integer, nullable=False),
    )
    op.create_index("ix_stories_updated_at", "stories", ["updated_at"])
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("story_joined_at", TS))
        batch.add_column(sa.Column("minhash", sa.LargeBinary))
        batch.create_foreign_key("fk_articles_story_id", "stories", ["story_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_constraint("fk_articles_story_id", type_="foreignkey")
        batch.drop_column("minhash")
        batch.drop_column("story_joined_at")
    op.drop_table("stories")
