"""A throwaway PostgreSQL cluster for the test run, and databases cloned from a template.

Unless INTERLUDE_TEST_DATABASE_URL names a server (a `postgresql+asyncpg://` URL whose
user may create databases), `initdb` makes a cluster in a temp dir, as the `postgres` OS
user when we are root (initdb refuses root), listening on 127.0.0.1 only.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import asyncpg
from sqlalchemy.engine import make_url

from tests.support.services import free_port, run_coroutine, service_missing

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


@dataclass(frozen=True)
class PostgresServer:
    admin_url: str  # postgresql+asyncpg://... to the maintenance database

    def url_for(self, database: str) -> str:
        return make_url(self.admin_url).set(database=database).render_as_string(hide_password=False)

    def dsn_for(self, database: str) -> str:
        return self.url_for(database).replace("postgresql+asyncpg://", "postgresql://", 1)

    def execute(self, sql: str) -> None:
        async def run() -> None:
            connection = await asyncpg.connect(
                self.dsn_for(make_url(self.admin_url).database or "postgres")
            )
            try:
                await connection.execute(sql)
            finally:
                await connection.close()

        run_coroutine(run())

    def create_database(self, template: str | None = None) -> str:
        name = f"t_{uuid.uuid4().hex[:16]}"
        clause = f" TEMPLATE {template}" if template else ""
        self.execute(f"CREATE DATABASE {name}{clause}")
        return name

    def drop_database(self, name: str) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _pg_bin() -> str:
    candidates = sorted(glob.glob(PG_BIN_GLOB), reverse=True)
    for directory in candidates:
        if os.access(os.path.join(directory, "initdb"), os.X_OK):
            return directory
    on_path = shutil.which("initdb")
    if on_path:
        return os.path.dirname(on_path)
    service_missing("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    raise AssertionError("unreachable")


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    given = os.environ.get("INTERLUDE_TEST_DATABASE_URL")
    if given:
        yield PostgresServer(given)
        return
    bin_dir = _pg_bin()
    root = tempfile.mkdtemp(prefix="interlude-pg-")
    data_dir = os.path.join(root, "data")
    as_root = os.geteuid() == 0
    run_as: list[str] = []
    if as_root:
        try:
            postgres_user = pwd.getpwnam("postgres")
        except KeyError:
            service_missing("running as root but there is no `postgres` OS user for initdb")
        os.chown(root, postgres_user.pw_uid, postgres_user.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    os.chmod(root, 0o700)
    port = free_port()
    subprocess.run(
        [
            *run_as,
            f"{bin_dir}/initdb",
            "-D",
            data_dir,
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c max_connections=200"
    )
    subprocess.run(
        [
            *run_as,
            f"{bin_dir}/pg_ctl",
            "-D",
            data_dir,
            "-o",
            options,
            "-l",
            f"{root}/log",
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        server = PostgresServer(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres")
        _wait_until_accepting(server)
        yield server
    finally:
        subprocess.run(
            [*run_as, f"{bin_dir}/pg_ctl", "-D", data_dir, "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def _wait_until_accepting(server: PostgresServer) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            server.execute("SELECT 1")
            return
        except (OSError, asyncpg.PostgresError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
