"""`/metrics`: samples of several processes add up, labels carry no person or content,
and only configured addresses (or the token) may read them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from messaging.clock import SystemClock
from messaging.context import ServiceContext
from messaging.settings import Settings, load_settings
from messaging.storage.database import Database
from tests.support.asgi import serving
from tests.support.conversations import care_team
from tests.support.live_server import interlude_env, live_server
from tests.support.world import Api, api_for
from web.app import create_app

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def total(found: Samples, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(value for (n, have), value in found.items() if n == name and wanted <= have)


async def scrape(base_url: str, token: str | None = None) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=base_url) as http:
        return await http.get("/metrics", headers=headers)


@pytest.fixture
async def two_processes(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> AsyncIterator[tuple[Api, Api]]:
    """Two web processes sharing PostgreSQL, Redis and one metrics directory; the first
    also runs the job worker."""
    shared = {
        "INTERLUDE_REDIS_URL": redis_url,
        "INTERLUDE_ALLOW_INTERACTIVE_KDF": "true",
        "INTERLUDE_METRICS_DIR": str(tmp_path / "metrics"),
    }
    settings = load_settings({**interlude_env(tmp_path, postgres_url), **shared})
    context = ServiceContext.from_settings(settings, SystemClock())
    database = Database.from_url(postgres_url)
    try:
        with (
            live_server(
                tmp_path / "one", postgres_url, {**shared, "INTERLUDE_IN_PROCESS_WORKER": "true"}
            ) as one,
            live_server(tmp_path / "two", postgres_url, shared) as two,
        ):
            async with (
                api_for(one.url, database, context) as first,
                api_for(two.url, database, context) as second,
            ):
                yield first, second
    finally:
        await database.dispose()


async def test_a_send_and_a_job_are_counted_by_every_process(
    two_processes: tuple[Api, Api],
) -> None:
    first, second = two_processes
    team = await care_team(first)
    therapist = second.new_client("second process")
    await therapist.login(team.therapist.email, team.therapist.password)
    await therapist.threads.load(team.thread_id)
    await therapist.threads.send(team.thread_id, "sent through process two")
    # A notice that goes out at once (new-device sign-in notices wait to coalesce, and
    # invitations already accepted are not sent): the admin changes their password.
    await team.admin.client.change_password(team.admin.password, "another long passphrase")

    for _ in range(100):  # the worker picks the email jobs up on its own schedule
        one = samples((await scrape(first.base_url)).text)
        if total(one, "interlude_emails_total", outcome="sent") >= 1:
            break
        await asyncio.sleep(0.1)
    two = samples((await scrape(second.base_url)).text)

    for found in (one, two):
        assert total(found, "interlude_messages_sent_total", transport="http") == 1
        assert total(found, "interlude_emails_total", outcome="sent") >= 1
        assert total(found, "interlude_jobs_finished_total", outcome="done") >= 1
        assert total(found, "interlude_job_latency_seconds_count") >= 1
        assert total(found, "interlude_jobs", state="done") >= 1
        assert (
            total(
                found,
                "interlude_http_requests_total",
                route="/api/threads/{thread_id}/messages",
                method="POST",
                status="201",
            )
            == 1
        )
    # Registrations went to the first process, the login to the second: either answers
    # for both.
    for found in (one, two):
        accepted = {"route": "/api/invitations/{token}/accept", "method": "POST"}
        assert total(found, "interlude_http_requests_total", **accepted, status="201") == 3
        login = {"route": "/api/login", "method": "POST", "status": "201"}
        assert total(found, "interlude_http_requests_total", **login) == 1


def label_values(found: Samples) -> set[str]:
    return {value for _, labels in found for _, value in labels}


@pytest.fixture
def metrics_settings(settings_env: dict[str, str], database_url: str) -> Settings:
    return load_settings(
        {
            **settings_env,
            "INTERLUDE_DATABASE_URL": database_url,
            "INTERLUDE_METRICS_ALLOW": "192.0.2.0/24",
            "INTERLUDE_METRICS_TOKEN": "scrape-token-" + "t" * 20,
        }
    )


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
async def test_metrics_are_refused_from_an_address_not_allowed(
    metrics_settings: Settings,
) -> None:
    async with serving(create_app(metrics_settings)) as base_url:
        refused = await scrape(base_url)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "forbidden"
        assert (await scrape(base_url, "wrong-token-" + "w" * 20)).status_code == 403
        allowed = await scrape(base_url, metrics_settings.metrics_token)
        assert allowed.status_code == 200
        assert allowed.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
async def test_labels_name_routes_not_people(api: Api) -> None:
    team = await care_team(api)
    await team.client.client.threads.send(team.thread_id, "private words")
    found = samples((await scrape(api.base_url)).text)
    values = label_values(found)
    assert "/api/threads/{thread_id}/messages" in values
    people = {team.client.email, team.therapist.email, team.client.user_id, team.thread_id}
    assert not any(person in value for value in values for person in people)
    assert not any("private" in value for value in values)
