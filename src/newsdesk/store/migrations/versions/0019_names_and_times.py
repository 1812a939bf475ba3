"""Outlets by name, stories by publication time (issue 18 items 2 and 3).

- `sources.name`: the outlet's name, shown for every article of the source: set by `newsdesk sources rename`,
  else learned from the first of its pages that names its site (og:site_name, the JSON-LD publisher). Null on
  the sources stored before: their next page names them.
- `stories.latest_at`: where a story is placed in time, the publication time of its latest report (never later
  than when that report was fetched), or when its last article joined where none of its articles has a date;
  indexed with the id for the lists. Filled for the stories stored before from their columns.
- Outlets stored before under a host name that starts with "www." lose that prefix ("www.thesun.co.uk" is
  "thesun.co.uk"): the host is the name of last resort, and its "www." says nothing.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"


def upgrade() -> None:
    # Plain ADD COLUMN (nullable): no table copy, so the tables keep their AUTOINCREMENT (0009).
    op.add_column("sources", sa.Column("name", sa.Text))
    op.add_column("stories", sa.Column("latest_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE stories SET latest_at = CASE WHEN last_published IS NOT NULL AND last_published <= updated_at "
               "THEN last_published ELSE updated_at END")
    op.create_index("ix_stories_latest_at", "stories", ["latest_at", "id"])
    op.execute("UPDATE articles SET source_name = substr(source_name, 5) WHERE source_name LIKE 'www.%' "
               "AND source_name NOT LIKE '% %' AND length(source_name) > 4")


def downgrade() -> None:
    op.drop_index("ix_stories_latest_at", "stories")
    # In place (SQLite 3.35 and later, PostgreSQL): a batch copy would lose the tables' AUTOINCREMENT (0009).
    op.drop_column("stories", "latest_at")
    op.drop_column("sources", "name")
