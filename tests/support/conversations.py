"""A clinic with a client and therapist on one care team, ready to talk."""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.world import Api, Person


@dataclass
class CareTeam:
    admin: Person
    client: Person
    therapist: Person
    thread_id: str


async def care_team(api: Api, *, open_thread: bool = True) -> CareTeam:
    admin = await api.create_clinic()
    therapist = await api.invite_and_register(admin, "therapist", "Dr. Rivera")
    client = await api.invite_and_register(admin, "client", "Sam")
    await admin.client.assign(therapist.user_id, client.user_id)
    thread_id = ""
    if open_thread:
        thread_id = await client.client.threads.open_direct(
            client.user_id, title="Between sessions"
        )
        await therapist.client.threads.load(thread_id)
    return CareTeam(admin, client, therapist, thread_id)
