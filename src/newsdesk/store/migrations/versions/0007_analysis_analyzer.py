"""An index of analyses by the analyser that made them: after an upgrade of the rules or the model, the analysis
stage looks for the rows another analyser made (`Store.pending_analysis(outdated_for=...)`) on every pass, and
without the index that look-up reads every row even when there is none.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_index("ix_article_analysis_analyzer", "article_analysis", ["analyzer", "article_id"])


def downgrade() -> None:
    op.drop_index("ix_article_analysis_analyzer", table_name="article_analysis")
