"""Removal tests: real SQLite files, real local HTTP servers, the real collector and story engine."""

from __future__ import annotations

import pytest

from newsdesk.config import Settings
from newsdesk.pipeline import Collector
from newsdesk.removal import RemovalDesk
from newsdesk.store import Store


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'news.db'}", allow_private_hosts=True,
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
