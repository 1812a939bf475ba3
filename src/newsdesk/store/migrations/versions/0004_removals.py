"""Removal requests: requests and their targets, blocklist, proof of removal, append-only audit log,
quarantine for provisional suppression, administrators and their sessions, shared meta values.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

TS = sa.DateTime(timezone=True)

# The audit log is append-only in the database itself, so that no code path (and no one with a SQL shell
# who forgets) can rewrite the history of a decision. Each engine needs its own trigger syntax.
_SQLITE_AUDIT = [
    """CREATE TRIGGER IF NOT EXISTS removal_audit_no_update BEFORE UPDATE ON removal_audit BEGIN
         SELECT RAISE(ABORT, 'removal_audit is append-only: UPDATE refused');
       END""",
    """CREATE TRIGGER IF NOT EXISTS removal_audit_no_delete BEFORE DELETE ON removal_audit BEGIN
         SELECT RAISE(ABORT, 'removal_audit is append-only: DELETE refused');
       END""",
]
# The message by concatenation, not with a percent-sign placeholder: psycopg would read that sign as its own.
_POSTGRES_AUDIT = [
    """CREATE OR REPLACE FUNCTION removal_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION USING MESSAGE = 'removal_audit is append-only: ' || TG_OP || ' refused';
       END $$""",
    """CREATE TRIGGER removal_audit_no_change BEFORE UPDATE OR DELETE ON removal_audit
       FOR EACH ROW EXECUTE FUNCTION removal_audit_append_only()""",
    """CREATE TRIGGER removal_audit_no_truncate BEFORE TRUNCATE ON removal_audit
       FOR EACH STATEMENT EXECUTE FUNCTION removal_audit_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    # Version rows every process reads to know that suppressions or the blocklist changed (caches, ETags).
    op.bulk_insert(sa.table("meta", sa.column("key", sa.String), sa.column("value", sa.Text)),
                   [{"key": "content_version", "value": "0"}, {"key": "blocklist_version", "value": "0"}])
    op.create_table(
        "removal_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("public_id", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("relationship", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("good_faith", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provisional", sa.Boolean, nullable=False),
        sa.Column("decision_reason", sa.Text),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("decided_at", TS),
        sa.Column("client_hash", sa.String(64), nullable=False),
    )
    for col in ("status", "received_at", "client_hash"):
        op.create_index(f"ix_removal_requests_{col}", "removal_requests", [col])
    op.create_table(
        "removal_targets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("removal_requests.id"), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("value", sa.String(2048), nullable=False),
        sa.Column("resolved", sa.JSON),
        sa.Column("sources", sa.JSON),
    )
    op.create_index("ix_removal_targets_request_id", "removal_targets", ["request_id"])
    op.create_table(
        "blocklist",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(2048), nullable=False),
        sa.Column("signature", sa.LargeBinary),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("removal_requests.id")),
        sa.Column("added_at", TS, nullable=False),
        sa.UniqueConstraint("kind", "value", name="uq_blocklist_kind_value"),
    )
    op.create_index("ix_blocklist_value", "blocklist", ["value"])
    op.create_index("ix_blocklist_request_id", "blocklist", ["request_id"])
    op.create_table(
        "removed_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("removal_requests.id"), nullable=False),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("canonical_url", sa.String(2048), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("story_id", sa.Integer),
        sa.Column("removed_at", TS, nullable=False),
    )
    op.create_index("ix_removed_items_request_id", "removed_items", ["request_id"])
    op.create_index("ix_removed_items_article_id", "removed_items", ["article_id"])
    op.create_table(
        "removal_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("removal_requests.id")),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_removal_audit_request_id", "removal_audit", ["request_id"])
    op.create_index("ix_removal_audit_action", "removal_audit", ["action"])
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("removal_requests.id"), nullable=False),
        sa.Column("article_id", sa.Integer, nullable=False, unique=True),
        sa.Column("article", sa.JSON, nullable=False),
        sa.Column("story_id", sa.Integer),
    )
    op.create_index("ix_quarantine_request_id", "quarantine", ["request_id"])
    op.create_table(
        "admins",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "admin_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("admin_id", sa.Integer, sa.ForeignKey("admins.id", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
    )
    op.create_index("ix_admin_sessions_admin_id", "admin_sessions", ["admin_id"])
    op.create_index("ix_admin_sessions_expires_at", "admin_sessions", ["expires_at"])
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # A plain ADD COLUMN with an inline reference, not Alembic's batch copy of `stories`: recreating the
        # table would drop its full-text triggers (SQLite allows REFERENCES on an added column that is NULL).
        bind.exec_driver_sql("ALTER TABLE stories ADD COLUMN removal_request_id INTEGER "
                             "REFERENCES removal_requests (id)")
    else:
        op.add_column("stories", sa.Column("removal_request_id", sa.Integer, sa.ForeignKey("removal_requests.id")))

    if bind.dialect.name == "sqlite":
        for statement in _SQLITE_AUDIT:
            bind.exec_driver_sql(statement)
    elif bind.dialect.name == "postgresql":
        for statement in _POSTGRES_AUDIT:
            bind.exec_driver_sql(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS removal_audit_no_update")
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS removal_audit_no_delete")
    elif bind.dialect.name == "postgresql":
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS removal_audit_no_change ON removal_audit")
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS removal_audit_no_truncate ON removal_audit")
        bind.exec_driver_sql("DROP FUNCTION IF EXISTS removal_audit_append_only()")
    # SQLite cannot drop a column that has a foreign key in place; the copy would lose the story triggers.
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("removal_request_id")
    if bind.dialect.name == "sqlite":
        from newsdesk.store import search

        search.install(bind)  # the batch copy of `stories` dropped its full-text triggers: put them back
    for table in ("admin_sessions", "admins", "quarantine", "removal_audit", "removed_items", "blocklist",
                  "removal_targets", "removal_requests", "meta"):
        op.drop_table(table)
