"""The `interlude` command as an operator uses it."""

import subprocess
from pathlib import Path

import httpx
import pytest

from tests.support.live_server import INTERLUDE, interlude_env, live_server


def run_interlude(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*INTERLUDE, *args], env=env, capture_output=True, text=True, timeout=60)


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = run_interlude("--help", env=interlude_env(tmp_path, "sqlite+aiosqlite:///x.db"))
    assert result.returncode == 0
    for command in ("serve", "worker", "migrate", "version"):
        assert command in result.stdout


def test_version_prints_the_version(tmp_path: Path) -> None:
    result = run_interlude("version", env=interlude_env(tmp_path, "sqlite+aiosqlite:///x.db"))
    assert result.returncode == 0
    assert result.stdout.startswith("interlude 0.")


def test_a_bad_argument_exits_non_zero_with_usage(tmp_path: Path) -> None:
    result = run_interlude(
        "serve", "--port", "eighty", env=interlude_env(tmp_path, "sqlite+aiosqlite:///x.db")
    )
    assert result.returncode == 2
    assert "invalid int value: 'eighty'" in result.stderr


def test_a_bad_configuration_exits_2_naming_the_variable(tmp_path: Path) -> None:
    env = interlude_env(tmp_path, "mysql://nope/x")
    result = run_interlude("serve", env=env)
    assert result.returncode == 2
    assert (
        "configuration error: INTERLUDE_DATABASE_URL: scheme 'mysql' is not supported"
        in result.stderr
    )


def test_serve_refuses_an_out_of_date_postgresql_schema_until_migrated(
    tmp_path: Path, postgres: object
) -> None:
    database = postgres.create_database()  # type: ignore[attr-defined]
    url = postgres.url_for(database)  # type: ignore[attr-defined]
    env = interlude_env(tmp_path, url)

    refused = run_interlude("serve", "--port", "1", env=env)
    assert refused.returncode == 3
    assert "run `interlude migrate`" in refused.stderr

    worker_refused = run_interlude("worker", env=env)
    assert worker_refused.returncode == 3

    migrated = run_interlude("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    assert "database schema is at" in migrated.stderr


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_serve_on_sqlite_migrates_itself(tmp_path: Path, empty_database_url: str) -> None:
    with live_server(tmp_path, empty_database_url) as server:
        assert httpx.get(server.url + "/readyz").json() == {"status": "ready"}
        assert "database schema is at" in server.log()
