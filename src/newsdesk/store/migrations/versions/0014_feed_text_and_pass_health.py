"""Feed text when the page fails, and each source's last pass (issue 17 items 5 and 6).

- `articles.text_from`: "page" (extracted from the article's page: every article stored before) or "feed" (the
  feed item's own full text, stored because the page could not be fetched or extracted).
- `sources.last_pass`: what the last pass that read the source's entries did with them: how many it found,
  stored and failed, and the most frequent failure reasons with an example each. Replaced by every such pass, so
  it says what failed lately (`url_failures` keeps each address's own record).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"


def upgrade() -> None:
    # Plain ADD COLUMN: a constant default fills the old rows on both engines without copying the table.
    op.add_column("articles", sa.Column("text_from", sa.String(8), nullable=False, server_default="page"))
    op.add_column("sources", sa.Column("last_pass", sa.JSON(none_as_null=True)))


def downgrade() -> None:
    op.drop_column("sources", "last_pass")
    op.drop_column("articles", "text_from")
