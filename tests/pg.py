"""A throwaway PostgreSQL server for the tests: Debian's binaries, a cluster initialised in a temporary folder,
listening on a free loopback port (and a unix socket in that folder), trust authentication for the local
superuser `newsdesk`, durability switched off (a test cluster is thrown away). Stopped and deleted at the end.

PostgreSQL refuses to run as root. Run as root (the CI machine, a developer's container), the server's
commands run as the `postgres` system user that Debian's package creates (`runuser -u postgres --`), and the
folder is handed to that user; the tests themselves stay root and connect over TCP.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

SUPERUSER = "newsdesk"


def find_bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: NEWSDESK_PG_BIN, else Debian's newest /usr/lib/postgresql/N/bin (Debian
    keeps them off PATH), else PATH."""
    given = os.environ.get("NEWSDESK_PG_BIN")
    if given:
        return Path(given) if (Path(given) / "initdb").exists() else None
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3])
                      if p.parts[-3].isdigit() else 0)
    if versions:
        return versions[-1].parent
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    return Path(initdb).parent if initdb and pg_ctl else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """`start()`, then `create_database()` for each test that wants an empty database, then `stop()`."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="newsdesk-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise RuntimeError("running as root, and there is no 'postgres' user to run PostgreSQL as "
                                   "(install Debian's postgresql package: scripts/install-system-deps.sh)") from exc
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        try:
            # cwd: the server's user may not be allowed into the folder the tests were started from.
            subprocess.run([*self.as_user, str(self.bin_dir / args[0]), *args[1:]], check=True, capture_output=True,
                           text=True, timeout=120, cwd=self.root)
        except subprocess.CalledProcessError as exc:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{args[0]} failed ({exc.returncode}): {exc.stderr.strip()}\n{log}") from exc

    def start(self) -> PostgresServer:
        # C.UTF-8: UTF-8 text with code-point ordering, the same on every machine.
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        settings = {
            "listen_addresses": "'127.0.0.1'", "port": str(self.port), "unix_socket_directories": f"'{self.root}'",
            "max_connections": "300",  # every Store a test leaves open keeps a pool of connections
            "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",  # a throwaway cluster
            "shared_buffers": "64MB", "log_min_messages": "warning",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# newsdesk tests\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        return self

    def down(self) -> None:
        """Stop the server, keeping its data (an outage: `up()` brings it back on the same port)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def up(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def admin_dsn(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={database}"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new, empty database; its SQLAlchemy URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.admin_dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by create_database, ending the connections a test left open."""
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.admin_dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def new_database(request: pytest.FixtureRequest, engine: str, folder: Path, name: str = "news.db") -> str:
    """A URL for a new, empty store: a SQLite file in `folder`, or a database on the test PostgreSQL server
    (dropped at the end of the requesting test)."""
    if engine == "sqlite":
        return f"sqlite:///{folder / name}"
    server: PostgresServer = request.getfixturevalue("pg_server")
    url = server.create_database()
    request.addfinalizer(lambda: server.drop_database(url))
    return url
