"""New-message notices and digests through the real worker handlers and a real SMTP
server: delay, coalescing, read-before-delay, quiet hours, digests across DST, one-click
unsubscribe, retries and dead letters. A frozen clock moves; nothing sleeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import httpx
import pytest

from tests.support.clock import FrozenClock
from tests.support.conversations import CareTeam, care_team
from tests.support.notifier import deliver
from tests.support.services import free_port
from tests.support.smtp import SmtpSink, smtp_sink
from tests.support.world import Api
from web.client import ApiError

CANARIES = ("CANARY-title-91b2", "CANARY-message-4c7d", "Sam")


def emails_to(smtp: SmtpSink, address: str) -> list[EmailMessage]:
    return [m for m in smtp.messages if m["To"] == address]


def everything(message: EmailMessage) -> str:
    return message.as_string() + "".join(
        part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
    )


async def set_preferences(person: object, **changes: object) -> dict:
    client = person.client  # type: ignore[attr-defined]
    current = await client.request("GET", "/api/me/notifications")
    result: dict = await client.request("PUT", "/api/me/notifications", {**current, **changes})
    return result


def _new_messages(message: EmailMessage) -> int:
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return int(body.split("New messages:", 1)[1].split()[0])


async def talk(
    team: CareTeam, count: int, clock: FrozenClock, gap: timedelta = timedelta(seconds=3)
) -> None:
    for n in range(count):
        await team.client.client.threads.send(team.thread_id, f"{CANARIES[1]} {n}")
        clock.advance(gap)


async def test_a_notice_has_the_right_headers_both_parts_and_no_content(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    await team.client.client.threads.send(team.thread_id, CANARIES[1])
    clock.advance(timedelta(minutes=10))
    await deliver(api, smtp, clock)

    [notice] = emails_to(smtp, team.therapist.email)
    assert notice["Subject"] == "You have a new message on Interlude"
    assert notice["From"].startswith("Interlude <")
    assert notice["Auto-Submitted"] == "auto-generated"
    assert notice["Date"]
    assert notice["Message-ID"].startswith("<job-")
    assert notice["List-Unsubscribe"].startswith(f"<{api.context.public_url}/api/unsubscribe/")
    assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert notice.get_body(("plain",)) is not None
    assert notice.get_body(("html",)) is not None
    for canary in CANARIES:
        assert canary not in everything(notice)
    assert emails_to(smtp, team.client.email) == [], "the sender gets no notice"


async def test_no_notice_before_the_delay(api: Api, smtp: SmtpSink, clock: FrozenClock) -> None:
    team = await care_team(api)
    await talk(team, 1, clock)
    clock.advance(timedelta(minutes=9))
    await deliver(api, smtp, clock)
    assert emails_to(smtp, team.therapist.email) == []


async def test_twenty_messages_in_a_minute_make_one_notice(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    await talk(team, 20, clock)
    clock.advance(timedelta(minutes=10))
    await deliver(api, smtp, clock)
    notices = emails_to(smtp, team.therapist.email)
    assert len(notices) == 1
    assert "20 new messages" in notices[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]


async def test_a_message_read_before_the_delay_sends_no_notice(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    await talk(team, 3, clock)
    await team.therapist.client.threads.mark_read(team.thread_id, 3)
    clock.advance(timedelta(minutes=10))
    await deliver(api, smtp, clock)
    assert emails_to(smtp, team.therapist.email) == []

    await talk(team, 1, clock)
    clock.advance(timedelta(minutes=10))
    await deliver(api, smtp, clock)
    assert len(emails_to(smtp, team.therapist.email)) == 1, "the next message gets its own notice"


async def test_quiet_hours_hold_a_notice_until_they_end(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    await set_preferences(
        team.therapist, time_zone="America/New_York", quiet_hours={"start": "21:00", "end": "07:30"}
    )
    clock.set(datetime(2026, 11, 3, 3, 0, tzinfo=UTC))  # 22:00 in New York
    await talk(team, 1, clock)
    clock.advance(timedelta(minutes=30))
    await deliver(api, smtp, clock)
    assert emails_to(smtp, team.therapist.email) == []

    clock.set(datetime(2026, 11, 3, 12, 29, tzinfo=UTC))  # 07:29 in New York
    await deliver(api, smtp, clock)
    assert emails_to(smtp, team.therapist.email) == []
    clock.set(datetime(2026, 11, 3, 12, 30, tzinfo=UTC))  # 07:30: quiet hours are over
    await deliver(api, smtp, clock)
    assert len(emails_to(smtp, team.therapist.email)) == 1


async def test_a_daily_digest_counts_the_local_day_across_a_dst_change(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    # Berlin leaves summer time on 25 October 2026 at 03:00 CEST (01:00 UTC), so the
    # digest day from 24 Oct 08:00 CEST (06:00 UTC) to 25 Oct 08:00 CET (07:00 UTC) lasts
    # 25 hours.
    clock.set(datetime(2026, 10, 23, 12, 0, tzinfo=UTC))
    await set_preferences(
        team.therapist,
        message_mode="digest",
        time_zone="Europe/Berlin",
        digest={"frequency": "daily", "hour": 8, "weekday": 0},
    )
    sent_at = [
        datetime(2026, 10, 24, 5, 59, tzinfo=UTC),  # 07:59 CEST on the 24th: the day before
        datetime(2026, 10, 24, 6, 0, tzinfo=UTC),  # 08:00 CEST: the day's first minute
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 CEST, the first of two 02:30s
        datetime(2026, 10, 25, 6, 30, tzinfo=UTC),  # 07:30 CET: the day's 25th hour
        datetime(2026, 10, 25, 7, 0, tzinfo=UTC),  # 08:00 CET: the next day
    ]
    for moment in sent_at:
        clock.set(moment)
        await team.client.client.threads.send(team.thread_id, CANARIES[1])

    clock.set(datetime(2026, 10, 25, 7, 0, tzinfo=UTC))
    await deliver(api, smtp, clock)
    digests = emails_to(smtp, team.therapist.email)
    counts = [_new_messages(d) for d in digests]
    assert counts == [1, 3], "the 24th's digest, then the 25-hour day's"
    clock.set(datetime(2026, 10, 26, 7, 0, tzinfo=UTC))
    await deliver(api, smtp, clock)
    assert [_new_messages(d) for d in emails_to(smtp, team.therapist.email)] == [1, 3, 1]
    assert all(CANARIES[1] not in everything(d) for d in digests)


async def test_notices_off_sends_nothing_but_security_notices_still_arrive(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    await set_preferences(team.therapist, message_mode="off")
    await talk(team, 2, clock)
    await team.therapist.client.change_password(
        team.therapist.password, "an entirely new passphrase"
    )
    clock.advance(timedelta(hours=1))
    await deliver(api, smtp, clock)
    [only] = emails_to(smtp, team.therapist.email)
    assert only["Subject"] == "Your Interlude password was changed"


async def test_one_click_unsubscribe_turns_notices_off_and_a_tampered_link_is_refused(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    await talk(team, 1, clock)
    clock.advance(timedelta(minutes=10))
    await deliver(api, smtp, clock)
    [notice] = emails_to(smtp, team.therapist.email)
    link = notice["List-Unsubscribe"].strip("<>")

    async with httpx.AsyncClient() as http:
        tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
        refused = await http.post(tampered, data={"List-Unsubscribe": "One-Click"})
        assert refused.status_code == 404
        assert refused.json()["error"]["code"] == "not_found"
        looked = await http.get(link)
        assert looked.status_code == 200
        assert "Stop emails about new messages" in looked.text
        assert (await team.therapist.client.request("GET", "/api/me/notifications"))[
            "message_mode"
        ] == "immediate"
        done = await http.post(link, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200

    preferences = await team.therapist.client.request("GET", "/api/me/notifications")
    assert preferences["message_mode"] == "off"
    assert preferences["reminders"] is True, "only that preference changed"
    await talk(team, 1, clock)
    clock.advance(timedelta(minutes=10))
    await deliver(api, smtp, clock)
    assert len(emails_to(smtp, team.therapist.email)) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"message_mode": "sometimes"}, "message_mode"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "quiet_hours.start"),
        ({"notice_delay_minutes": 0}, "notice_delay_minutes"),
        ({"digest": {"frequency": "hourly", "hour": 8, "weekday": 0}}, "digest_frequency"),
    ],
)
async def test_bad_preferences_are_refused_naming_the_field_and_change_nothing(
    api: Api, changes: dict, field: str
) -> None:
    team = await care_team(api, open_thread=False)
    before = await team.client.client.request("GET", "/api/me/notifications")
    with pytest.raises(ApiError) as refused:
        await set_preferences(team.client, **changes)
    assert refused.value.status == 422
    assert refused.value.message.startswith(field)
    assert await team.client.client.request("GET", "/api/me/notifications") == before


async def test_an_smtp_outage_is_retried_until_the_server_is_back(
    api: Api, clock: FrozenClock
) -> None:
    team = await care_team(api)
    await talk(team, 1, clock)
    clock.advance(timedelta(minutes=10))
    port = free_port()
    assert await deliver(api, f"smtp://127.0.0.1:{port}", clock) >= 1  # nothing listening
    with smtp_sink(port) as sink:
        await deliver(api, sink, clock)
        assert emails_to(sink, team.therapist.email) == [], "it waits for its backoff"
        clock.advance(timedelta(minutes=5))
        await deliver(api, sink, clock)
        assert len(emails_to(sink, team.therapist.email)) == 1


async def test_a_permanent_rejection_ends_dead_with_its_reason_and_an_admin_can_retry(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    smtp.handler.reject_recipients[team.therapist.email] = "550 5.1.1 Mailbox unavailable"
    await talk(team, 1, clock)
    clock.advance(timedelta(minutes=10))
    await deliver(api, smtp, clock)

    [failed] = (await team.admin.client.request("GET", "/api/clinic/failed-emails"))["emails"]
    assert failed["kind"] == "email.new_message_notice"
    assert "550" in failed["last_error"]
    other = await api.create_clinic("Elsewhere")
    assert (await other.client.request("GET", "/api/clinic/failed-emails"))["emails"] == []
    with pytest.raises(ApiError) as hidden:
        await other.client.request("POST", f"/api/clinic/failed-emails/{failed['id']}/retry")
    assert hidden.value.status == 404

    del smtp.handler.reject_recipients[team.therapist.email]
    await team.admin.client.request("POST", f"/api/clinic/failed-emails/{failed['id']}/retry")
    await deliver(api, smtp, clock)
    assert len(emails_to(smtp, team.therapist.email)) == 1
    assert (await team.admin.client.request("GET", "/api/clinic/failed-emails"))["emails"] == []


async def test_an_unsubscribe_link_still_works_a_year_later(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    # Decided in docs/security.md: mail clients offer "unsubscribe" on any old email, and
    # the most a leaked link can do is turn off one kind of notice for one person.
    team = await care_team(api)
    await talk(team, 1, clock)
    clock.advance(timedelta(minutes=10))
    await deliver(api, smtp, clock)
    [notice] = emails_to(smtp, team.therapist.email)
    link = notice["List-Unsubscribe"].strip("<>")

    clock.advance(timedelta(days=366))
    async with httpx.AsyncClient() as http:
        done = await http.post(link, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    await team.therapist.client.login(team.therapist.email, team.therapist.password)
    preferences = await team.therapist.client.request("GET", "/api/me/notifications")
    assert preferences["message_mode"] == "off"
