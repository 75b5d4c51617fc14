"""A clinic group with an admin, a moderator and members who joined under pseudonyms.

Setting up a large group is most of the cost of the fan-out tests, so independent steps
(registering people, inviting them) run concurrently in bounded batches; joins stay one
after another because each one is a commit on the group's epoch chain.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

import pytest

from tests.support.world import Api, Person
from web.sdk_realtime import Realtime

GUIDELINES = "Be kind. No names, no addresses. Nothing you would not say in the room."
# Enough requests in flight to overlap the server's work with the clients' (key generation,
# Argon2id), few enough not to queue SQLite writers past their busy timeout.
CONCURRENCY = 8
# How long a member waits for its next post before the check reports what it missed.
RECEIVE_SECONDS = 60
SHOWN_MEMBERS = 5  # members described in full when delivery fails

T = TypeVar("T")


async def in_batches(steps: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
    """Run `steps` at most CONCURRENCY at a time; results in the order of `steps`."""
    results: list[T] = []
    for start in range(0, len(steps), CONCURRENCY):
        results += await asyncio.gather(*(step() for step in steps[start : start + CONCURRENCY]))
    return results


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
    people = await in_batches(
        [partial(api.invite_and_register, admin, "client", f"Client {n}") for n in range(members)]
    )
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
    invited = await in_batches(
        [partial(moderator.client.groups.invite, thread_id, person.user_id) for person in people]
    )
    world.member_ids.update(
        (person.user_id, member_id) for person, member_id in zip(people, invited, strict=True)
    )
    if join:
        for n, person in enumerate(people):
            await accept_invitation(person, thread_id, f"Pseudonym {n}")
    return world


async def accept_invitation(person: Person, thread_id: str, pseudonym: str) -> None:
    """Join as `Groups.join` does, without its closing `load`: the member verifies the
    group's commit chain on its first group call instead. That verification reads every
    commit since the group began, so 200 members each doing it at join time would make
    setting up a 200-member group cubic in its size."""
    body = await person.client.groups.join_body(thread_id, pseudonym)
    await person.client.request("POST", f"/api/groups/{thread_id}/join", body)


async def every_member_receives_every_post_once_in_order(
    world: GroupWorld, realtimes: list[Realtime], posters: int, posts_each: int
) -> None:
    """`posters` members post `posts_each` posts concurrently; every connected member must
    receive each post exactly once, in seq order (asserted here, naming the members that
    did not and what they received)."""
    senders = world.members[:posters]
    # The posters open the group (each verifying its whole commit chain) before posting,
    # so the concurrent part is the posting itself rather than ten chain verifications
    # competing with the in-process server for one event loop.
    for person in senders:
        await person.client.groups.load(world.thread_id)

    async def post_all(person: Person, n: int) -> None:
        for k in range(posts_each):
            await person.client.groups.post(world.thread_id, f"post {n}.{k}")

    await asyncio.gather(*(post_all(p, n) for n, p in enumerate(senders)))
    total = posters * posts_each

    async def received(rt: Realtime) -> list[int]:
        seqs: list[int] = []
        while len(seqs) < total:
            try:
                _, event = await rt.next("group_post", wait_seconds=RECEIVE_SECONDS)
            except TimeoutError:
                break  # what is missing is reported below
            seqs.append(event["seq"])
        return seqs

    got = await asyncio.gather(*(received(rt) for rt in realtimes))
    for rt, seqs in zip(realtimes, got, strict=True):
        # Whatever is still queued came after every member had its posts: duplicates.
        while not rt.events.empty():
            name, event = rt.events.get_nowait()
            if name == "group_post":
                seqs.append(event["seq"])
    wrong = {
        n: problem
        for n, seqs in enumerate(got)
        if (problem := delivery_problem(seqs, total)) is not None
    }
    if wrong:  # a summary: the full `wrong` would be 200 lists
        pytest.fail(
            f"{len(wrong)} of {len(realtimes)} members (numbers {sorted(wrong)}) did not "
            f"receive posts 1..{total} exactly once in seq order; the first of them:\n"
            + "\n".join(
                f"member {n} on {realtimes[n].base_url}: {wrong[n]}"
                for n in sorted(wrong)[:SHOWN_MEMBERS]
            )
        )


def delivery_problem(seqs: list[int], total: int) -> str | None:
    """What is wrong with the seqs one member received, where 1..total were expected in
    order (None if nothing is): missing, duplicated, unexpected and the first inversion."""
    if seqs == list(range(1, total + 1)):
        return None
    counts = Counter(seqs)
    parts = []
    if missing := [seq for seq in range(1, total + 1) if seq not in counts]:
        parts.append(f"missing {missing}")
    if duplicated := sorted(seq for seq, count in counts.items() if count > 1):
        parts.append(f"duplicated {duplicated}")
    if unexpected := sorted(seq for seq in counts if not 1 <= seq <= total):
        parts.append(f"unexpected {unexpected}")
    inversion = next((i for i in range(1, len(seqs)) if seqs[i] < seqs[i - 1]), None)
    if inversion is not None:
        parts.append(f"{seqs[inversion]} after {seqs[inversion - 1]} at position {inversion}")
    return f"{'; '.join(parts)}; received {seqs}"
