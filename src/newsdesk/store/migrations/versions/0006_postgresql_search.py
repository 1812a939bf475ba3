"""Full-text search on PostgreSQL: weighted tsvector side tables with GIN indexes, kept by triggers (see
newsdesk.store.search); nothing on SQLite, whose FTS5 index came with 0003. A separate revision, not 0003
made dialect-aware, so that a PostgreSQL store already migrated to 0005 gets its index on the next upgrade.

Also a C-collation index for the entity look-up by name prefix (Reader.find_entities): that look-up is a range
`name_key >= prefix AND name_key < prefix || U+10FFFF`, which only means "starts with" in code-point order;
a database created with a linguistic collation (en_US.UTF-8) orders strings otherwise, so PostgreSQL compares
in the C collation and needs an index in that collation to use one.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

from newsdesk.store import search

revision = "0006"
down_revision = "0005"

NAME_KEY_C_INDEX = "ix_story_entities_name_key_c"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    search.install(bind)
    bind.exec_driver_sql(f'CREATE INDEX IF NOT EXISTS {NAME_KEY_C_INDEX} ON story_entities '
                         f'(name_key COLLATE "C", entity_key)')


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql(f"DROP INDEX IF EXISTS {NAME_KEY_C_INDEX}")
    search.uninstall(bind)
