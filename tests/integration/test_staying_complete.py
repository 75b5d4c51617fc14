"""Staying complete (docs/api.md): a client holds every message of a thread, in seq order,
whatever order the events arrive in, whichever transport carried its own sends, and
whether the gap shows at a reconnect or in the middle of a live connection."""

from __future__ import annotations

from tests.support.conversations import care_team
from tests.support.world import Api


async def test_a_reconnecting_member_holds_the_message_that_got_the_seq_before_its_own(
    api: Api,
) -> None:
    team = await care_team(api)
    a, b = team.client.client, team.therapist.client
    rt = a.realtime()
    a.threads.use_realtime(rt)
    timeline = a.threads.timeline(team.thread_id)
    await rt.connect()
    await rt.disconnect()  # A's socket is down

    await b.threads.send(team.thread_id, "m1 from B")
    sent = await a.threads.send(team.thread_id, "m2 from A, over HTTP")
    assert sent["seq"] == 2

    await rt.connect()
    try:
        assert timeline.seqs() == [1, 2]
        assert timeline.complete_through == 2
        texts = [(await a.threads.open(p)).text for p in timeline.payloads()]
        assert texts == ["m1 from B", "m2 from A, over HTTP"]
    finally:
        await rt.disconnect()


async def test_a_reconnect_fetches_from_the_end_of_the_contiguous_prefix_not_the_highest_seq(
    api: Api,
) -> None:
    team = await care_team(api)
    a, b = team.client.client, team.therapist.client
    await b.threads.send(team.thread_id, "m1 from B")
    own = await a.threads.send(team.thread_id, "m2 from A")
    # A holds only its own acknowledgement, seq 2, as a client that missed seq 1 would.
    rt = a.realtime()
    a.threads.use_realtime(rt)
    timeline = a.threads.timeline(team.thread_id)
    timeline.hold_only(own)
    assert (timeline.seqs(), timeline.complete_through) == ([2], 0)

    await rt.connect()
    try:
        assert timeline.seqs() == [1, 2]
        assert timeline.complete_through == 2
    finally:
        await rt.disconnect()


async def test_live_events_delivered_out_of_order_are_held_in_seq_order(api: Api) -> None:
    team = await care_team(api)
    a, b = team.client.client, team.therapist.client
    rt = a.realtime()
    await rt.connect()
    try:
        for n in (1, 2, 3):
            await b.threads.send(team.thread_id, f"m{n}")
        events = [(await rt.next("message"))[1] for _ in range(3)]
        timeline = a.threads.timeline(team.thread_id)
        a.threads.use_realtime(rt)
        for event in reversed(events):  # seq 3, then 2, then 1
            await timeline.receive(event)
        assert timeline.seqs() == [1, 2, 3]
        texts = [(await a.threads.open(p)).text for p in timeline.payloads()]
        assert texts == ["m1", "m2", "m3"]
        assert timeline.complete_through == 3
    finally:
        await rt.disconnect()


async def test_a_gap_seen_live_is_filled_without_a_reconnect(api: Api) -> None:
    team = await care_team(api)
    a, b = team.client.client, team.therapist.client
    rt = a.realtime()
    await rt.connect()
    try:
        await b.threads.send(team.thread_id, "m1, whose event is lost")
        await b.threads.send(team.thread_id, "m2")
        _, lost = await rt.next("message")
        _, second = await rt.next("message")
        assert (lost["seq"], second["seq"]) == (1, 2)

        a.threads.use_realtime(rt)
        timeline = a.threads.timeline(team.thread_id)
        await timeline.receive(second)
        assert timeline.seqs() == [1, 2]
        assert timeline.fetches == 1
        assert rt.connected, "filled over the same connection"
        assert (await a.threads.open(timeline.payloads()[0])).text == "m1, whose event is lost"
    finally:
        await rt.disconnect()


async def test_an_acknowledgement_above_the_prefix_fetches_the_gap_over_http(api: Api) -> None:
    team = await care_team(api)
    a, b = team.client.client, team.therapist.client
    timeline = a.threads.timeline(team.thread_id)
    await b.threads.send(team.thread_id, "m1 from B")
    await a.threads.send(team.thread_id, "m2 from A")
    assert timeline.seqs() == [1, 2]
    assert timeline.complete_through == 2


async def test_an_edit_or_deletion_replaces_the_message_it_changes_and_never_goes_back(
    api: Api,
) -> None:
    team = await care_team(api)
    a, b = team.client.client, team.therapist.client
    original = await b.threads.send(team.thread_id, "first words")
    edited = await b.threads.edit(team.thread_id, original["id"], "better words")
    deleted = await b.threads.delete(original["id"])
    timeline = a.threads.timeline(team.thread_id)
    for payload in (deleted, original, edited):
        await timeline.receive(payload)
    [held] = timeline.payloads()
    assert held["envelope"] is None, "the tombstone wins over the versions before it"
