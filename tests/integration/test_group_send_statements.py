"""What one group post costs in SQL, whatever the group's size: one statement to authorize
it (the thread locked with its group, the poster's membership and any earlier message with
the same client id), the seq bump, the post's two rows, the poster's read mark and one
notices job. Nothing runs per member: the post reaches the room in one emit after commit."""

from __future__ import annotations

import uuid

import crypto
from messaging import authentication, group_posts
from messaging.actors import Actor
from tests.support.groups import GroupWorld, group_world
from tests.support.statements import statements_run
from tests.support.world import Api, Person

DELIVERED_POST = [
    ("SELECT", "threads"),
    ("UPDATE", "threads"),
    ("INSERT", "messages"),
    ("INSERT", "group_posts"),
    ("UPDATE", "group_members"),
    ("INSERT", "jobs"),
]


def kinds(statements: list[str]) -> list[tuple[str, str]]:
    """Each statement as (verb, table): the table written, or read by the outermost FROM
    (the last one: subqueries come first); transaction control is left out."""
    found = []
    for statement in statements:
        words = [w.upper() for w in statement.replace('"', "").split()]
        if words[0] in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
            continue
        anchor = {"SELECT": "FROM", "UPDATE": "UPDATE", "INSERT": "INTO"}[words[0]]
        at = len(words) - 1 - words[::-1].index(anchor)
        found.append((words[0], words[at + 1].lower()))
    return found


async def actor_of(api: Api, person: Person) -> Actor:
    async with api.database.unit_of_work() as uow:
        return await authentication.authenticate(uow, api.context, person.client.token)


async def posting(api: Api, world: GroupWorld, person: Person, body: dict[str, str]) -> list[str]:
    actor = await actor_of(api, person)
    with statements_run(api.database) as statements:
        async with api.database.unit_of_work() as uow:
            await group_posts.send_post(
                uow,
                api.context,
                actor,
                uuid.UUID(world.thread_id),
                crypto.b64decode(body["envelope"]),
            )
    return statements


async def test_a_group_post_runs_the_same_six_statements_in_a_group_of_two_or_of_eight(
    api: Api,
) -> None:
    for size in (2, 8):
        world = await group_world(api, "open", members=size)
        poster = world.members[0]
        body = await poster.client.groups.post_body(world.thread_id, "hello, everyone")
        statements = await posting(api, world, poster, body)
        assert kinds(statements) == DELIVERED_POST


async def test_a_retried_group_post_reads_the_original_and_writes_nothing(api: Api) -> None:
    world = await group_world(api, "open")
    poster = world.members[0]
    body = await poster.client.groups.post_body(world.thread_id, "sent twice")
    await posting(api, world, poster, body)
    retried = await posting(api, world, poster, body)
    assert kinds(retried) == [("SELECT", "threads"), ("SELECT", "messages")]
    [post] = await world.members[1].client.groups.posts(world.thread_id)
    assert post.text == "sent twice"
