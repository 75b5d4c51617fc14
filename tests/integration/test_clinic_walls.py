"""No answer to one clinic depends on another clinic's people (docs/security.md): an admin
cannot learn that an email is in therapy elsewhere, nor block it with an invitation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from messaging.storage import schema
from messaging.storage.database import create_engine
from messaging.storage.tables import invitations
from tests.support.clock import FrozenClock
from tests.support.world import Api, unique_email
from web.client import ApiError, invitation_token


async def test_inviting_a_person_of_another_clinic_looks_like_inviting_a_stranger(
    api: Api,
) -> None:
    clinic_a = await api.create_clinic("Clinic A")
    client_of_a = await api.invite_and_register(clinic_a, "client", "Casey")
    clinic_b = await api.create_clinic("Clinic B")

    known = await clinic_b.client.invite(client_of_a.email, "Casey", "client")
    stranger = await clinic_b.client.invite(unique_email("client"), "Sam", "client")

    assert set(known) == set(stranger)
    assert known["email"] == client_of_a.email
    listed = {i["email"] for i in await clinic_b.client.invitations()}
    assert client_of_a.email in listed


async def test_an_open_invitation_in_one_clinic_does_not_block_another(api: Api) -> None:
    clinic_a = await api.create_clinic("Clinic A")
    clinic_b = await api.create_clinic("Clinic B")
    email = unique_email("client")
    await clinic_a.client.invite(email, "Robin", "client")

    from_b = await clinic_b.client.invite(email, "Robin", "client")

    registered = await api.register(invitation_token(from_b["link"]), email)
    people_of_b = {p["email"] for p in await clinic_b.client.people()}
    assert email in people_of_b
    assert [i["email"] for i in await clinic_a.client.invitations()] == [email]
    assert registered.user_id not in {p["id"] for p in await clinic_a.client.people()}


async def test_only_the_invitee_learns_at_acceptance_that_the_email_has_an_account(
    api: Api,
) -> None:
    clinic_a = await api.create_clinic("Clinic A")
    email = unique_email("client")
    from_a = await clinic_a.client.invite(email, "Robin", "client")
    clinic_b = await api.create_clinic("Clinic B")
    from_b = await clinic_b.client.invite(email, "Robin", "client")
    await api.register(invitation_token(from_a["link"]), email)

    with pytest.raises(ApiError) as refused:
        await api.register(invitation_token(from_b["link"]), email)
    assert refused.value.status == 409
    assert "already has an Interlude account" in refused.value.message


async def test_a_clinic_still_learns_about_its_own_people(api: Api) -> None:
    admin = await api.create_clinic()
    therapist = await api.invite_and_register(admin, "therapist", "Dr. Lee")
    with pytest.raises(ApiError) as existing:
        await admin.client.invite(therapist.email, "Dr. Lee", "therapist")
    assert existing.value.status == 409
    assert "in your clinic" in existing.value.message


async def test_going_back_before_0009_keeps_the_newest_of_two_clinics_invitations(
    api: Api, database_url: str, clock: FrozenClock
) -> None:
    clinic_a = await api.create_clinic("Clinic A")
    clinic_b = await api.create_clinic("Clinic B")
    email = unique_email("client")
    await clinic_a.client.invite(email, "Robin", "client")
    clock.advance(timedelta(minutes=1))
    newer = await clinic_b.client.invite(email, "Robin", "client")

    engine = create_engine(database_url)
    try:
        await schema.downgrade(engine, "0009")
        await schema.downgrade(engine, "-1")  # the global one-open-invitation rule again
        async with engine.connect() as connection:
            still_open = (
                await connection.execute(
                    select(invitations.c.id).where(
                        invitations.c.email == email,
                        invitations.c.accepted_at.is_(None),
                        invitations.c.revoked_at.is_(None),
                    )
                )
            ).all()
        assert [str(row.id) for row in still_open] == [newer["id"]]
        await schema.upgrade(engine)
    finally:
        await engine.dispose()
