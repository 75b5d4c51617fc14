"""Schemathesis against the running app, on each database: requests generated from the
OpenAPI document (valid ones, and invalid ones for each input) never get a 5xx, an
undocumented status or content type, or a body that breaks the documented schema.

Bounded: a fixed number of derandomized examples per operation (about a minute per
database on the CI machine)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from messaging.clock import SystemClock
from messaging.context import ServiceContext
from messaging.settings import load_settings
from messaging.storage.database import Database
from tests.support.conversations import CareTeam, care_team
from tests.support.live_server import LiveServer, interlude_env, live_server
from tests.support.services import run_coroutine
from tests.support.world import api_for

EXAMPLES = {schemathesis.GenerationMode.POSITIVE: 10, schemathesis.GenerationMode.NEGATIVE: 4}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Ending the fuzzer's own session would leave only 401s to learn from.
SKIPPED = {("POST", "/api/logout")}


async def populated(server: LiveServer, data_dir: Path, database_url: str) -> CareTeam:
    settings = load_settings(
        {**interlude_env(data_dir, database_url), "INTERLUDE_ALLOW_INTERACTIVE_KDF": "true"}
    )
    database = Database.from_url(database_url)
    try:
        async with api_for(
            server.url, database, ServiceContext.from_settings(settings, SystemClock())
        ) as api:
            team = await care_team(api)
            # Something in the journal, so its listings answer with content to check.
            journal = team.client.client.journal
            entry = await journal.write({"body": "a first entry"})
            await journal.share(entry.id)
            await journal.save_draft(str(uuid.uuid4()), {"body": "half"})
            await team.therapist.client.journal.create_prompt(
                team.client.user_id, "How was today?", {"repeat": "daily", "time": "20:00"}
            )
            # Records and safety with content too: an urgent flag waiting for the therapist
            # (on call as well), an open consultation page and a request in its queue.
            sent = await team.client.client.threads.send(team.thread_id, "please, soon")
            await team.client.client.request("POST", f"/api/messages/{sent['id']}/urgent", {})
            admin = team.admin.client
            await admin.request(
                "PUT", "/api/clinic/on-call", {"user_ids": [team.therapist.user_id]}
            )
            await admin.consultations.create_intake_key()
            await admin.request(
                "PUT",
                "/api/clinic/consultation-page",
                {"open": True, "text": "Ask for a first talk.", "retention_days": 30},
            )
            clinic_id = (await admin.me())["clinic"]["id"]
            await api.new_client().consultations.request(clinic_id, {"message": "a first talk"})
            # A pre-moderated group the therapist moderates and the client joined, with a
            # delivered post and a held one, so group listings answer with content.
            group_id = await admin.groups.create(
                policy="premoderated",
                title="Fuzzed group",
                description="",
                guidelines="",
                moderators=[team.therapist.user_id],
                label="Fuzzed label",
            )
            await team.therapist.client.groups.join(group_id, "Moderator")
            await team.therapist.client.groups.invite(group_id, team.client.user_id)
            await team.client.client.groups.join(group_id, "Member")
            await team.therapist.client.groups.post(group_id, "welcome")
            await team.client.client.groups.post(group_id, "held for a moderator")
            return team
    finally:
        await database.dispose()


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[tuple[LiveServer, CareTeam]]:
    extra = {"INTERLUDE_ALLOW_INTERACTIVE_KDF": "true"}
    with live_server(tmp_path / "server", database_url, extra) as running:
        yield running, run_coroutine(populated(running, tmp_path / "server", database_url))


def fuzz(
    operation: schemathesis.APIOperation,
    mode: schemathesis.GenerationMode,
    base_url: str,
    headers: dict[str, str],
) -> tuple[int, list[str]]:
    """Run the operation's generated cases; how many were sent, and what failed."""
    calls: list[str] = []
    failures: list[str] = []

    @settings(
        max_examples=EXAMPLES[mode],
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def exercise(case: schemathesis.Case) -> None:
        calls.append(case.method)
        try:
            response = case.call(base_url=base_url, headers=headers)
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as failure:
            failures.append(f"{case.method} {case.formatted_path} ({mode.name}): {failure}")
            raise

    try:
        exercise()
    except Unsatisfiable:  # no invalid variant of an operation that takes no input
        assert mode is schemathesis.GenerationMode.NEGATIVE
    except (Exception, BaseExceptionGroup):  # reported through `failures`
        if not failures:
            raise
    return len(calls), failures


def test_generated_requests_never_break_the_server_or_the_document(
    server: tuple[LiveServer, CareTeam],
) -> None:
    running, team = server
    document = httpx.get(running.url + "/api/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    # The clinic's admin for clinic administration, the client for their own journal, the
    # therapist for everything else.
    admin = {"authorization": f"Bearer {team.admin.client.token}"}
    client = {"authorization": f"Bearer {team.client.client.token}"}
    therapist = {"authorization": f"Bearer {team.therapist.client.token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    sent, failures = 0, []
    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        headers = (
            admin
            if operation.path.startswith("/api/clinic/")
            else client
            if operation.path.startswith("/api/journal/")
            else therapist
        )
        for mode in EXAMPLES:
            calls, found = fuzz(operation, mode, running.url, headers)
            sent += calls
            failures.extend(found)
    assert failures == [], "\n\n".join(failures)
    assert sent > 5 * len(operations)
