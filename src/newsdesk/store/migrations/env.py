"""Alembic environment: run by newsdesk.store.migrate with the connection it opened."""

from alembic import context

from newsdesk.store.schema import Base
from newsdesk.store.search import include_name

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_name=include_name,  # the full-text index tables are not part of the model
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things in place
)
with context.begin_transaction():
    context.run_migrations()
