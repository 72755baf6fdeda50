"""PostgreSQL for the store tests: a server given by ``$INDICATORML_TEST_PG``, or a throwaway cluster.

``INDICATORML_TEST_PG`` is a URL of a server where the tests may create and drop databases
(``postgresql+psycopg://user:password@host:port/postgres``); every test gets a fresh database
``indicatorml_test_<random>``, dropped afterwards. Without it, the first test that asks starts
a cluster of its own: ``initdb`` in a new temporary folder (owned by the ``postgres`` system
user, run through ``runuser`` when the tests run as root, since PostgreSQL refuses to run as
root), listening on a unix socket in that folder only (no TCP port), stopped and removed when
the test session ends. ``initdb``/``pg_ctl`` are looked for on PATH, then under
/usr/lib/postgresql/*/bin (Debian's place).

Missing PostgreSQL: the PostgreSQL variants of the tests are skipped on a developer's machine
and fail on CI (``CI=true``), as tests/test_web_browser.py does for chromium: `.ci/run`
installs Debian's postgresql.

Not a conftest on purpose (tests/conftest.py belongs to another change of this round): test
modules import :func:`pg_database` (a context manager) or the fixtures below.
"""

from __future__ import annotations

import atexit
import glob
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ENV = "INDICATORML_TEST_PG"
ON_CI = os.environ.get("CI", "").lower() == "true"
_cluster: _Cluster | None = None


class _Cluster:
    """One temporary PostgreSQL cluster on a unix socket, started once per test session."""

    def __init__(self, bindir: Path, durable: bool) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="indicatorml-pg-"))  # /tmp: reachable by postgres
        self.data = self.root / "data"
        self.socket = self.root  # the socket file is .s.PGSQL.5432 in here
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "-N"
        )
        # fsync=off makes the tests fast; a benchmark asks for a durable cluster (fsync on, as in use).
        fsync = "on" if durable else "off"
        options = f"-k {self.socket} -c listen_addresses='' -c fsync={fsync} -c max_connections=100"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@/postgres?host={self.socket}&port=5432"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bindir / tool), *args]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.root)
        if done.returncode != 0:
            log = self.root / "log"
            extra = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}\n{extra}")


def find_bindir() -> Path | None:
    """The folder of initdb and pg_ctl, or None."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def server_url(durable: bool = False) -> str:
    """A URL of a server the tests may create databases on; skips (fails on CI) without one.
    ``durable``: a cluster started here writes with fsync on (benchmarks), else off (tests)."""
    global _cluster
    if os.environ.get(ENV):
        return os.environ[ENV]
    if _cluster is None:
        bindir = find_bindir()
        if bindir is None:
            message = (
                "PostgreSQL is not installed (apt-get install postgresql) and INDICATORML_TEST_PG is not set"
            )
            if ON_CI:
                pytest.fail(message)
            pytest.skip(message)
        _cluster = _Cluster(bindir, durable)
        atexit.register(_cluster.stop)
    return _cluster.url


@contextmanager
def pg_database(durable: bool = False) -> Iterator[str]:
    """A fresh, empty database for one test: its URL. Dropped afterwards."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    admin_url = make_url(server_url(durable))
    name = f"indicatorml_test_{secrets.token_hex(6)}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield admin_url.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test (see the module docstring)."""
    with pg_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each store test twice: a fresh SQLite file, and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store' / 'indicatorml.sqlite3'}"
    else:
        with pg_database() as url:
            yield url
