"""Group fan-out at size: one emit per post to the group's room reaches every member."""

from __future__ import annotations

from tests.support.groups import (
    every_member_receives_every_post_once_in_order,
    group_world,
    in_batches,
)
from tests.support.world import Api

MEMBERS = 200


async def test_two_hundred_members_receive_every_concurrent_post_once_in_seq_order(
    api: Api,
) -> None:
    world = await group_world(api, "open", members=MEMBERS)
    realtimes = [person.client.realtime() for person in world.members]
    try:
        await in_batches([rt.connect for rt in realtimes])
        await every_member_receives_every_post_once_in_order(
            world, realtimes, posters=10, posts_each=3
        )
    finally:
        for rt in realtimes:
            await rt.disconnect()
