"""Entity words: each word of each indexed entity's name, so that a look-up finds an entity by any word of its
name ("trump" finds Donald Trump) and an entity page finds the stories that name the same person by one word of
the name only (issue 16 item 6). Rows go with their `story_entities` row (a foreign key that cascades).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

from newsdesk.keys import name_words

revision = "0013"
down_revision = "0012"

WORD_C_INDEX = "ix_story_entity_words_word_c"


def upgrade() -> None:
    op.create_table(
        "story_entity_words",
        sa.Column("story_id", sa.Integer, primary_key=True),
        sa.Column("entity_key", sa.String(320), primary_key=True),
        sa.Column("word", sa.String(300), primary_key=True),
        sa.ForeignKeyConstraint(["story_id", "entity_key"], ["story_entities.story_id", "story_entities.entity_key"],
                                ondelete="CASCADE"),
    )
    op.create_index("ix_story_entity_words_word", "story_entity_words", ["word", "entity_key"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # "starts with" as a range in code-point order, as the name index of migration 0006
        bind.exec_driver_sql(f'CREATE INDEX IF NOT EXISTS {WORD_C_INDEX} ON story_entity_words '
                             f'(word COLLATE "C", entity_key)')
    rows = bind.execute(sa.text("SELECT story_id, entity_key, name_key FROM story_entities")).all()
    words = [{"s": sid, "k": key, "w": w} for sid, key, name in rows for w in name_words(name)]
    if words:
        bind.execute(sa.text("INSERT INTO story_entity_words (story_id, entity_key, word) VALUES (:s, :k, :w)"),
                     words)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(f"DROP INDEX IF EXISTS {WORD_C_INDEX}")
    op.drop_index("ix_story_entity_words_word", "story_entity_words")
    op.drop_table("story_entity_words")
