"""Each brief sentence's status is stored with the brief: a sentence that carries speculation or a denial among
the story's statements says so (`{text, citations, status}`, newsdesk.keys.brief_with_status). The store writes it
whenever it writes a story's brief or statements, so pages and the API read it instead of comparing every
sentence with every statement on each request; this computes it once for the stories stored before.

No column changes (the brief is JSON). Downgrading leaves the statuses in place: the code before this revision
reads a sentence's text and citations only.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from newsdesk.keys import brief_with_status

revision = "0010"
down_revision = "0009"

_stories = sa.table("stories", sa.column("id", sa.Integer), sa.column("brief", sa.JSON),
                    sa.column("statements", sa.JSON))
_BATCH = 500


def upgrade() -> None:
    bind = op.get_bind()
    last = 0
    while rows := bind.execute(sa.select(_stories.c.id, _stories.c.brief, _stories.c.statements)
                               .where(_stories.c.id > last).order_by(_stories.c.id).limit(_BATCH)).all():
        for story_id, brief, statements in rows:
            if isinstance(brief, list) and statements:
                marked = brief_with_status(brief, statements)
                if marked != brief:
                    bind.execute(sa.update(_stories).where(_stories.c.id == story_id).values(brief=marked))
        last = rows[-1][0]


def downgrade() -> None:
    pass
