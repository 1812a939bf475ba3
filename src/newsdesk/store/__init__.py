"""The database: schema, migrations and the repository every other stage goes through."""

from newsdesk.store.repository import Store, StoredArticle

__all__ = ["Store", "StoredArticle"]
