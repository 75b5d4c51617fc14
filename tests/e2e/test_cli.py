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
        assert httpx.get(server.url + "/readyz").json() == {
            "status": "ready",
            "checks": ["database", "migrations"],
        }
        assert "database schema is at" in server.log()


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"], indirect=True)
def test_admin_create_clinic_prints_a_working_invitation_and_verify_audit_checks_the_chain(
    tmp_path: Path, database_url: str
) -> None:
    env = interlude_env(tmp_path, database_url, INTERLUDE_PUBLIC_URL="https://care.example.org")
    created = run_interlude(
        "admin",
        "create-clinic",
        "--name",
        "Harbour Clinic",
        "--admin-email",
        "Boss@Example.org",
        "--admin-name",
        "Bea Boss",
        "--country",
        "gb",
        env=env,
    )
    assert created.returncode == 0, created.stderr
    assert "Created clinic 'Harbour Clinic'" in created.stdout
    assert "Invitation for boss@example.org" in created.stdout
    assert "crisis resources start with 2 helpline(s) of GB" in created.stdout
    link = created.stdout.strip().splitlines()[-1]
    assert link.startswith("https://care.example.org/#/invite/")

    verified = run_interlude("admin", "verify-audit", env=env)
    assert verified.returncode == 0, verified.stderr
    assert "Audit trail intact: 2 events verified." in verified.stdout


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_verify_audit_reports_the_first_broken_row(tmp_path: Path, database_url: str) -> None:
    import sqlite3

    env = interlude_env(tmp_path, database_url)
    for name in ("One", "Two"):
        result = run_interlude(
            "admin",
            "create-clinic",
            "--name",
            name,
            "--admin-email",
            f"{name}@example.org",
            "--admin-name",
            name,
            env=env,
        )
        assert result.returncode == 0, result.stderr
    with sqlite3.connect(database_url.split("///", 1)[1]) as connection:
        connection.execute("UPDATE audit_events SET action = 'nothing.happened' WHERE id = 3")

    broken = run_interlude("admin", "verify-audit", env=env)
    assert broken.returncode == 1
    assert "Audit trail BROKEN at event 3: its contents were changed" in broken.stderr


def test_create_clinic_with_a_bad_email_fails_clearly(
    tmp_path: Path, empty_database_url: str
) -> None:
    env = interlude_env(tmp_path, empty_database_url)
    assert run_interlude("migrate", env=env).returncode == 0
    result = run_interlude(
        "admin",
        "create-clinic",
        "--name",
        "X",
        "--admin-email",
        "nope",
        "--admin-name",
        "X",
        env=env,
    )
    assert result.returncode == 1
    assert "does not look like an email address" in result.stderr


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_jobs_list_shows_dead_jobs_and_retry_requeues_them(
    tmp_path: Path, database_url: str
) -> None:
    import sqlite3

    env = interlude_env(tmp_path, database_url)
    assert (
        run_interlude(
            "admin",
            "create-clinic",
            "--name",
            "X",
            "--admin-email",
            "x@example.org",
            "--admin-name",
            "X",
            env=env,
        ).returncode
        == 0
    )
    with sqlite3.connect(database_url.split("///", 1)[1]) as connection:
        connection.execute(
            "UPDATE jobs SET state = 'dead', attempts = 8, last_error = '550 no such user'"
        )

    listed = run_interlude("jobs", "list", env=env)
    assert listed.returncode == 0
    assert "email.invitation" in listed.stdout
    assert "550 no such user" in listed.stdout
    job_id = listed.stdout.splitlines()[1].split()[0]

    retried = run_interlude("jobs", "retry", job_id, env=env)
    assert retried.returncode == 0, retried.stderr
    assert f"Job {job_id} will run again." in retried.stdout
    assert "No dead jobs." in run_interlude("jobs", "list", env=env).stdout
    again = run_interlude("jobs", "retry", job_id, env=env)
    assert again.returncode == 1
    assert "is not dead" in again.stderr


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_without_a_public_url_links_point_at_the_port_actually_served(
    tmp_path: Path, database_url: str
) -> None:
    # As `make run PORT=...` does: no INTERLUDE_PUBLIC_URL, a port other than 8000.
    with live_server(tmp_path, database_url, {"INTERLUDE_PUBLIC_URL": ""}) as server:
        assert "public URL is " + server.url in server.log()
        created = run_interlude(
            *("admin", "create-clinic", "--name", "Harbour Clinic"),
            *("--admin-email", "a@example.org", "--admin-name", "Ada"),
            env=interlude_env(tmp_path, database_url),
        )
        assert created.returncode == 0, created.stderr
        link = created.stdout.strip().splitlines()[-1]
        assert link.startswith(server.url + "/#/invite/")
        assert httpx.get(server.url + "/api/invitations/" + link.split("/invite/")[1]).is_success
