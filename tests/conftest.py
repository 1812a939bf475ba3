from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from localserver import LocalServer  # noqa: E402
from pg import PostgresServer, find_bin_dir, new_database  # noqa: E402

from newsdesk.store import Store  # noqa: E402

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# The store engines. A test module marked `both_engines` (pytestmark) runs each of its tests that uses the
# `engine` argument (or `db_url`, or a fixture built on them, like the web test site) once per engine; every
# other test that uses it runs on SQLite alone.
ENGINES = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine" not in metafunc.fixturenames:
        return
    params = [pytest.param("sqlite")]
    if metafunc.definition.get_closest_marker("both_engines"):
        params.append(pytest.param("postgresql", marks=pytest.mark.postgresql))
    # Every user of `engine` is parametrised, SQLite-only tests included: pytest keeps one instance of a session
    # fixture built on it (the web test site) per engine value only when every request names a value; a plain
    # fixture would leave a test without the mark with whichever site was built last. Session scope: the
    # site is made once per engine.
    metafunc.parametrize("engine", params, scope="session")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the whole run (tests/pg.py), started only if a test asks for it.
    Without PostgreSQL's binaries its tests skip, except on CI (CI=true), where the test command installs
    PostgreSQL (scripts/install-system-deps.sh), so that its absence is a failure there."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        message = ("PostgreSQL not found (no initdb in NEWSDESK_PG_BIN, /usr/lib/postgresql/*/bin or on PATH): "
                   "install Debian's postgresql package (scripts/install-system-deps.sh) to run these tests")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    server = PostgresServer(bin_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def db_url(request: pytest.FixtureRequest, engine: str, tmp_path: Path) -> str:
    """An empty store for this test, on this test's engine."""
    return new_database(request, engine, tmp_path)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An empty, migrated store on this test's engine (modules with a store of another kind define their own)."""
    s = Store(db_url)
    s.migrate()
    yield s
    s.close()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as s:
        yield s


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}: integration test skipped")
    return SHARED_DATA
