"""Live events over Socket.IO: delivery, acknowledgements, sync after reconnect, and who
stops receiving when membership or a session ends."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import socketio

from tests.support.clock import FrozenClock
from tests.support.conversations import care_team
from tests.support.world import Api
from web.client import ApiError


async def test_a_message_sent_over_the_socket_is_acknowledged_with_its_seq_and_delivered(
    api: Api,
) -> None:
    team = await care_team(api)
    client_rt, therapist_rt = team.client.client.realtime(), team.therapist.client.realtime()
    await client_rt.connect()
    await therapist_rt.connect()
    try:
        envelope = await team.client.client.threads.seal(team.thread_id, "over the socket")
        ack = await client_rt.call(
            "send", {"thread_id": team.thread_id, "envelope": _b64(envelope)}
        )
        assert ack["ok"]
        assert (ack["message"]["seq"], ack["duplicate"]) == (1, False)

        _, event = await therapist_rt.next("message")
        opened = await team.therapist.client.threads.open(event)
        assert (opened.seq, opened.text, opened.verified) == (1, "over the socket", True)

        _, own = await client_rt.next("message")
        assert own["seq"] == 1, "the sender's other devices hear of it too"
        await team.therapist.client.threads.send(team.thread_id, "and back over HTTP")
        _, event = await client_rt.next("message")
        assert (await team.client.client.threads.open(event)).text == "and back over HTTP"
    finally:
        await client_rt.disconnect()
        await therapist_rt.disconnect()


async def test_a_reconnecting_client_gets_exactly_the_messages_it_missed(api: Api) -> None:
    team = await care_team(api)
    await team.client.client.threads.send(team.thread_id, "seen before leaving")
    therapist_rt = team.therapist.client.realtime()
    await therapist_rt.connect()
    await therapist_rt.disconnect()
    for n in range(30):
        await team.client.client.threads.send(team.thread_id, f"while away {n}")

    therapist_rt = team.therapist.client.realtime()
    await therapist_rt.connect()
    try:
        gap = await therapist_rt.sync({team.thread_id: 1})
        seqs = [m["seq"] for m in gap[team.thread_id]]
        assert seqs == list(range(2, 32))
    finally:
        await therapist_rt.disconnect()


async def test_sync_pages_through_a_long_gap_without_loss_or_duplicates(api: Api) -> None:
    team = await care_team(api)
    for n in range(130):
        await team.client.client.threads.send(team.thread_id, f"m{n}")
    rt = team.therapist.client.realtime()
    await rt.connect()
    try:
        gap = await rt.sync({team.thread_id: 0})
        assert [m["seq"] for m in gap[team.thread_id]] == list(range(1, 131))
    finally:
        await rt.disconnect()


async def test_a_removed_therapists_socket_stops_receiving_the_thread_at_once(api: Api) -> None:
    team = await care_team(api)
    client_rt, therapist_rt = team.client.client.realtime(), team.therapist.client.realtime()
    await client_rt.connect()
    await therapist_rt.connect()
    try:
        await team.admin.client.unassign(team.therapist.user_id, team.client.user_id)
        _, update = await therapist_rt.next("thread_updated")
        assert update["reason"] == "membership"

        await team.client.client.threads.send(team.thread_id, "not for the removed therapist")
        await client_rt.next("message")  # the fan-out happened
        await asyncio.sleep(0.2)
        leaked = [name for name, _ in _drain(therapist_rt.events) if name == "message"]
        assert leaked == []
        with pytest.raises(ApiError):
            await therapist_rt.call("typing", {"thread_id": team.thread_id})
    finally:
        await client_rt.disconnect()
        await therapist_rt.disconnect()


async def test_typing_and_presence_reach_the_other_member(api: Api) -> None:
    team = await care_team(api)
    client_rt, therapist_rt = team.client.client.realtime(), team.therapist.client.realtime()
    await therapist_rt.connect()
    await client_rt.connect()
    try:
        _, online = await therapist_rt.next("presence")
        assert online == {"user_id": team.client.user_id, "online": True}
        await client_rt.call("typing", {"thread_id": team.thread_id})
        _, typing = await therapist_rt.next("typing")
        assert typing == {"thread_id": team.thread_id, "user_id": team.client.user_id}
        await client_rt.disconnect()
        _, offline = await therapist_rt.next("presence")
        assert offline == {"user_id": team.client.user_id, "online": False}
    finally:
        await client_rt.disconnect()
        await therapist_rt.disconnect()


async def test_reading_over_the_socket_moves_the_read_position_and_tells_the_sender(
    api: Api,
) -> None:
    team = await care_team(api)
    await team.client.client.threads.send(team.thread_id, "did you see this?")
    client_rt, therapist_rt = team.client.client.realtime(), team.therapist.client.realtime()
    await client_rt.connect()
    await therapist_rt.connect()
    try:
        await therapist_rt.call("read", {"thread_id": team.thread_id, "seq": 1})
        _, read = await client_rt.next("read")
        assert read == {"thread_id": team.thread_id, "user_id": team.therapist.user_id, "seq": 1}
        [summary] = await team.therapist.client.threads.summaries()
        assert summary["unread"] == 0
    finally:
        await client_rt.disconnect()
        await therapist_rt.disconnect()


async def test_a_socket_without_a_live_session_is_refused(api: Api) -> None:
    for auth in (None, {"token": "not-a-session"}):
        client = socketio.AsyncClient(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(api.base_url, auth=auth, transports=["websocket"], wait_timeout=5)


async def test_logging_out_ends_the_sockets_of_that_session(api: Api) -> None:
    team = await care_team(api)
    rt = team.therapist.client.realtime()
    await rt.connect()
    try:
        await team.therapist.client.logout()
        _, ended = await rt.next("session_ended")
        assert ended == {"reason": "logged_out"}
        await asyncio.wait_for(rt.client.wait(), 10)
        assert not rt.connected, "the server closed the socket without waiting for an event"
    finally:
        await rt.disconnect()


async def test_ending_one_session_closes_its_sockets_and_no_other(api: Api) -> None:
    team = await care_team(api)
    other = api.new_client("second device")
    await other.login(team.therapist.email, team.therapist.password)
    kept, ending = team.therapist.client.realtime(), other.realtime()
    await kept.connect()
    await ending.connect()
    try:
        session_id = next(s["id"] for s in await other.sessions() if s["current"])
        await team.therapist.client.end_session(session_id)
        _, ended = await ending.next("session_ended")
        assert ended == {"reason": "revoked"}
        await asyncio.wait_for(ending.client.wait(), 10)
        assert not ending.connected
        ack = await kept.call("typing", {"thread_id": team.thread_id})
        assert ack["ok"]
        assert kept.connected
    finally:
        await kept.disconnect()
        await ending.disconnect()


async def test_a_socket_whose_session_ran_out_is_refused_at_its_next_event(
    api: Api, clock: FrozenClock
) -> None:
    """Expiry and the idle timeout are not announced: every event checks the session."""
    team = await care_team(api)
    rt = team.therapist.client.realtime()
    await rt.connect()
    try:
        clock.advance(api.context.rules.session_idle_timeout + timedelta(minutes=1))
        with pytest.raises(ApiError) as refused:
            await rt.call("typing", {"thread_id": team.thread_id})
        assert refused.value.code == "not_authenticated"
        await asyncio.wait_for(rt.client.wait(), 10)
        assert not rt.connected
    finally:
        await rt.disconnect()


def _drain(queue: asyncio.Queue) -> list:  # type: ignore[type-arg]
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


def _b64(data: bytes) -> str:
    from crypto import b64encode

    return b64encode(data)
