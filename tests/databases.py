"""Real databases for the storage tests: a SQLite file, and a throwaway PostgreSQL cluster.

PostgreSQL comes from ``HELPLINE_TEST_POSTGRES_URL`` when set (a server someone else runs; each
test gets its own database on it), or else from a cluster this module starts with the server's
own ``initdb`` and ``pg_ctl`` on a Unix socket in a temporary folder, with no TCP port. Without
PostgreSQL installed, the PostgreSQL half of the suite is skipped, unless
``HELPLINE_TEST_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) makes that a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from bot.storage.connection import make_engine, upgrade

TEMPLATE = "helpline_template"


def _bindir() -> Path | None:
    """Return the folder of the PostgreSQL server programs, if installed."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return versions[-1].parent if versions else None


def _as_postgres(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


class PostgresServer:
    """A server to create per-test databases on, from a migrated template."""

    def __init__(self, admin_url: str, cluster: Cluster | None = None) -> None:
        self.admin_url = admin_url
        self.cluster = cluster
        """Set when this run started the server itself (it can then be stopped and started)."""
        self.admin = make_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
        with self.admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE}"))
            connection.execute(text(f"CREATE DATABASE {TEMPLATE}"))
        template = make_engine(self._url(TEMPLATE))
        upgrade(template)
        template.dispose()

    def _url(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    @contextmanager
    def database(self, migrated: bool = True) -> Iterator[str]:
        """Create a fresh database (migrated, or empty) and drop it afterwards."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        template = TEMPLATE if migrated else "template0"
        with self.admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
        try:
            yield self._url(name)
        finally:
            with self.admin.connect() as connection:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    def dump(self, url: str) -> bytes:
        """Return ``pg_dump`` of a database (data and schema)."""
        parsed = make_url(url)
        query = parsed.query
        argv = [
            _pg_dump(),
            "--no-owner",
            "-h",
            str(query.get("host") or parsed.host or "localhost"),
            "-p",
            str(query.get("port") or parsed.port or 5432),
            "-U",
            parsed.username or "postgres",
            parsed.database or "",
        ]
        env = {**os.environ, "PGPASSWORD": parsed.password or ""}
        return subprocess.run(argv, check=True, capture_output=True, env=env).stdout

    def close(self) -> None:
        self.admin.dispose()


def _pg_dump() -> str:
    bindir = _bindir()
    candidate = bindir / "pg_dump" if bindir else None
    return str(candidate) if candidate and candidate.exists() else "pg_dump"


@dataclass
class Cluster:
    """A PostgreSQL cluster this process started: its URL, and a way to stop and start it."""

    url: str
    bindir: Path
    data: Path
    options: str
    log: Path

    def _ctl(self, *argv: str) -> None:
        subprocess.run(
            _as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.data), *argv]),
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        """Stop the server at once (as a crash or an outage would)."""
        self._ctl("-m", "immediate", "stop")

    def start(self) -> None:
        """Start the server again and wait until it takes connections."""
        self._ctl("-o", self.options, "-l", str(self.log), "-w", "start")


@contextmanager
def throwaway_cluster() -> Iterator[Cluster | None]:
    """Start a private PostgreSQL cluster on a Unix socket (None if PostgreSQL is absent)."""
    bindir = _bindir()
    if bindir is None:
        yield None
        return
    base = Path(tempfile.mkdtemp(prefix="hlpg"))  # short: socket paths have a length limit
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    port = "54329"
    subprocess.run(
        _as_postgres(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-k {base} -c listen_addresses='' -p {port} -c fsync=off"
    cluster = Cluster(
        f"postgresql://postgres@/postgres?host={base}&port={port}",
        bindir,
        data,
        options,
        base / "log",
    )
    cluster.start()
    try:
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


def sqlite_engine(folder: Path) -> Engine:
    """Return a migrated SQLite database in ``folder``."""
    engine = make_engine(f"sqlite:///{folder / 'helpline.sqlite3'}")
    upgrade(engine)
    return engine
