"""Deleting a person: afterwards no row of either database holds their content or private
keys, their id appears only where the record needs it (tombstones, the audit trail, the
user row without name or address), the other party sees "deleted account", and running
the deletion again changes nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from messaging import deletion
from messaging.storage.database import Database
from messaging.storage.tables import (
    credentials,
    journal_entries,
    journal_prompts,
    messages,
    metadata,
    sessions,
)
from tests.support.clock import FrozenClock
from tests.support.conversations import care_team
from tests.support.notifier import deliver
from tests.support.smtp import SmtpSink
from tests.support.world import Api
from web.client import ApiError

# Where a deleted person's id may stay, and why: the row tombstones point at (scrubbed),
# the tombstones themselves, the thread they were the client of, commits they signed,
# their former memberships, public bundles that verify those commits, the audit trail,
# the record of the deletion and the finished deletion job. Commits and bundles carry the
# id inside their signed bytes.
ID_MAY_REMAIN = {
    ("thread_commits", "commit"),
    ("identity_keys", "public_bundle"),
    ("audit_events", "detail"),
    ("jobs", "dedupe_key"),
    ("users", "id"),
    ("messages", "sender_id"),
    ("threads", "client_id"),
    ("threads", "created_by"),
    ("thread_commits", "author_id"),
    ("thread_members", "user_id"),
    ("identity_keys", "user_id"),
    ("audit_events", "actor_id"),
    ("audit_events", "target_id"),
    ("account_deletions", "user_id"),
    ("account_deletions", "requested_by"),
    ("jobs", "payload"),
}


async def every_row(database: Database) -> dict[str, list[dict[str, Any]]]:
    found = {}
    async with database.unit_of_work() as uow:
        for table in metadata.sorted_tables:
            rows = await uow.session.execute(select(table))
            found[table.name] = [dict(row) for row in rows.mappings()]
    return found


def contains(value: Any, needle: bytes) -> bool:
    if value is None:
        return False
    if isinstance(value, bytes):
        return needle in value
    if isinstance(value, uuid.UUID):
        return needle in (value.bytes, str(value).encode(), value.hex.encode())
    return needle in str(value).encode()


async def secrets_of(database: Database, user_id: uuid.UUID) -> dict[str, bytes]:
    """Everything that is the person's own: private key material and every envelope."""
    async with database.unit_of_work() as uow:
        cred = (
            (await uow.session.execute(select(credentials).where(credentials.c.user_id == user_id)))
            .mappings()
            .one()
        )
        envelopes = (
            await uow.session.execute(
                select(messages.c.envelope).where(
                    messages.c.sender_id == user_id, messages.c.envelope.is_not(None)
                )
            )
        ).scalars()
        tokens = (
            await uow.session.execute(
                select(sessions.c.token_hash).where(sessions.c.user_id == user_id)
            )
        ).scalars()
        found = {
            name: cred[name]
            for name in (
                "auth_key_hash",
                "kdf_salt",
                "wrapped_account_key",
                "recovery_auth_hash",
                "recovery_wrapped_account_key",
                "keyring",
            )
        }
        found.update({f"envelope {n}": e for n, e in enumerate(envelopes)})
        journal_blobs = (
            await uow.session.execute(
                select(journal_entries.c.blob).where(journal_entries.c.user_id == user_id)
            )
        ).scalars()
        found.update({f"journal {n}": b for n, b in enumerate(journal_blobs)})
        found.update({f"session {n}": t for n, t in enumerate(tokens)})
    return found


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"], indirect=True)
async def test_a_deleted_client_leaves_no_content_or_keys_in_the_database(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    name = f"Client {uuid.uuid4().hex[:8]}"
    client = await api.invite_and_register(team.admin, "client", name)
    await team.admin.client.assign(team.therapist.user_id, client.user_id)
    thread_id = await client.client.threads.open_direct(client.user_id, title="My thread")
    await team.therapist.client.threads.load(thread_id)
    sent = [await client.client.threads.send(thread_id, f"private {n}") for n in range(5)]
    await client.client.threads.edit(thread_id, sent[1]["id"], "edited private")
    await client.client.threads.send_later(thread_id, "later", clock.now() + timedelta(days=2))
    await client.client.request("POST", f"/api/messages/{sent[2]['id']}/urgent", {})
    reply = await team.therapist.client.threads.send(thread_id, "the therapist's reply")
    journal = client.client.journal
    entry = await journal.write({"title": "Private page", "body": "only mine"})
    await journal.check_in(3, note="a low day")
    await journal.save_draft(str(uuid.uuid4()), {"body": "half a thought"})
    shared = await journal.share(entry.id)
    await team.therapist.client.journal.open_shared(shared["id"])
    await team.therapist.client.journal.create_prompt(
        client.user_id, "What helped today?", {"repeat": "daily", "time": "20:00"}
    )
    await client.client.request(
        "PUT",
        "/api/me/notifications",
        {**await client.client.request("GET", "/api/me/notifications"), "message_mode": "digest"},
    )
    user_id = uuid.UUID(client.user_id)
    secret = await secrets_of(api.database, user_id)
    secret["email"] = client.email.encode()
    secret["display name"] = name.encode()
    secret["title"] = b"My thread"

    answer = await client.client.delete_account(client.password)
    assert answer["already_requested"] is False
    with pytest.raises(ApiError) as logged_out:
        await client.client.request("GET", "/api/me")
    assert logged_out.value.status == 401

    await deliver(api, smtp, clock)
    confirmations = [m for m in smtp.messages if m["To"] == client.email]
    assert [m["Subject"] for m in confirmations] == ["Your Interlude account was deleted"]

    rows = await every_row(api.database)
    leaks = [
        (table, column, what)
        for table, table_rows in rows.items()
        for row in table_rows
        for column, value in row.items()
        for what, needle in secret.items()
        if contains(value, needle)
    ]
    assert leaks == []
    id_places = {
        (table, column)
        for table, table_rows in rows.items()
        for row in table_rows
        for column, value in row.items()
        if contains(value, str(user_id).encode()) or contains(value, user_id.bytes)
    }
    assert id_places <= ID_MAY_REMAIN, id_places - ID_MAY_REMAIN
    theirs = [m for m in rows["messages"] if m["sender_id"] == user_id]
    assert theirs
    assert all(m["envelope"] is None and m["state"] == "removed" for m in theirs)
    [user_row] = [u for u in rows["users"] if u["id"] == user_id]
    assert user_row["display_name"] == "Deleted account"

    history = await team.therapist.client.threads.history(thread_id)
    by_id = {m.id: m for m in history}
    assert all(by_id[m["id"]].problem == "deleted" for m in sent)
    assert by_id[reply["id"]].text == "the therapist's reply"
    assert [m.seq for m in history] == list(range(1, len(history) + 1)), "no holes in seqs"
    members = await team.therapist.client.request("GET", f"/api/threads/{thread_id}")
    assert [m["user_id"] for m in members["members"]] == [team.therapist.user_id]
    [summary] = [t for t in await team.therapist.client.threads.summaries() if t["id"] == thread_id]
    assert {m["user_id"]: m["display_name"] for m in summary["members"]} == {
        team.therapist.user_id: "Dr. Rivera",
        client.user_id: "Deleted account",
    }, "the therapist sees who wrote the deleted messages"
    people = {p["id"]: p for p in await team.admin.client.people()}
    assert people[client.user_id]["display_name"] == "Deleted account"


async def test_deleting_again_or_rerunning_the_job_changes_nothing(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    await team.client.client.threads.send(team.thread_id, "one")
    first = await team.admin.client.request(
        "POST", f"/api/clinic/people/{team.client.user_id}/delete", {}
    )
    again = await team.admin.client.request(
        "POST", f"/api/clinic/people/{team.client.user_id}/delete", {}
    )
    assert (first["already_requested"], again["already_requested"]) == (False, True)
    assert again["requested_at"] == first["requested_at"]
    await deliver(api, smtp, clock)
    before = await every_row(api.database)
    sent_before = len(smtp.messages)

    user_id = uuid.UUID(team.client.user_id)
    assert await deletion.erase(api.database, api.context, user_id) is None
    await deletion.finish(api.database, api.context, user_id)
    await team.admin.client.request("POST", f"/api/clinic/people/{team.client.user_id}/delete", {})
    assert await deliver(api, smtp, clock) == 0
    after = await every_row(api.database)
    assert after == before
    assert len(smtp.messages) == sent_before


async def test_only_admins_delete_other_people_and_a_client_must_prove_their_password(
    api: Api,
) -> None:
    team = await care_team(api)
    with pytest.raises(ApiError) as therapist:
        await team.therapist.client.request(
            "POST", f"/api/clinic/people/{team.client.user_id}/delete", {}
        )
    assert therapist.value.status == 403
    with pytest.raises(ApiError) as wrong:
        await team.client.client.request("POST", "/api/me/delete", {"current_auth_key": "A" * 43})
    assert wrong.value.status == 401
    assert (await team.client.client.me())["user"]["id"] == team.client.user_id
    with pytest.raises(ApiError) as own:
        await team.admin.client.request(
            "POST", f"/api/clinic/people/{team.admin.user_id}/delete", {}
        )
    assert own.value.status == 403


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
async def test_after_a_therapist_is_deleted_the_client_keeps_talking_to_the_rest_of_the_team(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    second = await api.invite_and_register(team.admin, "therapist", "Dr. Okafor")
    await team.admin.client.assign(second.user_id, team.client.user_id)
    await team.therapist.client.threads.send(team.thread_id, "from the therapist who leaves")
    await team.client.client.threads.send(team.thread_id, "hello both")
    await team.therapist.client.journal.create_prompt(
        team.client.user_id, "What helped today?", {"repeat": "daily", "time": "20:00"}
    )
    await team.admin.client.request(
        "POST", f"/api/clinic/people/{team.therapist.user_id}/delete", {}
    )
    await deliver(api, smtp, clock)

    await team.client.client.threads.send(team.thread_id, "still here")
    await second.client.threads.load(team.thread_id)
    texts = [m.text for m in await second.client.threads.history(team.thread_id)]
    assert texts[-1] == "still here"
    history = await team.client.client.threads.history(team.thread_id)
    assert history[0].problem == "deleted"
    roster = await team.client.client.request("GET", f"/api/threads/{team.thread_id}/roster")
    assert team.therapist.user_id not in {m["user_id"] for m in roster["members"]}
    async with api.database.unit_of_work() as uow:
        prompts_left = (await uow.session.execute(select(journal_prompts))).all()
    assert prompts_left == [], "the prompts a deleted therapist wrote go with them"
