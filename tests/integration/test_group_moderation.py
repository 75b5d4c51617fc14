"""Group moderation as attacks: held posts, removal, mutes, announcements, reports, and
who may moderate at all."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

import crypto
from crypto import groups as g
from messaging.storage.tables import audit_events, messages
from tests.support.clock import FrozenClock
from tests.support.groups import group_world
from tests.support.world import Api
from web.client import ApiError


async def test_a_held_post_is_neither_delivered_nor_decryptable_by_another_member(
    api: Api,
) -> None:
    world = await group_world(api, "premoderated")
    author, other = world.members
    other_rt = other.client.realtime()
    await other_rt.connect()
    try:
        sent = await author.client.groups.post(world.thread_id, "please hold me")
        assert (sent["state"], sent["seq"]) == ("held", None)
        assert await other.client.groups.posts(world.thread_id) == []
        [mine] = await author.client.groups.my_posts(world.thread_id)
        assert (mine["state"], mine["moderation"]) == ("held", None)

        # The other member somehow holds the raw envelope: none of their keys open it.
        envelope = crypto.parse_envelope(crypto.b64decode(sent["envelope"]))
        assert envelope.key_scope is crypto.KeyScope.MOD
        keys = await other.client.groups.load(world.thread_id)
        membership = other.client.groups._membership(keys.thread_id, keys.detail["me"]["member_id"])
        author_pk = crypto.parse_public_bundle(
            crypto.b64decode(
                next(
                    m["bundle"]
                    for m in keys.detail["members"]
                    if m["member_id"] == world.member_id(author)
                )
            )
        ).sign_pk
        for epoch_key in keys.epoch_keys.values():
            with pytest.raises(crypto.CryptoError):
                crypto.open_message(envelope, author_pk, epoch_key=epoch_key)
        with pytest.raises(crypto.CryptoError):
            crypto.open_message(envelope, author_pk, moderator=membership)
        with pytest.raises(crypto.CryptoError):
            g.open_held_key(envelope, membership.box_sk)
        assert keys.moderator_secrets == {}

        # Approved: delivered to everyone with its seq, readable through the release.
        queue = await world.moderator.client.groups.queue(world.thread_id)
        assert [p["text"] for p in queue["held"]] == ["please hold me"]
        await world.moderator.client.groups.approve(world.thread_id, sent["id"])
        _, event = await other_rt.next("group_post")
        assert (event["id"], event["seq"]) == (sent["id"], 1)
        [seen] = await other.client.groups.posts(world.thread_id)
        assert (seen.seq, seen.text, seen.pseudonym) == (1, "please hold me", "Pseudonym 0")
    finally:
        await other_rt.disconnect()


async def test_a_rejected_post_tells_its_author_why_and_its_ciphertext_is_deleted(
    api: Api,
) -> None:
    world = await group_world(api, "premoderated", members=1)
    [author] = world.members
    author_rt = author.client.realtime()
    await author_rt.connect()
    try:
        sent = await author.client.groups.post(world.thread_id, "something off-topic")
        await world.moderator.client.groups.reject(sent["id"], "Off-topic for this group.")
        _, told = await author_rt.next("group_post_moderated")
        assert (told["moderation"], told["reason"]) == ("rejected", "Off-topic for this group.")
    finally:
        await author_rt.disconnect()
    [mine] = await author.client.groups.my_posts(world.thread_id)
    assert (mine["moderation"], mine["reason"], mine["envelope"]) == (
        "rejected",
        "Off-topic for this group.",
        None,
    )
    async with api.database.unit_of_work() as uow:
        stored = await uow.session.scalar(
            select(messages.c.envelope).where(messages.c.id == uuid.UUID(sent["id"]))
        )
    assert stored is None
    assert (await world.moderator.client.groups.queue(world.thread_id))["held"] == []


async def test_a_removed_member_gets_no_events_and_cannot_decrypt_the_next_epoch(
    api: Api,
) -> None:
    world = await group_world(api, "open", members=2)
    stays, leaves = world.members
    leaves_rt, stays_rt = leaves.client.realtime(), stays.client.realtime()
    await leaves_rt.connect()
    await stays_rt.connect()
    try:
        await stays.client.groups.post(world.thread_id, "before the removal")
        _, before = await leaves_rt.next("group_post")
        assert before["seq"] == 1, "the member's socket is in the group's room"
        old_keys = dict((await leaves.client.groups.load(world.thread_id)).epoch_keys)

        await world.moderator.client.groups.remove_member(world.thread_id, world.member_id(leaves))
        await leaves_rt.next("group_removed")
        after = await stays.client.groups.post(world.thread_id, "after the removal")
        _, delivered = await stays_rt.next("group_post")
        while delivered["seq"] != 2:
            _, delivered = await stays_rt.next("group_post")
        # A marker sent to the removed member's own session after the post: once it has
        # arrived, any post event would have arrived before it.
        await world.moderator.client.groups.invite(world.thread_id, leaves.user_id)
        await leaves_rt.next("group_invited")
        leftover = [leaves_rt.events.get_nowait() for _ in range(leaves_rt.events.qsize())]
        assert [name for name, _ in leftover if name.startswith("group_post")] == []

        with pytest.raises(ApiError) as reading:
            await leaves.client.request("GET", f"/api/groups/{world.thread_id}/posts")
        assert reading.value.status == 404
        envelope = crypto.parse_envelope(crypto.b64decode(after["envelope"]))
        assert envelope.epoch not in old_keys
        detail = await world.moderator.client.groups.detail(world.thread_id)
        author_pk = crypto.parse_public_bundle(
            crypto.b64decode(
                next(
                    m["bundle"]
                    for m in detail["members"]
                    if m["member_id"] == world.member_id(stays)
                )
            )
        ).sign_pk
        for key in old_keys.values():
            with pytest.raises(crypto.WrongKeyError):
                crypto.open_message(envelope, author_pk, epoch_key=key)
    finally:
        await leaves_rt.disconnect()
        await stays_rt.disconnect()


async def test_a_member_removed_with_rejoining_forbidden_cannot_be_invited_again(
    api: Api,
) -> None:
    world = await group_world(api, "open", members=1)
    [member] = world.members
    await world.moderator.client.groups.remove_member(
        world.thread_id, world.member_id(member), forbid_rejoin=True
    )
    with pytest.raises(ApiError) as again:
        await world.moderator.client.groups.invite(world.thread_id, member.user_id)
    assert again.value.status == 403


async def test_a_muted_members_post_is_refused_saying_until_when(
    api: Api, clock: FrozenClock
) -> None:
    world = await group_world(api, "open", members=1)
    [member] = world.members
    until = clock.now() + timedelta(days=2)
    await world.moderator.client.groups.mute(world.thread_id, world.member_id(member), until)
    with pytest.raises(ApiError) as refused:
        await member.client.groups.post(world.thread_id, "let me speak")
    assert (refused.value.status, refused.value.code) == (403, "muted")
    assert "until 2026-11-04T09:00:00Z" in refused.value.message
    assert await world.moderator.client.groups.posts(world.thread_id) == []

    clock.advance(timedelta(days=2, seconds=1))
    await member.client.groups.post(world.thread_id, "back again")


async def test_an_announcements_group_refuses_member_posts(api: Api) -> None:
    world = await group_world(api, "announcements", members=1)
    [member] = world.members
    with pytest.raises(ApiError) as refused:
        await member.client.groups.post(world.thread_id, "may I?")
    assert refused.value.status == 403
    await world.moderator.client.groups.post(world.thread_id, "Group moves to 7pm.")
    [post] = await member.client.groups.posts(world.thread_id)
    assert post.text == "Group moves to 7pm."


async def test_a_member_cannot_approve_reject_remove_mute_or_remove_members(api: Api) -> None:
    world = await group_world(api, "premoderated", members=2)
    actor, target = world.members
    held = await target.client.groups.post(world.thread_id, "held")
    delivered = await world.moderator.client.groups.post(world.thread_id, "visible")
    release = "A" * 108  # 81 bytes; refused before it is looked at
    tries = [
        ("POST", f"/api/group-posts/{held['id']}/approve", {"release": release}),
        ("POST", f"/api/group-posts/{held['id']}/reject", {"reason": "no"}),
        ("POST", f"/api/group-posts/{delivered['id']}/remove", {"reason": "no"}),
        (
            "POST",
            f"/api/groups/{world.thread_id}/members/{world.member_id(target)}/mute",
            {"until": "2026-11-03T09:00:00Z"},
        ),
        (
            "POST",
            f"/api/groups/{world.thread_id}/members/{world.member_id(target)}/remove",
            await world.moderator.client.groups.removal_body(
                world.thread_id, world.member_id(target)
            ),
        ),
        ("GET", f"/api/groups/{world.thread_id}/queue", None),
    ]
    for method, path, body in tries:
        for caller, status in ((actor, 403), (world.admin, 404)):
            with pytest.raises(ApiError) as refused:
                await caller.client.request(method, path, body)
            assert refused.value.status == status, (caller, path)
    assert len((await world.moderator.client.groups.queue(world.thread_id))["held"]) == 1


async def test_a_report_reveals_exactly_the_reported_post(api: Api) -> None:
    world = await group_world(api, "open", members=2)
    author, reporter = world.members
    await author.client.groups.post(world.thread_id, "the reported one")
    await author.client.groups.post(world.thread_id, "an innocent one")
    reported, innocent = await reporter.client.groups.posts(world.thread_id)
    await reporter.client.groups.report(
        world.thread_id, reported, g.ReportCategory.HARASSMENT, "this hurt"
    )

    queue = await world.moderator.client.groups.queue(world.thread_id)
    [report] = queue["reports"]
    assert (report["text"], report["note"], report["category"]) == (
        "the reported one",
        "this hurt",
        1,
    )
    assert report["reporter_id"] == world.member_id(reporter)

    keys = await world.moderator.client.groups.load(world.thread_id)
    [secret] = keys.moderator_secrets.values()
    reported_envelope = crypto.parse_envelope(crypto.b64decode(reported.raw["envelope"]))
    innocent_envelope = crypto.parse_envelope(crypto.b64decode(innocent.raw["envelope"]))
    opened = g.open_report(crypto.b64decode(report["seal"]), reported_envelope, secret)
    with pytest.raises(crypto.CryptoError):
        g.open_report(crypto.b64decode(report["seal"]), innocent_envelope, secret)
    author_pk = crypto.parse_public_bundle(
        crypto.b64decode(
            next(
                m["bundle"]
                for m in keys.detail["members"]
                if m["member_id"] == world.member_id(author)
            )
        )
    ).sign_pk
    with pytest.raises(crypto.KeyCommitmentError):
        crypto.open_reported_message(innocent_envelope, author_pk, opened.message_key)

    await world.moderator.client.groups.resolve_report(report["id"])
    assert (await world.moderator.client.groups.queue(world.thread_id))["reports"] == []


async def test_every_moderation_action_is_audited_without_content(api: Api) -> None:
    world = await group_world(api, "premoderated", members=2)
    first, second = world.members
    kept = await first.client.groups.post(world.thread_id, "SECRET-TEXT-ONE")
    dropped = await first.client.groups.post(world.thread_id, "SECRET-TEXT-TWO")
    await world.moderator.client.groups.approve(world.thread_id, kept["id"])
    await world.moderator.client.groups.reject(dropped["id"], "SECRET-REASON")
    [post] = await second.client.groups.posts(world.thread_id)
    report = await second.client.groups.report(world.thread_id, post, 5, "SECRET-NOTE")
    await world.moderator.client.groups.resolve_report(report["id"])
    await world.moderator.client.groups.remove_post(kept["id"], "SECRET-REASON")
    await world.moderator.client.groups.mute(
        world.thread_id, world.member_id(second), api.context.clock.now() + timedelta(hours=1)
    )
    await world.moderator.client.groups.remove_member(world.thread_id, world.member_id(second))

    trail = await world.admin.client.audit_trail()
    actions = [e["action"] for e in trail if e["action"].startswith("group.")]
    for action in (
        "group.post_approved",
        "group.post_rejected",
        "group.post_reported",
        "group.report_handled",
        "group.post_removed",
        "group.member_muted",
        "group.member_removed",
    ):
        assert action in actions
    # Who, what, when and which post or member: the moderator, by id, with a hash chain.
    done = {e["action"]: e for e in trail if e["action"].startswith("group.")}
    assert done["group.post_approved"]["target_id"] == kept["id"]
    assert done["group.post_rejected"]["target_id"] == dropped["id"]
    assert done["group.post_removed"]["target_id"] == kept["id"]
    assert done["group.report_handled"]["target_id"] == report["id"]
    assert done["group.member_removed"]["target_id"] == world.member_id(second)
    assert done["group.post_reported"]["actor_id"] == second.user_id
    for action in ("approved", "rejected", "removed"):
        assert done[f"group.post_{action}"]["actor_id"] == world.moderator.user_id
    for action in ("group.member_muted", "group.member_removed", "group.report_handled"):
        assert done[action]["actor_id"] == world.moderator.user_id
        assert done[action]["created_at"]
        assert done[action]["hash"]
    async with api.database.unit_of_work() as uow:
        rows = (await uow.session.execute(select(audit_events))).mappings().all()
    assert "SECRET" not in repr(rows)


async def test_twenty_simultaneous_joins_all_succeed_by_retrying_the_epoch_swap(
    api: Api,
) -> None:
    world = await group_world(api, "open", members=20, join=False)
    joined = await asyncio.gather(
        *(
            person.client.groups.join(world.thread_id, f"Joiner {n}")
            for n, person in enumerate(world.members)
        )
    )
    assert len({j["member_id"] for j in joined}) == 20
    detail = await world.moderator.client.groups.detail(world.thread_id)
    assert detail["epoch"] == 20
    assert sum(1 for m in detail["members"] if m["state"] == "active") == 21
    await world.members[0].client.groups.post(world.thread_id, "we are all here")
    for person in world.members:
        [post] = await person.client.groups.posts(world.thread_id)
        assert post.text == "we are all here"
