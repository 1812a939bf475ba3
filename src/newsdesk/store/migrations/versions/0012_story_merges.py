"""Stories merge: `stories.merged_into` names the story a merged one's articles moved to (issue 15 item 2).

The merged story keeps its row and id, emptied, so that its page, API answer and feed redirect to the survivor.
Indexed: a merge re-points the stories merged into the story that goes.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # A plain ADD COLUMN with an inline reference, not Alembic's batch copy of `stories`: recreating the table
        # would drop its full-text triggers and its AUTOINCREMENT counter (SQLite allows REFERENCES on an added
        # column that is NULL).
        bind.exec_driver_sql("ALTER TABLE stories ADD COLUMN merged_into INTEGER REFERENCES stories (id)")
    else:
        op.add_column("stories", sa.Column("merged_into", sa.Integer, sa.ForeignKey("stories.id")))
    op.create_index("ix_stories_merged_into", "stories", ["merged_into"])


def downgrade() -> None:
    op.drop_index("ix_stories_merged_into", "stories")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # SQLite 3.35+ drops a column in place (the batch copy would lose the triggers and the counter).
        bind.exec_driver_sql("ALTER TABLE stories DROP COLUMN merged_into")
    else:
        op.drop_column("stories", "merged_into")
