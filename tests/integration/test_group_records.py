"""Groups in the clinic's records: deleting a person erases their group traces, an export
holds their groups and what they wrote there, and the server keeps no readable group name
(an admin without a seal sees nothing of it)."""

from __future__ import annotations

import uuid

import pytest

from crypto import b64decode, parse_commit
from tests.integration.test_deletion import contains, every_row
from tests.support.clock import FrozenClock
from tests.support.groups import GUIDELINES, group_world
from tests.support.notifier import deliver
from tests.support.smtp import SmtpSink
from tests.support.world import Api
from web.client import ApiError
from web.sdk_export import export_all, to_markdown

TITLE = b"Thursday evening support"


async def test_deleting_a_member_erases_their_pseudonym_certificate_posts_and_reports(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    world = await group_world(api, "open", members=2)
    leaving, staying = world.members
    member_id = uuid.UUID(world.member_id(leaving))
    kept = await staying.client.groups.post(world.thread_id, "staying says hello")
    gone = await leaving.client.groups.post(world.thread_id, "words of the deleted person")
    [reported] = [
        p for p in await leaving.client.groups.posts(world.thread_id) if p.id == kept["id"]
    ]
    await leaving.client.groups.report(world.thread_id, reported, 5, "a note")
    detail = await world.moderator.client.groups.detail(world.thread_id)
    [row] = [m for m in detail["members"] if m["member_id"] == str(member_id)]
    certificate = b64decode(row["certificate"])

    await leaving.client.delete_account(leaving.password)
    await deliver(api, smtp, clock)

    rows = await every_row(api.database)
    [membership] = [m for m in rows["group_members"] if m["id"] == member_id]
    assert membership["state"] == "removed"
    assert membership["pseudonym"] is None
    assert membership["certificate"] is None
    assert [r for r in rows["group_reports"] if r["reporter_id"] == member_id] == []
    [post] = [m for m in rows["messages"] if str(m["id"]) == gone["id"]]
    assert (post["envelope"], post["state"]) == (None, "removed")
    assert [p["release"] for p in rows["group_posts"] if p["member_id"] == member_id] == [None]
    leaks = [
        (table, column)
        for table, table_rows in rows.items()
        for found in table_rows
        for column, value in found.items()
        if contains(value, b"Pseudonym 0") or contains(value, certificate)
    ]
    assert leaks == []

    after = await world.moderator.client.groups.detail(world.thread_id)
    [seen] = [m for m in after["members"] if m["member_id"] == str(member_id)]
    assert (seen["state"], seen["pseudonym"]) == ("removed", None)
    posts = {p.id: p for p in await staying.client.groups.posts(world.thread_id)}
    assert posts[gone["id"]].text is None
    assert posts[kept["id"]].text == "staying says hello"


async def test_an_export_holds_every_post_i_can_read_by_pseudonym_and_what_moderation_did(
    api: Api,
) -> None:
    world = await group_world(api, "premoderated", members=2)
    me, other = world.members
    moderator = world.moderator.client.groups
    approved = await me.client.groups.post(world.thread_id, "mine, approved")
    await moderator.approve(world.thread_id, approved["id"])
    rejected = await me.client.groups.post(world.thread_id, "mine, rejected")
    await moderator.reject(rejected["id"], "Off topic")
    theirs = await other.client.groups.post(world.thread_id, "someone else's")
    await moderator.approve(world.thread_id, theirs["id"])
    gone = await me.client.groups.post(world.thread_id, "mine, removed later")
    await moderator.approve(world.thread_id, gone["id"])
    await moderator.remove_post(gone["id"], "Names of medicines")
    waiting = await me.client.groups.post(world.thread_id, "mine, still held")
    await moderator.post(world.thread_id, "Welcome, everyone.")

    document = await export_all(me.client)

    [group] = document["sections"]["groups"]
    assert (group["title"], group["pseudonym"], group["state"]) == (
        TITLE.decode(),
        "Pseudonym 0",
        "active",
    )
    shown = [(p["author"], p["mine"], p["state"], p["text"], p["reason"]) for p in group["posts"]]
    assert shown == [
        ("Pseudonym 0", True, "visible", "mine, approved", None),
        ("Pseudonym 1", False, "visible", "someone else's", None),
        ("Pseudonym 0", True, "removed", None, "Names of medicines"),
        ("Moderator Okafor", False, "visible", "Welcome, everyone.", None),
    ]
    moderated = {
        (p["id"], p["moderation"], p["reason"], p["text"]) for p in group["moderated_posts"]
    }
    assert moderated == {
        (rejected["id"], "rejected", "Off topic", None),
        (gone["id"], "removed", "Names of medicines", None),
        (waiting["id"], "held", None, "mine, still held"),
    }
    markdown = to_markdown(document)
    assert "## Group: Thursday evening support (as Pseudonym 0)" in markdown
    assert "- **Pseudonym 1**, " in markdown
    assert "_(removed by a moderator: Names of medicines)_" in markdown
    assert "A moderator did not approve your post of " in markdown
    assert "is waiting for a moderator._\n  mine, still held" in markdown

    theirs_seen = (await export_all(other.client))["sections"]["groups"][0]["posts"]
    removed = next(p for p in theirs_seen if p["id"] == gone["id"])
    assert (removed["state"], removed["reason"]) == ("removed", None), "the reason is the author's"


async def test_an_export_leaves_out_posts_sealed_before_i_joined_and_groups_i_am_not_in(
    api: Api,
) -> None:
    world = await group_world(api, "open", members=1, join=False)
    [late] = world.members
    await world.moderator.client.groups.post(world.thread_id, "before anyone else came")
    outsider = await api.invite_and_register(world.admin, "client", "Not In It")
    assert (await export_all(late.client))["sections"]["groups"] == [], "invited, not joined"

    await late.client.groups.join(world.thread_id, "Late Lark")
    await world.moderator.client.groups.post(world.thread_id, "after they joined")

    [group] = (await export_all(late.client))["sections"]["groups"]
    assert [p["text"] for p in group["posts"]] == ["after they joined"]
    assert (await export_all(outsider.client))["sections"]["groups"] == []


async def test_the_server_keeps_no_readable_group_name_and_an_admin_without_a_seal_reads_none(
    api: Api,
) -> None:
    world = await group_world(api, "open", members=1)
    second_admin = await api.invite_and_register(world.admin, "admin", "Second Admin")

    rows = await every_row(api.database)
    readable = [
        (table, column)
        for table, table_rows in rows.items()
        for found in table_rows
        for column, value in found.items()
        if contains(value, TITLE) or contains(value, GUIDELINES.encode())
    ]
    assert readable == []

    [unsealed] = await second_admin.client.groups.clinic_groups()
    assert unsealed["admin_seal"] is None
    assert TITLE not in b64decode(unsealed["info"])
    [sealed] = await world.admin.client.groups.clinic_groups()
    assert world.admin.client.groups.info(sealed, sealed["admin_seal"]).title == TITLE.decode()


async def test_deleting_an_active_member_forces_a_new_epoch_not_sealed_to_them(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    world = await group_world(api, "premoderated", members=2)
    leaving, staying = world.members
    gone_member = uuid.UUID(world.member_id(leaving))
    held = await staying.client.groups.post(world.thread_id, "held while they leave")
    before = (await world.moderator.client.groups.detail(world.thread_id))["epoch"]
    watching = world.moderator.client.realtime()
    await watching.connect()
    try:
        await leaving.client.delete_account(leaving.password)
        await deliver(api, smtp, clock)
        _, told = await watching.next("group_updated")
    finally:
        await watching.disconnect()

    assert (told["reason"], told["needs_rekey"], told["epoch"]) == ("member_deleted", True, before)
    detail = await world.moderator.client.groups.detail(world.thread_id)
    assert (detail["epoch"], detail["needs_rekey"]) == (before, True)
    release = await world.moderator.client.groups.approval_body(world.thread_id, held["id"])
    with pytest.raises(ApiError) as refused:
        await world.moderator.client.request(
            "POST", f"/api/group-posts/{held['id']}/approve", release
        )
    assert refused.value.code == "rekey_required", "no key is published to the old epoch"

    await world.moderator.client.groups.approve(world.thread_id, held["id"])  # rekeys first

    after = await world.moderator.client.groups.detail(world.thread_id)
    assert (after["epoch"], after["needs_rekey"]) == (before + 1, False)
    found = await world.moderator.client.request(
        "GET", f"/api/groups/{world.thread_id}/commits", params={"after_epoch": before}
    )
    [newest] = [parse_commit(b64decode(c["commit"])) for c in found["commits"]]
    assert newest.epoch == before + 1
    assert newest.member(gone_member) is None
    assert {m.user_id for m in newest.members} == {
        uuid.UUID(world.member_id(staying)),
        uuid.UUID(world.member_id(world.moderator)),
    }
    again = await staying.client.groups.post(world.thread_id, "still posting after")
    await world.moderator.client.groups.approve(world.thread_id, again["id"])
    texts = [p.text for p in await staying.client.groups.posts(world.thread_id)]
    assert texts[-2:] == ["held while they leave", "still posting after"]


async def test_a_moderator_can_rotate_a_groups_keys_and_a_member_cannot(api: Api) -> None:
    world = await group_world(api, "open", members=1)
    [member] = world.members
    epoch = await world.moderator.client.groups.rekey(world.thread_id)
    body = await member.client.groups.rekey_body(world.thread_id)

    with pytest.raises(ApiError) as refused:
        await member.client.request("POST", f"/api/groups/{world.thread_id}/rekey", body)

    assert refused.value.status == 403
    assert (await member.client.groups.detail(world.thread_id))["epoch"] == epoch
    await member.client.groups.post(world.thread_id, "new keys work")
    assert [p.text for p in await world.moderator.client.groups.posts(world.thread_id)] == [
        "new keys work"
    ]


async def test_after_a_members_deletion_no_post_is_sealed_to_keys_they_held(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    world = await group_world(api, "open", members=2)
    leaving, staying = world.members
    before = (await staying.client.groups.detail(world.thread_id))["epoch"]
    await leaving.client.delete_account(leaving.password)
    await deliver(api, smtp, clock)
    body = await staying.client.groups.post_body(world.thread_id, "sealed to the old keys")

    with pytest.raises(ApiError) as refused:
        await staying.client.request("POST", f"/api/groups/{world.thread_id}/posts", body)

    assert (refused.value.status, refused.value.code) == (409, "rekey_required")
    assert "send it again" in refused.value.message
    assert await staying.client.groups.posts(world.thread_id) == []
    await world.moderator.client.groups.post(world.thread_id, "new keys first")  # rekeys
    assert (await staying.client.groups.detail(world.thread_id))["epoch"] == before + 1
    await staying.client.groups.post(world.thread_id, "sent again")
    texts = [p.text for p in await world.moderator.client.groups.posts(world.thread_id)]
    assert texts == ["new keys first", "sent again"]
