"""A conversation carrying unique canary strings, then a search of everything the server
holds or received: the database (PostgreSQL dump or SQLite files), its logs, its data
directory (mail outbox included) and every HTTP body and socket payload sent to it.
The canaries appear nowhere."""

from __future__ import annotations

import base64
import json
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from messaging.clock import SystemClock
from messaging.context import ServiceContext
from messaging.settings import load_settings
from messaging.storage.database import Database
from tests.support.clock import FrozenClock
from tests.support.conversations import care_team
from tests.support.live_server import interlude_env, live_server
from tests.support.notifier import deliver
from tests.support.services import require_binary
from tests.support.smtp import smtp_sink
from tests.support.world import api_for
from web.sdk_realtime import Realtime


class Recorder(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.payloads: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.payloads.append(await request.aread() + str(request.url).encode())
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def forms(text: str) -> list[bytes]:
    raw = text.encode()
    return [
        raw,
        raw.hex().encode(),
        base64.b64encode(raw),
        base64.urlsafe_b64encode(raw).rstrip(b"="),
    ]


def everything_in(directory: Path) -> dict[str, bytes]:
    return {str(path): path.read_bytes() for path in directory.rglob("*") if path.is_file()}


async def test_no_canary_reaches_the_database_logs_files_or_payloads(
    tmp_path: Path, database_url: str, dialect: str
) -> None:
    canaries = [f"CANARY-{uuid.uuid4().hex}" for _ in range(6)]
    extra = {"INTERLUDE_ALLOW_INTERACTIVE_KDF": "true", "INTERLUDE_LOG_LEVEL": "DEBUG"}
    data_dir = tmp_path / "server"
    settings = load_settings({**interlude_env(data_dir, database_url), **extra})
    database = Database.from_url(database_url)
    recorder = Recorder()
    socket_payloads: list[bytes] = []
    try:
        with live_server(data_dir, database_url, extra) as server:
            async with api_for(
                server.url, database, ServiceContext.from_settings(settings, SystemClock())
            ) as api:
                api.transport = recorder
                team = await care_team(api)
                # Only the title and the message bodies carry canaries; they are encrypted.
                await team.client.client.threads.send(team.thread_id, f"first {canaries[0]}")
                therapist_rt = _recording(team.therapist.client.realtime(), socket_payloads)
                await therapist_rt.connect()
                try:
                    envelope = await team.therapist.client.threads.seal(team.thread_id, canaries[1])
                    await therapist_rt.call(
                        "send",
                        {
                            "thread_id": team.thread_id,
                            "envelope": base64.urlsafe_b64encode(envelope).rstrip(b"=").decode(),
                        },
                    )
                    sent = await team.client.client.threads.send(team.thread_id, "to be edited")
                    await team.client.client.threads.edit(team.thread_id, sent["id"], canaries[2])
                    await team.client.client.threads.send(team.thread_id, canaries[3] * 20)
                    texts = [
                        m.text for m in await team.therapist.client.threads.history(team.thread_id)
                    ]
                    assert all(any(c in (t or "") for t in texts) for c in canaries[:4]), (
                        "the canaries were really sent"
                    )
                finally:
                    await therapist_rt.disconnect()
                # A prospective client's consultation request, sealed to the intake key.
                await team.admin.client.consultations.create_intake_key()
                await team.admin.client.request(
                    "PUT",
                    "/api/clinic/consultation-page",
                    {"open": True, "text": "Welcome", "retention_days": 30},
                )
                clinic_id = (await team.admin.client.me())["clinic"]["id"]
                form = {"name": "Jo", "contact": "jo@example.org", "message": canaries[4]}
                await api.new_client().consultations.request(clinic_id, form)
                [opened] = await team.admin.client.consultations.queue()
                assert opened["form"]["message"] == canaries[4], "the canary was really sent"
                # A group's label for admins, sealed to the clinic's admin key.
                await team.admin.client.groups.create(
                    policy="open",
                    title="t",
                    description="",
                    guidelines="",
                    moderators=[team.therapist.user_id],
                    label=canaries[5],
                )
                [group] = await team.admin.client.groups.admin_list()
                assert group.label == canaries[5], "the canary was really sent"
            log = server.log().encode()
        places: dict[str, bytes] = {
            "server log": log,
            **everything_in(data_dir),
            **everything_in(tmp_path / "db"),
        }
        places["HTTP bodies"] = b"\n".join(recorder.payloads)
        places["socket payloads"] = b"\n".join(socket_payloads)
        if dialect == "postgresql":
            places["pg_dump"] = _pg_dump(database_url)
        else:
            places.update(
                {
                    k: v
                    for k, v in everything_in(Path(database_url.split("///", 1)[1]).parent).items()
                }
            )
        found = [
            (canary, place)
            for canary in canaries
            for place, content in places.items()
            if any(form in content for form in forms(canary))
        ]
        assert found == []
        assert recorder.payloads
        assert socket_payloads
    finally:
        await recorder.aclose()
        await database.dispose()


def _recording(realtime: Realtime, sink: list[bytes]) -> Realtime:
    call = realtime.call

    async def recorded(
        event: str, data: dict[str, Any], wait_seconds: float = 10
    ) -> dict[str, Any]:
        sink.append(json.dumps({"event": event, "data": data}).encode())
        return await call(event, data, wait_seconds)

    realtime.call = recorded  # type: ignore[method-assign]
    return realtime


def _pg_dump(database_url: str) -> bytes:
    pg_dump = require_binary(
        "pg_dump", *sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"), reverse=True)
    )  # type: ignore[arg-type]
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    return subprocess.run([pg_dump, "--data-only", dsn], check=True, capture_output=True).stdout


async def test_no_journal_canary_reaches_the_database_logs_files_emails_or_payloads(
    tmp_path: Path, database_url: str, dialect: str
) -> None:
    """Entries, check-ins, drafts, a shared entry, a prompt (and its email) and a search
    query, each carrying a canary; none reaches the server in a readable form."""
    canary = {
        name: f"CANARY-{name}-{uuid.uuid4().hex}"
        for name in ("title", "body", "tag", "feeling", "note", "draft", "prompt", "query")
    }
    extra = {"INTERLUDE_ALLOW_INTERACTIVE_KDF": "true", "INTERLUDE_LOG_LEVEL": "DEBUG"}
    data_dir = tmp_path / "server"
    settings = load_settings({**interlude_env(data_dir, database_url), **extra})
    database = Database.from_url(database_url)
    recorder = Recorder()
    try:
        with live_server(data_dir, database_url, extra) as server, smtp_sink() as smtp:
            async with api_for(
                server.url, database, ServiceContext.from_settings(settings, SystemClock())
            ) as api:
                api.transport = recorder
                team = await care_team(api)
                journal = team.client.client.journal
                entry = await journal.write(
                    {"title": canary["title"], "body": canary["body"], "tags": [canary["tag"]]}
                )
                await journal.check_in(
                    2, feelings=[canary["feeling"]], sleep_hours=4, note=canary["note"]
                )
                await journal.save_draft(str(uuid.uuid4()), {"body": canary["draft"]})
                assert await journal.search(canary["query"]) == []
                assert [e.id for e in await journal.search(canary["body"])] == [entry.id]
                share = await journal.share(entry.id)
                shared = await team.therapist.client.journal.open_shared(share["id"])
                assert shared.content["body"] == canary["body"]

                due = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=2)
                await team.therapist.client.journal.create_prompt(
                    team.client.user_id,
                    canary["prompt"],
                    {"repeat": "once", "time": f"{due:%H:%M}", "start": due.date().isoformat()},
                )
                clock = FrozenClock(due)
                api.context = ServiceContext.from_settings(settings, clock)
                await deliver(api, smtp, clock)
                [prompt] = await journal.prompts()
                assert prompt.text == canary["prompt"]
                assert smtp.messages, "the prompt's email was sent"
                exported = await journal.export_markdown()
                assert canary["title"] in exported
            log = server.log().encode()
        places: dict[str, bytes] = {
            "server log": log,
            **everything_in(data_dir),
            **everything_in(tmp_path / "db"),
            "emails": b"\n".join(m.as_bytes() for m in smtp.messages),
            "HTTP bodies": b"\n".join(recorder.payloads),
        }
        if dialect == "postgresql":
            places["pg_dump"] = _pg_dump(database_url)
        else:
            places.update(everything_in(Path(database_url.split("///", 1)[1]).parent))
        found = [
            (name, place)
            for name, value in canary.items()
            for place, content in places.items()
            if any(form in content for form in forms(value))
        ]
        assert found == []
        assert recorder.payloads
    finally:
        await recorder.aclose()
        await database.dispose()
