"""A group whose members are spread over two web processes behind Redis: one emit per
post reaches every member once, in seq order, and a removal takes effect in both."""

from __future__ import annotations

from tests.e2e.test_two_processes import two_servers
from tests.support.groups import (
    every_member_receives_every_post_once_in_order,
    group_world,
    in_batches,
)
from tests.support.world import Api
from web.sdk_realtime import Realtime

__all__ = ["two_servers"]
MEMBERS = 200


async def test_members_on_two_processes_receive_every_post_once_in_seq_order(
    two_servers: tuple[Api, Api],
) -> None:
    first, second = two_servers
    world = await group_world(first, "open", members=MEMBERS)
    realtimes = [
        Realtime((first if n % 2 else second).base_url, person.client.token or "")
        for n, person in enumerate(world.members)
    ]
    try:
        await in_batches([rt.connect for rt in realtimes])
        await every_member_receives_every_post_once_in_order(
            world, realtimes, posters=10, posts_each=3
        )
        # Removed through process one: the member's socket on process two leaves the room.
        leaving = world.members[0]
        await world.moderator.client.groups.remove_member(world.thread_id, world.member_id(leaving))
        await realtimes[0].next("group_removed")
        await world.members[1].client.groups.post(world.thread_id, "after the removal")
        _, seen = await realtimes[1].next("group_post")
        await world.moderator.client.groups.invite(world.thread_id, leaving.user_id)
        await realtimes[0].next("group_invited")
        leftover = [realtimes[0].events.get_nowait() for _ in range(realtimes[0].events.qsize())]
        assert seen["seq"] == 31
        assert [name for name, _ in leftover if name == "group_post"] == []
    finally:
        for rt in realtimes:
            await rt.disconnect()
