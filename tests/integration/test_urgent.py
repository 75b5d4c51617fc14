"""The urgent flag: every therapist of the conversation and the clinic's on-call contacts
are told at once (in the app and by email, quiet hours or not); the client sees crisis
resources and an honest outlook; the flag heads the inbox until acknowledged; the 21st
flag in an hour is refused. The server never learns what the message says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.clock import FrozenClock
from tests.support.conversations import CareTeam, care_team
from tests.support.notifier import deliver
from tests.support.smtp import SmtpSink
from tests.support.world import Api, Person
from web.client import ApiError

# Tuesday 3 November 2026, 03:00 in New York: everyone is asleep.
NIGHT_NY = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
WEEKDAYS_9_TO_5 = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


async def quiet_night(person: Person) -> None:
    """Digest only, quiet from 21:00 to 08:00 New York time."""
    client = person.client
    current = await client.request("GET", "/api/me/notifications")
    await client.request(
        "PUT",
        "/api/me/notifications",
        {
            **current,
            "message_mode": "digest",
            "time_zone": "America/New_York",
            "quiet_hours": {"start": "21:00", "end": "08:00"},
        },
    )


async def with_second_therapist_and_on_call(api: Api) -> tuple[CareTeam, Person, Person]:
    team = await care_team(api)
    second = await api.invite_and_register(team.admin, "therapist", "Dr. Okafor")
    await team.admin.client.assign(second.user_id, team.client.user_id)
    on_call = await api.invite_and_register(team.admin, "therapist", "Dr. On Call")
    await team.admin.client.request("PUT", "/api/clinic/on-call", {"user_ids": [on_call.user_id]})
    for person in (team.therapist, second, on_call):
        await quiet_night(person)
        await person.client.request(
            "PUT",
            "/api/me/schedule",
            {
                "time_zone": "America/New_York",
                "hours": WEEKDAYS_9_TO_5,
                "days_off": [],
                "away_message": "Back in the morning.",
                "commitment": {"amount": 1, "unit": "days"},
            },
        )
    return team, second, on_call


async def flag(person: Person, message_id: str) -> dict:
    result: dict = await person.client.request("POST", f"/api/messages/{message_id}/urgent", {})
    return result


async def test_an_urgent_message_reaches_every_therapist_and_on_call_within_one_cycle_at_night(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    clock.set(NIGHT_NY)
    team, second, on_call = await with_second_therapist_and_on_call(api)
    sent = await team.client.client.threads.send(team.thread_id, "I can't keep going tonight")
    listening = [p.client.realtime() for p in (team.therapist, second, on_call)]
    for realtime in listening:
        await realtime.connect()
    try:
        answer = await flag(team.client, sent["id"])
        for realtime in listening:
            _, event = await realtime.next("urgent")
            assert event["message_id"] == sent["id"], "told in the app at once"
    finally:
        for realtime in listening:
            await realtime.disconnect()

    assert answer["crisis_resources"], "crisis resources are shown at once"
    assert answer["outlook"] == {
        "therapists_working": False,
        "therapists_told": 2,
        "on_call_told": 1,
        "back_at": "2026-11-03T14:00:00Z",  # 09:00 in New York
    }

    await deliver(api, smtp, clock, one_cycle=True)
    told = sorted(m["To"] for m in smtp.messages)
    assert told == sorted([team.therapist.email, second.email, on_call.email])
    assert all(m["Subject"] == "An urgent message is waiting on Interlude" for m in smtp.messages)
    assert all("can't keep going" not in m.as_string() for m in smtp.messages)

    for person in (team.therapist, second, on_call):
        open_flags = (await person.client.request("GET", "/api/urgent"))["flags"]
        assert [f["message_id"] for f in open_flags] == [sent["id"]]


async def test_the_urgent_thread_heads_the_inbox_until_acknowledged_and_the_client_sees_it(
    api: Api, clock: FrozenClock
) -> None:
    clock.set(NIGHT_NY)
    team = await care_team(api)
    other_client = await api.invite_and_register(team.admin, "client", "Robin")
    await team.admin.client.assign(team.therapist.user_id, other_client.user_id)
    other_thread = await other_client.client.threads.open_direct(other_client.user_id)
    await other_client.client.threads.send(other_thread, "whenever you can")
    clock.advance(timedelta(minutes=5))
    sent = await team.client.client.threads.send(team.thread_id, "please, soon")
    answer = await flag(team.client, sent["id"])

    inbox = (await team.therapist.client.request("GET", "/api/inbox"))["threads"]
    assert [t["id"] for t in inbox] == [team.thread_id, other_thread]
    assert inbox[0]["urgent_since"] == answer["flag"]["created_at"]

    acknowledged = await team.therapist.client.request(
        "POST", f"/api/urgent/{answer['flag']['id']}/acknowledge", {}
    )
    assert acknowledged["acknowledged_by"] == team.therapist.user_id
    inbox = (await team.therapist.client.request("GET", "/api/inbox"))["threads"]
    assert [t["urgent_since"] for t in inbox] == [None, None]
    seen = await team.client.client.request("GET", f"/api/threads/{team.thread_id}/urgent")
    assert seen["flags"][0]["acknowledged_at"] == acknowledged["acknowledged_at"]
    assert (await team.therapist.client.request("GET", "/api/urgent"))["flags"] == []


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
async def test_the_21st_urgent_flag_in_an_hour_is_refused_and_changes_nothing(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    sent = [
        await team.client.client.threads.send(team.thread_id, f"message {n}") for n in range(22)
    ]
    for message in sent[:20]:
        await flag(team.client, message["id"])
        clock.advance(timedelta(seconds=30))
    assert (await flag(team.client, sent[0]["id"]))["flag"]["message_id"] == sent[0]["id"], (
        "flagging the same message again is not a new flag"
    )
    with pytest.raises(ApiError) as refused:
        await flag(team.client, sent[20]["id"])
    assert refused.value.status == 429
    assert refused.value.code == "rate_limited"
    flags = await team.client.client.request("GET", f"/api/threads/{team.thread_id}/urgent")
    assert len(flags["flags"]) == 20

    clock.advance(timedelta(minutes=51))  # the first flag is now more than an hour old
    assert (await flag(team.client, sent[21]["id"]))["flag"]["message_id"] == sent[21]["id"]


async def test_only_the_client_who_wrote_a_message_can_flag_it(api: Api) -> None:
    team = await care_team(api)
    from_therapist = await team.therapist.client.threads.send(team.thread_id, "hello")
    from_client = await team.client.client.threads.send(team.thread_id, "hi")
    with pytest.raises(ApiError) as therapist_flag:
        await flag(team.therapist, from_client["id"])
    assert therapist_flag.value.status == 403
    with pytest.raises(ApiError) as not_own:
        await flag(team.client, from_therapist["id"])
    assert not_own.value.status == 403


async def test_the_client_who_flags_sees_their_clinics_own_crisis_resources(api: Api) -> None:
    team = await care_team(api)
    line = {"name": "Riverside night line", "phone": "0800 123 456", "hours": "22:00 to 07:00"}
    await team.admin.client.request("PUT", "/api/clinic/crisis-resources", {"resources": [line]})
    sent = await team.client.client.threads.send(team.thread_id, "it is bad tonight")

    answer = await flag(team.client, sent["id"])

    assert answer["crisis_resources"] == [{**line, "text": "", "url": ""}]


async def test_a_clinic_without_crisis_resources_still_shows_emergency_numbers(api: Api) -> None:
    team = await care_team(api)
    await team.admin.client.request("PUT", "/api/clinic/crisis-resources", {"resources": []})
    sent = await team.client.client.threads.send(team.thread_id, "it is bad tonight")

    answer = await flag(team.client, sent["id"])

    assert {resource["phone"] for resource in answer["crisis_resources"]} == {"112", "911"}
