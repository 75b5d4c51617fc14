"""Inside a live session a thread is live: presence, typing, immediate notices. Outside
it, a therapist is not on call: clients do not see them come, go or type."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.support.clock import FrozenClock
from tests.support.conversations import CareTeam, care_team
from tests.support.notifier import deliver
from tests.support.smtp import SmtpSink
from tests.support.world import Api


async def go_live(team: CareTeam, clock: FrozenClock) -> None:
    starts = clock.now() + timedelta(minutes=5)
    await team.therapist.client.request(
        "POST",
        f"/api/threads/{team.thread_id}/live-sessions",
        {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(minutes=50)).isoformat()},
    )
    clock.set(starts)


def names(queue: asyncio.Queue) -> list[str]:  # type: ignore[type-arg]
    found = []
    while not queue.empty():
        found.append(queue.get_nowait()[0])
    return found


async def test_a_therapists_presence_and_typing_reach_the_client_only_in_a_live_session(
    api: Api, clock: FrozenClock
) -> None:
    team = await care_team(api)
    client_rt = team.client.client.realtime()
    await client_rt.connect()
    therapist_rt = team.therapist.client.realtime()
    try:
        await therapist_rt.connect()
        await therapist_rt.call("typing", {"thread_id": team.thread_id})
        await client_rt.call("typing", {"thread_id": team.thread_id})
        _, typing = await therapist_rt.next("typing")
        assert typing["user_id"] == team.client.user_id, "the client's typing always shows"
        await asyncio.sleep(0.2)
        assert "typing" not in names(client_rt.events)
        assert "presence" not in names(client_rt.events), "no presence outside a live session"

        await go_live(team, clock)
        names(client_rt.events)
        await therapist_rt.call("typing", {"thread_id": team.thread_id})
        _, typing = await client_rt.next("typing")
        assert typing["user_id"] == team.therapist.user_id
        await therapist_rt.disconnect()
        _, presence = await client_rt.next("presence")
        assert presence == {"user_id": team.therapist.user_id, "online": False}
    finally:
        await client_rt.disconnect()
        await therapist_rt.disconnect()


async def test_notices_are_immediate_in_a_live_session_even_for_digest_readers(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    preferences = await team.therapist.client.request("GET", "/api/me/notifications")
    await team.therapist.client.request(
        "PUT", "/api/me/notifications", {**preferences, "message_mode": "digest"}
    )
    await go_live(team, clock)
    await team.client.client.threads.send(team.thread_id, "are you there?")
    clock.advance(timedelta(minutes=1))
    await deliver(api, smtp, clock)
    subjects = [m["Subject"] for m in smtp.messages if m["To"] == team.therapist.email]
    assert subjects.count("You have a new message on Interlude") == 1
