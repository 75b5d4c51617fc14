"""Group threads over HTTP: creating, joining under a pseudonym, posting, reading."""

from __future__ import annotations

import json
from typing import Any

import pytest

import crypto
from messaging import groups
from tests.support.groups import GUIDELINES, group_world
from tests.support.world import Api
from web.client import ApiError


async def test_members_read_each_others_posts_under_pseudonyms(api: Api) -> None:
    world = await group_world(api, "open")
    first, second = world.members
    await first.client.groups.post(world.thread_id, "hello from the first")
    await world.moderator.client.groups.post(world.thread_id, "welcome, everyone")

    for reader in (second, world.moderator):
        posts = await reader.client.groups.posts(world.thread_id)
        assert [(p.seq, p.pseudonym, p.text) for p in posts] == [
            (1, "Pseudonym 0", "hello from the first"),
            (2, "Moderator Okafor", "welcome, everyone"),
        ]


async def test_an_invitee_reads_the_guidelines_before_joining(api: Api) -> None:
    world = await group_world(api, "open", members=1, join=False)
    [invitee] = world.members
    [mine] = await invitee.client.groups.mine()
    assert mine["me"]["state"] == "invited"
    info = invitee.client.groups.info(mine)
    assert (info.title, info.guidelines) == ("Thursday evening support", GUIDELINES)
    with pytest.raises(ApiError) as early:
        await invitee.client.groups.posts(world.thread_id)
    assert early.value.status == 404


async def test_a_member_never_receives_another_members_name_email_user_id_or_account_key(
    api: Api,
) -> None:
    world = await group_world(api, "premoderated", members=2, join=False)
    watcher, other = world.members
    pending = await api.invite_and_register(world.admin, "client", "Pending Invitee")
    withdrawn = await api.invite_and_register(world.admin, "client", "Withdrawn Invitee")
    received: list[object] = []
    sdk = watcher.client
    plain_request = sdk.request

    async def recording(method: str, path: str, body: Any = None, params: Any = None) -> Any:
        answer = await plain_request(method, path, body, params)
        received.append(answer)
        return answer

    sdk.request = recording  # type: ignore[method-assign]
    watcher_rt = sdk.realtime()
    await watcher_rt.connect()
    try:
        await sdk.groups.mine()
        await sdk.groups.join(world.thread_id, "Watcher")
        await other.client.groups.join(world.thread_id, "Other")
        waiting = await world.moderator.client.groups.invite(world.thread_id, pending.user_id)
        dropped = await world.moderator.client.groups.invite(world.thread_id, withdrawn.user_id)
        await world.moderator.client.groups.withdraw_invitation(world.thread_id, dropped)
        held = await other.client.groups.post(world.thread_id, "from the other member")
        await world.moderator.client.groups.approve(world.thread_id, held["id"])
        await world.moderator.client.groups.post(world.thread_id, "from the moderator")
        await sdk.groups.post(world.thread_id, "from the watcher")
        posts = await sdk.groups.posts(world.thread_id)
        await sdk.groups.report(world.thread_id, posts[0], 3)
        await world.moderator.client.groups.remove_post(held["id"], "removed for the test")
        await sdk.groups.mark_read(world.thread_id, 2)
        await sdk.groups.my_posts(world.thread_id)
        await sdk.groups.mine()
        await sdk.groups.detail(world.thread_id)
        await watcher_rt.next("group_post_updated")
    finally:
        await watcher_rt.disconnect()
    received.extend(watcher_rt.events.get_nowait() for _ in range(watcher_rt.events.qsize()))

    everything = json.dumps(received)
    assert "from the other member" not in everything, "only ciphertext travels"
    for person in (other, world.moderator, world.admin, pending, withdrawn):
        me = await person.client.me()
        key = await person.client.request("GET", f"/api/users/{person.user_id}/public-key")
        bundle = crypto.parse_public_bundle(crypto.b64decode(key["public_bundle"]))
        for secret in (
            person.user_id,
            person.user_id.replace("-", ""),
            person.email,
            me["user"]["display_name"],
            key["public_bundle"],
            key["key_id"],
            crypto.b64encode(bundle.sign_pk),
            crypto.b64encode(bundle.box_pk),
        ):
            assert secret not in everything, (person.email, secret)
    assert waiting not in everything, "nobody but moderators learns of an invitation"
    assert dropped not in everything
    assert any("Other" in json.dumps(r) for r in received), "pseudonyms do travel"


async def test_a_full_group_refuses_the_next_invitation_and_changes_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cap is 500 (`MAX_GROUP_MEMBERS`); lowered here to 3 so that filling the group
    takes three accounts instead of five hundred."""
    monkeypatch.setattr(groups, "MAX_GROUP_MEMBERS", 3)
    world = await group_world(api, "open", members=2)
    extra = await api.invite_and_register(world.admin, "client", "One too many")
    before = await world.moderator.client.groups.detail(world.thread_id)

    with pytest.raises(ApiError) as refused:
        await world.moderator.client.groups.invite(world.thread_id, extra.user_id)

    assert (refused.value.status, refused.value.code) == (409, "conflict")
    assert "at most 3 members" in refused.value.message
    assert await world.moderator.client.groups.detail(world.thread_id) == before
    assert await extra.client.groups.mine() == []
