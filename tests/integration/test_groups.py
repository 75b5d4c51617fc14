"""Group threads over HTTP: creating, joining under a pseudonym, posting, reading."""

from __future__ import annotations

import pytest

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
