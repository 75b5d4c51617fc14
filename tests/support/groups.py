"""A clinic group with an admin, a moderator and members who joined under pseudonyms."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from tests.support.world import Api, Person
from web.sdk_realtime import Realtime

GUIDELINES = "Be kind. No names, no addresses. Nothing you would not say in the room."


@dataclass
class GroupWorld:
    admin: Person
    moderator: Person
    members: list[Person]
    thread_id: str
    member_ids: dict[str, str] = field(default_factory=dict)  # user id -> member id

    def member_id(self, person: Person) -> str:
        return self.member_ids[person.user_id]


async def group_world(
    api: Api, policy: str = "open", *, members: int = 2, join: bool = True
) -> GroupWorld:
    admin = await api.create_clinic()
    moderator = await api.invite_and_register(admin, "therapist", "Dr. Okafor")
    people = [await api.invite_and_register(admin, "client", f"Client {n}") for n in range(members)]
    thread_id = await admin.client.groups.create(
        policy=policy,
        title="Thursday evening support",
        description="A moderated group for people between sessions.",
        guidelines=GUIDELINES,
        moderators=[moderator.user_id],
    )
    world = GroupWorld(admin, moderator, people, thread_id)
    joined = await moderator.client.groups.join(thread_id, "Moderator Okafor")
    world.member_ids[moderator.user_id] = joined["member_id"]
    for n, person in enumerate(people):
        world.member_ids[person.user_id] = await moderator.client.groups.invite(
            thread_id, person.user_id
        )
        if join:
            await person.client.groups.join(thread_id, f"Pseudonym {n}")
    return world


async def every_member_receives_every_post_once_in_order(
    world: GroupWorld, realtimes: list[Realtime], posters: int, posts_each: int
) -> None:
    """`posters` members post `posts_each` posts concurrently; every connected member must
    receive each post exactly once, in seq order (asserted here)."""
    senders = world.members[:posters]

    async def post_all(person: Person, n: int) -> None:
        for k in range(posts_each):
            await person.client.groups.post(world.thread_id, f"post {n}.{k}")

    await asyncio.gather(*(post_all(p, n) for n, p in enumerate(senders)))
    total = posters * posts_each

    async def received(rt: Realtime) -> list[int]:
        seqs: list[int] = []
        while len(seqs) < total:
            _, event = await rt.next("group_post", wait_seconds=60)
            seqs.append(event["seq"])
        return seqs

    for seqs in await asyncio.gather(*(received(rt) for rt in realtimes)):
        assert seqs == list(range(1, total + 1))
    for rt in realtimes:
        extra = [rt.events.get_nowait() for _ in range(rt.events.qsize())]
        assert [name for name, _ in extra if name == "group_post"] == []
