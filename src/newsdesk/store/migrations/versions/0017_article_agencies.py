"""Article agencies: the news agencies an article names as its source ("AP", "dpa"), kept apart from its authors
(issue 17 item 4; `Article.agencies`, read from the byline, a dateline or a closing credit line). Articles stored
before have none recorded (NULL, read as an empty list): the page is not read again for it.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"


def upgrade() -> None:
    op.add_column("articles", sa.Column("agencies", sa.JSON(none_as_null=True)))


def downgrade() -> None:
    op.drop_column("articles", "agencies")
