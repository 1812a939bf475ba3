"""`articles.genre`: "opinion" for an editorial, op-ed, column or letter, "roundup" for a market wrap or news
round-up, null for reporting (newsdesk.genre). Extraction reads it from the page's labels; for the articles
stored before, it is read here from what the store kept of them, their URLs and titles (the page's JSON-LD and
sections are gone). Their stories stay as they were grouped; the story pages show the opinion among them apart.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from newsdesk.genre import detect_genre

revision = "0011"
down_revision = "0010"

_articles = sa.table("articles", sa.column("id", sa.Integer), sa.column("url", sa.String),
                     sa.column("canonical_url", sa.String), sa.column("title", sa.Text),
                     sa.column("genre", sa.String))
_BATCH = 1000


def upgrade() -> None:
    # Plain ADD COLUMN (nullable): no table copy, so the full-text index's triggers stay as they are.
    op.add_column("articles", sa.Column("genre", sa.String(16)))
    bind = op.get_bind()
    last = 0
    while rows := bind.execute(sa.select(_articles.c.id, _articles.c.url, _articles.c.canonical_url,
                                         _articles.c.title).where(_articles.c.id > last)
                               .order_by(_articles.c.id).limit(_BATCH)).all():
        for article_id, url, canonical, title in rows:
            genre = detect_genre((url, canonical), (title,))
            if genre is not None:
                bind.execute(sa.update(_articles).where(_articles.c.id == article_id).values(genre=genre))
        last = rows[-1][0]


def downgrade() -> None:
    # SQLite (3.35 and later) and PostgreSQL drop a column in place; a batch copy of `articles` would lose the
    # full-text index's triggers.
    op.drop_column("articles", "genre")
