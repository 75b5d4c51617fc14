"""The author's copy of a held post's key (docs/crypto.md section 12): the author reads
what waits for a moderator from any device; nobody else receives the copy or can use it."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

import crypto
from crypto import groups as g
from messaging.storage.tables import group_posts, messages
from tests.integration.test_deletion import contains, every_row
from tests.support.clock import FrozenClock
from tests.support.groups import group_world
from tests.support.notifier import deliver
from tests.support.smtp import SmtpSink
from tests.support.world import Api
from web.client import ApiError, InterludeClient


def record_answers(client: InterludeClient, received: list[object]) -> None:
    plain_request = client.request

    async def recording(method: str, path: str, body: Any = None, params: Any = None) -> Any:
        answer = await plain_request(method, path, body, params)
        received.append(answer)
        return answer

    client.request = recording  # type: ignore[method-assign]


async def stored_copies(api: Api, *message_ids: str) -> list[bytes | None]:
    async with api.database.unit_of_work() as uow:
        rows = await uow.session.execute(
            select(group_posts.c.author_copy).where(
                group_posts.c.message_id.in_([uuid.UUID(i) for i in message_ids])
            )
        )
    return [row[0] for row in rows]


async def test_the_author_reads_their_held_post_from_a_fresh_login_until_it_is_rejected(
    api: Api,
) -> None:
    world = await group_world(api, "premoderated", members=1)
    [author] = world.members
    sent = await author.client.groups.post(world.thread_id, "waiting — for a moderator 🌱")
    assert sent["state"] == "held"

    fresh = api.new_client("another device")
    await fresh.login(author.email, author.password)
    [mine] = await fresh.groups.my_posts(world.thread_id)
    assert (mine["id"], mine["state"], mine["moderation"]) == (sent["id"], "held", None)
    assert (mine["text"], mine["problem"]) == ("waiting — for a moderator 🌱", None)

    await world.moderator.client.groups.reject(sent["id"], "Not for this group.")
    [rejected] = await fresh.groups.my_posts(world.thread_id)
    assert (rejected["moderation"], rejected["reason"]) == ("rejected", "Not for this group.")
    assert (rejected["envelope"], rejected["author_copy"], rejected["text"]) == (None, None, None)
    assert await stored_copies(api, sent["id"]) == [None]


async def test_no_one_but_the_author_receives_or_can_use_the_author_copy(api: Api) -> None:
    world = await group_world(api, "premoderated")
    author, other = world.members
    moderator = world.moderator
    received: list[object] = []
    record_answers(other.client, received)
    record_answers(moderator.client, received)
    other_rt, moderator_rt = other.client.realtime(), moderator.client.realtime()
    await other_rt.connect()
    await moderator_rt.connect()
    try:
        kept = await author.client.groups.post(world.thread_id, "approve me")
        dropped = await author.client.groups.post(world.thread_id, "reject me")
        await moderator_rt.next("group_queue")
        queue = await moderator.client.groups.queue(world.thread_id)
        assert sorted(p["text"] for p in queue["held"]) == ["approve me", "reject me"]
        await moderator.client.groups.detail(world.thread_id)
        await other.client.groups.detail(world.thread_id)
        await other.client.groups.my_posts(world.thread_id)
        await moderator.client.groups.reject(dropped["id"], "Off-topic.")
        await moderator.client.groups.approve(world.thread_id, kept["id"])
        _, delivered = await other_rt.next("group_post")
        assert delivered["id"] == kept["id"]
        await other.client.groups.posts(world.thread_id)
        await moderator.client.groups.posts(world.thread_id)
    finally:
        await other_rt.disconnect()
        await moderator_rt.disconnect()
    for rt in (other_rt, moderator_rt):
        received.extend(rt.events.get_nowait() for _ in range(rt.events.qsize()))

    everything = json.dumps(received)
    copies = [kept["author_copy"], dropped["author_copy"]]
    assert all(copies)
    for copy in copies:
        assert copy not in everything
    assert '"author_copy": "' not in everything

    # A moderator (or another member) who got hold of a copy anyway cannot open it.
    envelope = crypto.parse_envelope(crypto.b64decode(kept["envelope"]))
    for person in (moderator, other):
        assert person.client.unlocked is not None
        with pytest.raises(crypto.CryptoError):
            g.open_author_copy(
                crypto.b64decode(kept["author_copy"]), envelope, person.client.unlocked.account_key
            )
    # Approved or rejected, the copy is gone: the release (or nothing) remains.
    assert await stored_copies(api, kept["id"], dropped["id"]) == [None, None]
    assert [p["author_copy"] for p in await author.client.groups.my_posts(world.thread_id)] == [
        None,
        None,
    ]


async def test_an_author_copy_that_is_malformed_or_not_for_a_held_post_is_refused(
    api: Api,
) -> None:
    held_world = await group_world(api, "premoderated", members=1)
    open_world = await group_world(api, "open", members=1)
    [author] = held_world.members
    [speaker] = open_world.members
    body = await author.client.groups.post_body(held_world.thread_id, "held")
    copy = crypto.b64decode(body["author_copy"])
    bad_bodies = [
        {**body, "author_copy": crypto.b64encode(copy[:-1])},
        {**body, "author_copy": 73},
        {**body, "author_copy": crypto.b64encode(b"\x02" + copy[1:])},
    ]
    for bad in bad_bodies:
        with pytest.raises(ApiError) as refused:
            await author.client.request("POST", f"/api/groups/{held_world.thread_id}/posts", bad)
        assert (refused.value.status, refused.value.code) == (422, "invalid_input")
    open_body = await speaker.client.groups.post_body(open_world.thread_id, "not held")
    with pytest.raises(ApiError) as refused:
        await speaker.client.request(
            "POST",
            f"/api/groups/{open_world.thread_id}/posts",
            {**open_body, "author_copy": body["author_copy"]},
        )
    assert (refused.value.status, refused.value.code) == (422, "invalid_input")
    assert "waits for a moderator" in refused.value.message

    async with api.database.unit_of_work() as uow:
        stored = await uow.session.scalar(
            select(func.count())
            .select_from(messages)
            .where(
                messages.c.thread_id.in_(
                    [uuid.UUID(held_world.thread_id), uuid.UUID(open_world.thread_id)]
                )
            )
        )
    assert stored == 0


async def test_deleting_an_author_erases_their_held_post_and_its_author_copy(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    world = await group_world(api, "premoderated", members=1)
    [author] = world.members
    sent = await author.client.groups.post(world.thread_id, "held when I left")
    copy = crypto.b64decode(sent["author_copy"])
    assert await stored_copies(api, sent["id"]) == [copy]

    await author.client.delete_account(author.password)
    await deliver(api, smtp, clock)

    rows = await every_row(api.database)
    [post] = [m for m in rows["messages"] if str(m["id"]) == sent["id"]]
    assert post["envelope"] is None
    assert await stored_copies(api, sent["id"]) == [None]
    assert [
        (table, column)
        for table, found in rows.items()
        for row in found
        for column, value in row.items()
        if contains(value, copy)
    ] == []
