"""Exports: what was sent is what is exported, decrypted on the member's own device, as
JSON and Markdown, from the SDK and its command line; each export of a thread is in the
clinic's audit trail (who, which thread, when)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.clock import FrozenClock
from tests.support.conversations import care_team
from tests.support.world import Api
from web.client import ApiError
from web.sdk_export import export_all, to_markdown

SENT = [
    ("client", "Hello — I had a hard week.\nTwo lines, even."),
    ("therapist", "Thank you for writing. Let's look at it together."),
    ("client", "Ünïcödé and emoji 🌧️ survive the trip"),
]


async def test_an_export_holds_exactly_what_was_sent_decrypted_and_is_audited(
    api: Api,
) -> None:
    team = await care_team(api)
    people = {"client": team.client, "therapist": team.therapist}
    for who, text in SENT:
        await people[who].client.threads.send(team.thread_id, text)
    edited = await team.client.client.threads.send(team.thread_id, "first words")
    await team.client.client.threads.edit(team.thread_id, edited["id"], "second thoughts")
    gone = await team.client.client.threads.send(team.thread_id, "take this back")
    await team.client.client.threads.delete(gone["id"])

    seen: list[tuple[int, int]] = []
    document = await export_all(team.client.client, lambda done, total: seen.append((done, total)))
    [thread] = document["sections"]["threads"]
    assert thread["title"] == "Between sessions"
    assert [(m["sender"], m["text"]) for m in thread["messages"]] == [
        ("Sam", SENT[0][1]),
        ("Dr. Rivera", SENT[1][1]),
        ("Sam", SENT[2][1]),
        ("Sam", "second thoughts"),
        ("Sam", None),
    ]
    assert thread["messages"][-1]["problem"] == "deleted"
    assert all(m["verified"] for m in thread["messages"][:-1])
    assert seen[-1] == (5, 5)
    markdown = to_markdown(document)
    assert SENT[2][1] in markdown
    assert "# Interlude export for Sam" in markdown
    json.dumps(document)  # JSON-ready as it is

    await export_all(team.therapist.client)
    trail = await team.admin.client.audit_trail()
    exports = [e for e in trail if e["action"] == "thread.exported"]
    assert {(e["actor_id"], e["target_id"]) for e in exports} == {
        (team.therapist.user_id, team.thread_id),
        (team.client.user_id, team.thread_id),
    }
    assert all(e["created_at"] for e in exports)


async def test_a_clients_export_holds_their_journal_decrypted_and_a_therapists_none(
    api: Api, clock: FrozenClock
) -> None:
    team = await care_team(api)
    journal = team.client.client.journal
    await journal.write({"title": "Sunday", "body": "Walked by the sea.\nFelt lighter."})
    clock.advance(timedelta(hours=1))
    await journal.check_in(6, feelings=["calm"], sleep_hours=7.5, note="ok day")

    document = await export_all(team.client.client)
    entries = document["sections"]["journal"]
    assert [(e.get("title"), e.get("kind"), e.get("mood")) for e in entries] == [
        ("Sunday", None, None),
        (None, "checkin", 6),
    ], "oldest first, decrypted"
    assert entries[0]["body"] == "Walked by the sea.\nFelt lighter."
    markdown = to_markdown(document)
    assert "## Journal" in markdown
    assert "Walked by the sea." in markdown
    assert "- Mood: 6/10" in markdown
    json.dumps(document)

    therapist_document = await export_all(team.therapist.client)
    assert "journal" not in therapist_document["sections"]


async def test_an_admin_who_is_not_a_member_cannot_record_an_export(api: Api) -> None:
    team = await care_team(api)
    with pytest.raises(ApiError) as refused:
        await team.admin.client.request("POST", f"/api/threads/{team.thread_id}/export", {})
    assert refused.value.status == 403


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
async def test_a_therapist_exports_one_thread_from_the_command_line_as_json_and_markdown(
    api: Api, tmp_path: Path
) -> None:
    team = await care_team(api)
    other = await api.invite_and_register(team.admin, "client", "Robin")
    await team.admin.client.assign(team.therapist.user_id, other.user_id)
    await other.client.threads.send(
        await other.client.threads.open_direct(other.user_id), "not in this export"
    )
    await team.client.client.threads.send(team.thread_id, "exported from the command line")
    out = tmp_path / "export"
    env = {
        **os.environ,
        "INTERLUDE_PASSWORD": team.therapist.password,
        "INTERLUDE_ALLOW_INTERACTIVE_KDF": "true",
    }
    args = ["--url", api.base_url, "--email", team.therapist.email, "--out", str(out)]
    args += ["--thread", team.thread_id]
    result = await _run([sys.executable, "-m", "web.sdk_export", *args], env)
    assert result.returncode == 0, result.stderr
    document = json.loads((out / "interlude-export.json").read_text())
    texts = [m["text"] for m in document["sections"]["threads"][0]["messages"]]
    assert texts == ["exported from the command line"]
    assert "exported from the command line" in (out / "interlude-export.md").read_text()
    assert len(document["sections"]["threads"]) == 1
    trail = await team.admin.client.audit_trail()
    assert [e["target_id"] for e in trail if e["action"] == "thread.exported"] == [team.thread_id]


async def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stdout, stderr = await process.communicate()
    return subprocess.CompletedProcess(
        command, process.returncode or 0, stdout.decode(), stderr.decode()
    )
