"""Host templates: what the pages of each site share, learned as its pages arrive (issue 17 item 1,
newsdesk.extract.template): fingerprints (short hashes) of the site's furniture and title decoration, never its
text, bounded in size per site, one row per registered domain.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"


def upgrade() -> None:
    op.create_table(
        "host_templates",
        sa.Column("domain", sa.String(253), primary_key=True),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("template", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("host_templates")
