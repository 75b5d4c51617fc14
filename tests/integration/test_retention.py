"""Retention on a test clock: the daily sweep deletes exactly the threads whose last
activity is older than the clinic's period, shows admins what goes next and when, runs
again the next day, and deletes nothing while the clinic keeps threads until deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from messaging.storage.tables import messages, threads
from tests.support.clock import FrozenClock
from tests.support.notifier import deliver
from tests.support.smtp import SmtpSink
from tests.support.world import Api, Person

START = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


async def client_thread(api: Api, admin: Person, therapist: Person, name: str) -> str:
    client = await api.invite_and_register(admin, "client", name)
    await admin.client.assign(therapist.user_id, client.user_id)
    thread_id = await client.client.threads.open_direct(client.user_id)
    await client.client.threads.send(thread_id, f"hello from {name}")
    return thread_id


async def later(api: Api, clock: FrozenClock, moment: datetime, *people: Person) -> None:
    """Move the clock (months pass) and log the staff in again: their sessions expired."""
    clock.set(moment)
    for person in people:
        person.client = api.new_client()
        await person.client.login(person.email, person.password)


async def thread_ids(api: Api) -> set[str]:
    async with api.database.unit_of_work() as uow:
        return {str(t) for t in (await uow.session.execute(select(threads.c.id))).scalars()}


async def message_count(api: Api) -> int:
    async with api.database.unit_of_work() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(messages)) or 0)


async def test_the_daily_sweep_deletes_exactly_the_threads_past_the_clinics_period(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    clock.set(START)
    admin = await api.create_clinic()
    therapist = await api.invite_and_register(admin, "therapist", "Dr. Rivera")
    oldest = await client_thread(api, admin, therapist, "Ada")
    await later(api, clock, START + timedelta(days=100), admin, therapist)
    middle = await client_thread(api, admin, therapist, "Ben")
    await later(api, clock, START + timedelta(days=200), admin, therapist)
    newest = await client_thread(api, admin, therapist, "Cy")
    before = await message_count(api)

    await later(api, clock, START + timedelta(days=300), admin)
    view = await admin.client.request("PUT", "/api/clinic/retention", {"years": 1})
    assert [u["thread_id"] for u in view["upcoming"]] == [oldest, middle, newest]
    assert view["upcoming"][0]["delete_at"] == "2027-01-10T12:00:00Z"
    assert view["next_sweep_at"] == "2026-11-07T03:00:00Z"

    await deliver(api, smtp, clock)
    assert {oldest, middle, newest} <= await thread_ids(api), "nothing is due yet"

    # One year after the middle thread's last activity, on that day's sweep.
    await later(api, clock, START + timedelta(days=465, hours=15), admin)
    await deliver(api, smtp, clock)
    remaining = await thread_ids(api)
    assert oldest not in remaining
    assert middle not in remaining
    assert newest in remaining
    assert await message_count(api) == before - 2
    view = await admin.client.request("GET", "/api/clinic/retention")
    assert [u["thread_id"] for u in view["upcoming"]] == [newest]
    trail = await admin.client.audit_trail()
    assert {e["target_id"] for e in trail if e["action"] == "thread.retention_deleted"} == {
        oldest,
        middle,
    }


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
async def test_a_clinic_that_keeps_threads_until_deleted_loses_none(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    clock.set(START)
    admin = await api.create_clinic()
    therapist = await api.invite_and_register(admin, "therapist", "Dr. Rivera")
    thread = await client_thread(api, admin, therapist, "Ada")
    await admin.client.request("PUT", "/api/clinic/retention", {"years": 2})
    view = await admin.client.request("PUT", "/api/clinic/retention", {"years": None})
    assert view == {"years": None, "next_sweep_at": None, "upcoming": []}
    clock.advance(timedelta(days=365 * 10))
    await deliver(api, smtp, clock)
    assert thread in await thread_ids(api)
