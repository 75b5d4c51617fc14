"""Messages the server must refuse: each gets a clear 4xx and nothing is stored."""

from __future__ import annotations

import uuid

import pytest

import crypto
from tests.support.conversations import CareTeam, care_team
from tests.support.world import Api
from web.client import ApiError


async def refused(team: CareTeam, sender: object, envelope: bytes) -> ApiError:
    with pytest.raises(ApiError) as raised:
        await sender.threads.send_envelope(team.thread_id, envelope)  # type: ignore[attr-defined]
    history = await team.client.client.threads.history(team.thread_id)
    assert history == [], "a refused message stores nothing"
    return raised.value


async def test_an_envelope_claiming_another_sender_is_refused(api: Api) -> None:
    team = await care_team(api)
    threads = team.client.client.threads
    keys = await threads.load(team.thread_id)
    therapist_identity = team.therapist.client.unlocked.identity  # type: ignore[union-attr]
    # Signed with the client's key but naming the therapist (and the therapist's key id).
    impostor = crypto.Identity.from_secrets(
        therapist_identity.user_id, threads.identity.sign_seed, threads.identity.box_sk
    )
    forged = crypto.seal_message(
        impostor, keys.thread_id, keys.epoch, b"x", epoch_key=keys.epoch_keys[0]
    )
    error = await refused(team, team.client.client, forged)
    assert (error.status, error.code) == (403, "forbidden")


async def test_an_envelope_signed_by_another_member_for_this_sender_is_refused(api: Api) -> None:
    team = await care_team(api)
    keys = await team.therapist.client.threads.load(team.thread_id)
    client_identity = team.client.client.unlocked.identity  # type: ignore[union-attr]
    therapist_identity = team.therapist.client.unlocked.identity  # type: ignore[union-attr]
    # The therapist signs an envelope whose header claims the client and the client's key id.
    envelope = crypto.seal_message(
        crypto.Identity.from_secrets(
            client_identity.user_id, therapist_identity.sign_seed, therapist_identity.box_sk
        ),
        keys.thread_id,
        keys.epoch,
        b"words put in your mouth",
        epoch_key=keys.epoch_keys[0],
    )
    error = await refused(team, team.therapist.client, envelope)
    assert error.status == 403


async def test_a_tampered_envelope_is_refused(api: Api) -> None:
    team = await care_team(api)
    envelope = bytearray(await team.client.client.threads.seal(team.thread_id, "hello"))
    envelope[-70] ^= 0x01
    error = await refused(team, team.client.client, bytes(envelope))
    assert (error.status, error.message) == (422, "envelope: the signature does not verify.")


async def test_a_stale_epoch_is_refused_with_409(api: Api) -> None:
    team = await care_team(api)
    old = await team.client.client.threads.seal(team.thread_id, "sealed under epoch 0")
    second = await api.invite_and_register(team.admin, "therapist", "Dr. Second")
    await team.admin.client.assign(second.user_id, team.client.user_id)
    error = await refused(team, team.client.client, old)
    assert (error.status, error.code) == (409, "rekey_required")

    await team.client.client.threads.rekey(team.thread_id)
    error = await refused(team, team.client.client, old)
    assert (error.status, error.code) == (409, "stale_epoch")


async def test_a_non_member_cannot_send(api: Api) -> None:
    team = await care_team(api)
    outsider = await api.invite_and_register(team.admin, "client", "Someone else")
    keys = await team.client.client.threads.load(team.thread_id)
    envelope = crypto.seal_message(
        outsider.client.unlocked.identity,  # type: ignore[union-attr]
        keys.thread_id,
        keys.epoch,
        b"let me in",
        epoch_key=crypto.create_epoch_key(),
    )
    error = await refused(team, outsider.client, envelope)
    assert error.status == 404


async def test_an_envelope_for_another_thread_is_refused(api: Api) -> None:
    team = await care_team(api)
    keys = await team.client.client.threads.load(team.thread_id)
    elsewhere = crypto.seal_message(
        team.client.client.threads.identity,
        uuid.uuid4(),
        keys.epoch,
        b"x",
        epoch_key=keys.epoch_keys[0],
    )
    error = await refused(team, team.client.client, elsewhere)
    assert (error.status, error.message) == (422, "envelope: sealed for another conversation.")


async def test_an_oversized_envelope_is_refused_with_413(api: Api) -> None:
    team = await care_team(api)
    error = await refused(team, team.client.client, bytes(crypto.MAX_ENVELOPE_BYTES + 1))
    assert (error.status, error.code) == (413, "payload_too_large")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"envelope": 12},
        {"envelope": "not base64!"},
        {"envelope": crypto.b64encode(b"\x01\x01garbage")},
    ],
)
async def test_a_malformed_envelope_is_refused_with_422(api: Api, body: dict) -> None:
    team = await care_team(api)
    with pytest.raises(ApiError) as raised:
        await team.client.client.request("POST", f"/api/threads/{team.thread_id}/messages", body)
    assert (raised.value.status, raised.value.code) == (422, "invalid_input")
    assert await team.client.client.threads.history(team.thread_id) == []


async def test_a_client_message_id_already_used_in_another_thread_is_refused(api: Api) -> None:
    """Retries are recognised by the sender's client message id: one reused for a message
    to another thread is neither stored nor answered with the other thread's message."""
    team = await care_team(api)
    other = await api.invite_and_register(team.admin, "client", "Alex")
    await team.admin.client.assign(team.therapist.user_id, other.user_id)
    other_thread = await other.client.threads.open_direct(other.user_id, title="Other")
    therapist = team.therapist.client.threads
    first, second = await therapist.load(other_thread), await therapist.load(team.thread_id)

    def same_draws(size: int) -> bytes:
        return b"\x07" * size

    def sealed(keys: object, text: bytes) -> bytes:
        return crypto.seal_message(
            therapist.identity,
            keys.thread_id,  # type: ignore[attr-defined]
            keys.epoch,  # type: ignore[attr-defined]
            text,
            epoch_key=keys.epoch_keys[keys.epoch],  # type: ignore[attr-defined]
            rng=same_draws,
        )

    await therapist.send_envelope(other_thread, sealed(first, b"to Alex"))
    error = await refused(team, team.therapist.client, sealed(second, b"to Sam"))
    assert (error.status, error.message) == (
        422,
        "envelope: that client message id was used elsewhere.",
    )
