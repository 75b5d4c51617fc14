"""/readyz checks what the deployment depends on (the database, its migrations, Redis and
the mail relay when configured) and names each failure."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from messaging.settings import load_settings
from tests.support.services import free_port
from tests.support.smtp import SmtpSink
from web.app import create_app


def readiness(env: dict[str, str]) -> tuple[int, dict[str, object]]:
    with TestClient(create_app(load_settings(env))) as client:
        response = client.get("/readyz")
    return response.status_code, response.json()


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"], indirect=True)
def test_ready_when_every_configured_dependency_answers(
    settings_env: dict[str, str], database_url: str, redis_url: str, smtp: SmtpSink
) -> None:
    status, body = readiness(
        {
            **settings_env,
            "INTERLUDE_DATABASE_URL": database_url,
            "INTERLUDE_REDIS_URL": redis_url,
            "INTERLUDE_SMTP_URL": smtp.url,
        }
    )
    assert status == 200
    assert body == {
        "status": "ready",
        "checks": ["database", "migrations", "redis", "mail relay", "event bus"],
    }


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_only_the_configured_dependencies_are_checked(
    settings_env: dict[str, str], database_url: str
) -> None:
    status, body = readiness({**settings_env, "INTERLUDE_DATABASE_URL": database_url})
    assert (status, body["checks"]) == (200, ["database", "migrations"])


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_an_unreachable_mail_relay_is_named(
    settings_env: dict[str, str], database_url: str
) -> None:
    nobody = f"smtp://127.0.0.1:{free_port()}"
    status, body = readiness(
        {**settings_env, "INTERLUDE_DATABASE_URL": database_url, "INTERLUDE_SMTP_URL": nobody}
    )
    assert status == 503
    assert body["error"] == {
        "code": "not_ready",
        "message": "mail relay unreachable: ConnectionRefusedError",
    }


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_an_unreachable_redis_is_named_with_every_other_failure(
    settings_env: dict[str, str], empty_database_url: str
) -> None:
    nobody = f"redis://127.0.0.1:{free_port()}/0"
    status, body = readiness(
        {
            **settings_env,
            "INTERLUDE_DATABASE_URL": empty_database_url,
            "INTERLUDE_REDIS_URL": nobody,
        }
    )
    assert status == 503
    message = str(body["error"]["message"])  # type: ignore[index]
    assert "database schema is at nothing" in message
    assert "redis unreachable: ConnectionError" in message
