"""Sequence numbers stay gap-free and unique under many concurrent senders."""

from __future__ import annotations

import asyncio

from tests.support.conversations import care_team
from tests.support.world import PASSWORD, Api

SENDERS = 20
MESSAGES_EACH = 50


async def test_twenty_concurrent_senders_get_seqs_1_to_1000_without_a_gap(api: Api) -> None:
    team = await care_team(api)
    extra = [await api.invite_and_register(team.admin, "therapist", f"Dr. {n}") for n in range(3)]
    for therapist in extra:
        await team.admin.client.assign(therapist.user_id, team.client.user_id)
    await team.client.client.threads.rekey(team.thread_id)

    members = [team.client, team.therapist, *extra]
    senders = []
    for n in range(SENDERS):
        person = members[n % len(members)]
        sender = api.new_client(f"sender {n}")
        await sender.login(person.email, PASSWORD)
        await sender.threads.load(team.thread_id)
        senders.append(sender)

    async def send_all(index: int) -> list[int]:
        seqs = []
        for m in range(MESSAGES_EACH):
            sent = await senders[index].threads.send(team.thread_id, f"sender {index} message {m}")
            seqs.append(sent["seq"])
        return seqs

    results = await asyncio.gather(*(send_all(n) for n in range(SENDERS)))
    every_seq = sorted(seq for seqs in results for seq in seqs)
    assert every_seq == list(range(1, SENDERS * MESSAGES_EACH + 1))
    for seqs in results:
        assert seqs == sorted(seqs), "each sender's messages keep their order"

    retried = senders[0].threads
    envelope = await retried.seal(team.thread_id, "one more, sent twice")
    first = await retried.send_envelope(team.thread_id, envelope)
    again = await retried.send_envelope(team.thread_id, envelope)
    assert first["seq"] == again["seq"] == SENDERS * MESSAGES_EACH + 1
    [summary] = await team.client.client.threads.summaries()
    assert summary["last_seq"] == SENDERS * MESSAGES_EACH + 1
