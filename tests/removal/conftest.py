"""Removal tests: real stores (a SQLite file, or a database on the test PostgreSQL server in the modules marked
`both_engines`), real local HTTP servers, the real collector and story engine."""

from __future__ import annotations

import pytest

from newsdesk.collect import Collector
from newsdesk.config import Settings
from newsdesk.removal import RemovalDesk
from newsdesk.store import Store


@pytest.fixture
def settings(db_url) -> Settings:
    return Settings(database_url=db_url, allow_private_hosts=True,
                    min_host_delay=0.0, request_timeout=3.0, connect_timeout=2.0)


@pytest.fixture
def store(settings):
    s = Store(settings.database_url)
    s.migrate()
    yield s
    s.close()


@pytest.fixture
def desk(store, settings) -> RemovalDesk:
    return RemovalDesk(store, settings)


@pytest.fixture
def collector(settings, store, desk):
    c = Collector(settings, store, removals=desk)
    yield c
    c.close()
