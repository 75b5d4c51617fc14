"""Free first consultations: a request sealed in the sender's client reaches the clinic's
admins readable only to them; the server checks the proof of work, refuses a reused or
forged challenge, limits each address, drops what fills the honeypot, and deletes requests
after the clinic's period."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from crypto import b64decode, b64encode
from crypto import intake as sealing
from messaging.storage.tables import consultation_requests
from tests.support.clock import FrozenClock
from tests.support.notifier import deliver
from tests.support.smtp import SmtpSink
from tests.support.world import Api, Person, unique_email
from web.client import ApiError, invitation_token

FORM = {
    "name": "Jo (a pseudonym)",
    "contact": "jo@example.org",
    "time_zone": "Europe/Berlin",
    "preferred_times": "weekday evenings",
    "message": "CANARY-consultation-5e1f I would like to talk about sleep.",
}


async def open_clinic(api: Api, retention_days: int = 30) -> tuple[Person, str]:
    admin = await api.create_clinic()
    await admin.client.consultations.create_intake_key()
    await admin.client.request(
        "PUT",
        "/api/clinic/consultation-page",
        {"open": True, "text": "Ask for a free first talk.", "retention_days": retention_days},
    )
    return admin, (await admin.client.me())["clinic"]["id"]


async def stored_requests(api: Api) -> list[bytes]:
    async with api.database.unit_of_work() as uow:
        return list((await uow.session.execute(select(consultation_requests.c.sealed))).scalars())


async def test_a_request_is_readable_by_the_clinics_admins_and_not_by_the_server(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    admin, clinic_id = await open_clinic(api)
    page = await api.new_client().request("GET", f"/api/public/clinics/{clinic_id}/consultation")
    assert page["text"] == "Ask for a free first talk."
    assert (await api.new_client().consultations.request(clinic_id, FORM)) == {"received": True}

    [sealed] = await stored_requests(api)
    assert b"CANARY" not in sealed
    assert b"jo@example.org" not in sealed
    [opened] = await admin.client.consultations.queue()
    assert opened["form"] == FORM
    assert opened["state"] == "open"

    invitation = await admin.client.request(
        "POST",
        f"/api/clinic/consultations/{opened['id']}/invite",
        {"email": FORM["contact"], "display_name": "Jo"},
    )
    assert invitation["role"] == "client"
    [answered] = await admin.client.consultations.queue()
    assert (answered["state"], answered["invitation_id"]) == ("invited", invitation["id"])
    with pytest.raises(ApiError) as twice:
        await admin.client.request("POST", f"/api/clinic/consultations/{opened['id']}/decline", {})
    assert twice.value.status == 409


async def test_the_server_checks_the_proof_of_work_and_uses_each_challenge_once(
    api: Api,
) -> None:
    _, clinic_id = await open_clinic(api)
    path = f"/api/public/clinics/{clinic_id}/consultation"
    anonymous = api.new_client()
    page = await anonymous.request("GET", path)
    public = b64decode(page["intake_public_key"])
    sealed = b64encode(sealing.seal_request(b'{"message": "hi"}', public, uuid.UUID(clinic_id)))
    challenge = page["challenge"]
    nonce = sealing.solve_pow(challenge.encode(), page["pow_bits"])
    wrong = next(
        n.to_bytes(8, "big")
        for n in range(1 << 20)
        if not sealing.pow_ok(challenge.encode(), n.to_bytes(8, "big"), page["pow_bits"])
    )
    body = {"sealed": sealed, "challenge": challenge, "nonce": b64encode(wrong)}
    with pytest.raises(ApiError) as no_work:
        await anonymous.request("POST", path, body)
    assert (no_work.value.status, no_work.value.message.split(":")[0]) == (422, "nonce")
    forged = challenge[:-2] + ("AA" if not challenge.endswith("AA") else "BB")
    with pytest.raises(ApiError) as forged_challenge:
        await anonymous.request("POST", path, {**body, "challenge": forged})
    assert forged_challenge.value.status == 422
    assert await stored_requests(api) == []

    await anonymous.request("POST", path, {**body, "nonce": b64encode(nonce)})
    with pytest.raises(ApiError) as reused:
        await anonymous.request("POST", path, {**body, "nonce": b64encode(nonce)})
    assert reused.value.status == 409
    assert len(await stored_requests(api)) == 1


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
async def test_an_address_may_send_five_requests_an_hour_and_the_honeypot_stores_nothing(
    api: Api, clock: FrozenClock
) -> None:
    _, clinic_id = await open_clinic(api)
    sender = api.new_client()
    await sender.consultations.request(clinic_id, FORM, website="http://spam.example")
    assert await stored_requests(api) == [], "a filled honeypot is dropped"
    for _ in range(4):
        await sender.consultations.request(clinic_id, FORM)
    with pytest.raises(ApiError) as limited:
        await sender.consultations.request(clinic_id, FORM)
    assert limited.value.status == 429
    assert len(await stored_requests(api)) == 4
    clock.advance(timedelta(hours=1, minutes=1))
    await sender.consultations.request(clinic_id, FORM)
    assert len(await stored_requests(api)) == 5


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
async def test_requests_are_deleted_after_the_clinics_period_and_a_closed_page_takes_none(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    admin, clinic_id = await open_clinic(api, retention_days=7)
    await api.new_client().consultations.request(clinic_id, FORM)
    clock.advance(timedelta(days=6, hours=23))
    await deliver(api, smtp, clock)
    assert len(await stored_requests(api)) == 1
    clock.advance(timedelta(hours=1))
    await deliver(api, smtp, clock)
    assert await stored_requests(api) == []

    await admin.client.request(
        "PUT", "/api/clinic/consultation-page", {"open": False, "text": "", "retention_days": 7}
    )
    with pytest.raises(ApiError) as closed:
        await api.new_client().consultations.request(clinic_id, FORM)
    assert closed.value.status == 404


async def test_the_request_text_becomes_the_new_clients_first_message_still_encrypted(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    admin, clinic_id = await open_clinic(api)
    await api.new_client().consultations.request(clinic_id, FORM)
    [opened] = await admin.client.consultations.queue()
    invitation = await admin.client.request(
        "POST",
        f"/api/clinic/consultations/{opened['id']}/invite",
        {"email": unique_email("jo"), "display_name": "Jo"},
    )
    with pytest.raises(ApiError) as too_early:
        await admin.client.request(
            "PUT", f"/api/clinic/consultations/{opened['id']}/handover", {"sealed_note": "AAAA"}
        )
    assert too_early.value.status == 409

    jo = await api.register(invitation_token(invitation["link"]), invitation["email"])
    therapist = await api.invite_and_register(admin, "therapist", "Dr. Rivera")
    await admin.client.assign(therapist.user_id, jo.user_id)
    await admin.client.consultations.hand_over(opened["id"], jo.user_id)
    async with api.database.unit_of_work() as uow:
        notes = list(
            (await uow.session.execute(select(consultation_requests.c.handover_note))).scalars()
        )
    assert all(b"sleep" not in (n or b"") for n in notes)

    thread_id = await jo.client.threads.open_direct(jo.user_id)
    sent = await jo.client.consultations.post_intake_note(thread_id)
    assert sent is not None
    [first] = await therapist.client.threads.history(thread_id)
    assert first.seq == 1
    assert first.text is not None
    assert FORM["message"] in first.text
    assert "Preferred times: weekday evenings" in first.text
    assert await jo.client.consultations.post_intake_note(thread_id) is None, "posted once"

    await admin.client.request("POST", f"/api/clinic/people/{jo.user_id}/delete", {})
    await deliver(api, smtp, clock)
    assert await stored_requests(api) == [], "deleting Jo deletes the request that brought them"
