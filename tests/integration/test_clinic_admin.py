"""Clinic administration: invitations, care teams, disabling people, the audit trail."""

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from messaging import audit
from messaging.storage import accounts
from messaging.storage.records import UserRecord
from messaging.storage.tables import audit_events
from tests.support.clock import FrozenClock
from tests.support.world import PASSWORD, Api
from web.client import ApiError


async def test_admin_invites_lists_and_revokes_invitations(api: Api, clock: FrozenClock) -> None:
    admin = await api.create_clinic()
    first = await admin.client.invite("Pat@Example.org", "Pat", "client")
    clock.advance(timedelta(minutes=1))
    second = await admin.client.invite("dr.lee@example.org", "Dr. Lee", "therapist")
    assert first["email"] == "pat@example.org"
    assert first["link"].startswith(api.context.public_url + "/#/invite/")

    listed = await admin.client.invitations()
    assert [i["id"] for i in listed] == [first["id"], second["id"]]
    assert "link" not in listed[0], "the token is shown once, never listed"

    await admin.client.revoke_invitation(first["id"])
    assert [i["id"] for i in await admin.client.invitations()] == [second["id"]]
    with pytest.raises(ApiError) as again:
        await admin.client.revoke_invitation(first["id"])
    assert again.value.status == 409


async def test_inviting_an_email_with_an_account_or_open_invitation_is_a_conflict(api: Api) -> None:
    admin = await api.create_clinic()
    await admin.client.invite("twice@example.org", "Twice", "client")
    with pytest.raises(ApiError) as open_one:
        await admin.client.invite("twice@example.org", "Twice", "client")
    assert open_one.value.status == 409
    with pytest.raises(ApiError) as existing:
        await admin.client.invite(admin.email, "Me again", "therapist")
    assert existing.value.status == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "display_name": "X", "role": "client"}, "email"),
        ({"email": "a@example.org", "display_name": "", "role": "client"}, "display_name"),
        ({"email": "a@example.org", "display_name": "X", "role": "superuser"}, "role"),
        ({"email": "a@example.org", "role": "client"}, "display_name"),
    ],
)
async def test_a_bad_invitation_is_refused_naming_the_problem_and_stores_nothing(
    api: Api, body: dict, field: str
) -> None:
    admin = await api.create_clinic()
    with pytest.raises(ApiError) as refused:
        await admin.client.request("POST", "/api/clinic/invitations", body)
    assert refused.value.status == 422
    assert field in refused.value.message.lower() or "email" in refused.value.message.lower()
    assert await admin.client.invitations() == []


async def test_care_team_assignments_are_made_listed_removed_and_audited(api: Api) -> None:
    admin = await api.create_clinic()
    therapist = await api.invite_and_register(admin, "therapist", "Dr. Rivera")
    client = await api.invite_and_register(admin, "client", "Sam")

    await admin.client.assign(therapist.user_id, client.user_id)
    await admin.client.assign(therapist.user_id, client.user_id)  # idempotent
    assert [(a["therapist_id"], a["client_id"]) for a in await admin.client.care_team()] == [
        (therapist.user_id, client.user_id)
    ]
    await admin.client.unassign(therapist.user_id, client.user_id)
    assert await admin.client.care_team() == []
    with pytest.raises(ApiError) as missing:
        await admin.client.unassign(therapist.user_id, client.user_id)
    assert missing.value.status == 404

    actions = [event["action"] for event in await admin.client.audit_trail()]
    assert actions.count("care_team.assigned") == 1
    assert actions.count("care_team.unassigned") == 1


async def test_a_care_team_pairs_a_therapist_with_a_client(api: Api) -> None:
    admin = await api.create_clinic()
    client = await api.invite_and_register(admin, "client", "Sam")
    with pytest.raises(ApiError) as refused:
        await admin.client.assign(client.user_id, client.user_id)
    assert refused.value.status == 422


async def test_another_clinics_people_are_not_found(api: Api) -> None:
    admin = await api.create_clinic()
    other_admin = await api.create_clinic("Elsewhere")
    other_client = await api.invite_and_register(other_admin, "client", "Not yours")
    therapist = await api.invite_and_register(admin, "therapist", "Dr. Rivera")

    with pytest.raises(ApiError) as assign:
        await admin.client.assign(therapist.user_id, other_client.user_id)
    assert assign.value.status == 404
    with pytest.raises(ApiError) as disable:
        await admin.client.disable(other_client.user_id)
    assert disable.value.status == 404
    assert other_client.email not in {p["email"] for p in await admin.client.people()}
    await other_client.client.me()


async def test_disabling_a_user_ends_their_sessions_at_once_and_blocks_login(api: Api) -> None:
    admin = await api.create_clinic()
    client = await api.invite_and_register(admin, "client", "Sam")

    assert await admin.client.disable(client.user_id) == 1
    with pytest.raises(ApiError) as ended:
        await client.client.me()
    assert ended.value.status == 401
    with pytest.raises(ApiError) as login:
        await api.new_client().login(client.email, PASSWORD)
    assert login.value.status == 401
    assert "disabled" in login.value.message
    people = {p["email"]: p["status"] for p in await admin.client.people()}
    assert people[client.email] == "disabled"


async def test_an_admin_cannot_disable_their_own_account(api: Api) -> None:
    admin = await api.create_clinic()
    with pytest.raises(ApiError) as refused:
        await admin.client.disable(admin.user_id)
    assert refused.value.status == 403
    await admin.client.me()


async def test_an_idle_session_ends_and_an_old_one_expires(api: Api, clock: FrozenClock) -> None:
    admin = await api.create_clinic()
    clock.advance(timedelta(days=6))
    await admin.client.me()  # activity keeps it alive
    clock.advance(timedelta(days=7, minutes=1))
    with pytest.raises(ApiError) as idle:
        await admin.client.me()
    assert idle.value.status == 401

    await admin.client.login(admin.email, PASSWORD)
    for _ in range(4):
        clock.advance(timedelta(days=6))
        await admin.client.me()
    clock.advance(timedelta(days=6, minutes=1))  # 30 days after login, never idle a week
    with pytest.raises(ApiError) as expired:
        await admin.client.me()
    assert expired.value.status == 401


async def test_the_audit_trail_shows_only_the_admins_clinic_newest_first(api: Api) -> None:
    admin = await api.create_clinic()
    other = await api.create_clinic("Elsewhere")
    await api.new_client().login(admin.email, PASSWORD)
    await admin.client.invite("pat@example.org", "Pat", "client")
    await other.client.invite("kim@example.org", "Kim", "client")

    events = await admin.client.audit_trail()
    ids = [event["id"] for event in events]
    assert ids == sorted(ids, reverse=True)
    assert events[0]["action"] == "invitation.created"
    assert set(events[0]["detail"]) == {"role", "user_id"}
    assert all("pat@example.org" not in str(event) for event in events), "no addresses kept"
    assert all("kim@example.org" not in str(event) for event in events)
    assert {"clinic.created", "account.registered", "session.login"} <= {
        e["action"] for e in events
    }
    older = await admin.client.audit_trail(before=events[1]["id"])
    assert [e["id"] for e in older] == ids[2:]


async def test_the_audit_chain_verifies_and_a_tampered_row_is_found(api: Api) -> None:
    admin = await api.create_clinic()
    await admin.client.invite("pat@example.org", "Pat", "client")
    async with api.database.unit_of_work() as uow:
        report = await audit.verify_chain(uow)
    assert report.ok
    assert report.events_checked >= 4

    victim = (await admin.client.audit_trail())[-2]["id"]
    async with api.database.unit_of_work() as uow:
        await uow.session.execute(
            update(audit_events).where(audit_events.c.id == victim).values(ip="203.0.113.9")
        )
        await uow.commit()
    async with api.database.unit_of_work() as uow:
        broken = await audit.verify_chain(uow)
    assert not broken.ok
    assert broken.first_broken_id == victim
    assert broken.reason == "its contents were changed"


async def test_two_admins_inviting_the_same_email_at_once_make_one_invitation(api: Api) -> None:
    admin = await api.create_clinic()
    second_admin = await api.invite_and_register(admin, "admin", "Second Admin")
    results = await asyncio.gather(
        admin.client.invite("twice@example.org", "Twice", "client"),
        second_admin.client.invite("twice@example.org", "Twice", "client"),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, ApiError)]
    assert len(refused) == 1
    assert refused[0].status == 409
    assert [i["email"] for i in await admin.client.invitations()] == ["twice@example.org"]


async def test_an_expired_invitation_can_be_replaced_by_a_new_one(
    api: Api, clock: FrozenClock
) -> None:
    admin = await api.create_clinic()
    await admin.client.invite("late@example.org", "Late", "client")
    clock.advance(timedelta(days=7, seconds=1))
    await admin.client.login(admin.email, PASSWORD)
    fresh = await admin.client.invite("late@example.org", "Late", "client")
    assert [i["id"] for i in await admin.client.invitations()] == [fresh["id"]]


async def test_the_sdk_lists_everyone_of_a_clinic_larger_than_one_page(
    api: Api, clock: FrozenClock
) -> None:
    admin = await api.create_clinic()
    clinic_id = uuid.UUID((await admin.client.me())["clinic"]["id"])
    others = 205  # more than the server's largest page of 200
    async with api.database.unit_of_work() as uow:
        for n in range(others):
            await accounts.insert_user(
                uow.session,
                UserRecord(
                    id=uuid.uuid4(),
                    clinic_id=clinic_id,
                    email=f"person{n:03}@example.org",
                    display_name=f"Person {n}",
                    role="client",
                    status="active",
                    created_at=clock.now(),
                    disabled_at=None,
                ),
            )
        await uow.commit()

    everyone = await admin.client.people()

    assert len({person["id"] for person in everyone}) == len(everyone) == others + 1
