"""Care-team handover, as attacks: a therapist who joins a conversation later reads its
history only after the client shares it from their own device. Without that consent no one
(not the server, not the earlier therapist, not the new therapist) can hand over the keys,
and a therapist of another clinic can never receive them."""

from __future__ import annotations

import uuid

import pytest

import crypto
from crypto import b64encode
from tests.support.conversations import CareTeam, care_team
from tests.support.world import Api, Person
from web.client import ApiError

BEFORE = "What I wrote before you joined."


async def with_a_covering_therapist(api: Api) -> tuple[CareTeam, Person]:
    """The client wrote earlier; then a second therapist joined the care team and the
    conversation moved to a new epoch that includes them."""
    team = await care_team(api)
    await team.client.client.threads.send(team.thread_id, BEFORE)
    covering = await api.invite_and_register(team.admin, "therapist", "Dr. Cover")
    await team.admin.client.assign(covering.user_id, team.client.user_id)
    await team.client.client.threads.load(team.thread_id)
    await team.client.client.threads.rekey(team.thread_id)
    await team.client.client.threads.send(team.thread_id, "After you joined.")
    return team, covering


async def texts_seen_by(person: Person, thread_id: str) -> list[str | None]:
    await person.client.threads.load(thread_id)
    await person.client.threads.load_history(thread_id)
    return [m.text for m in await person.client.threads.history(thread_id)]


async def test_with_the_clients_consent_a_later_therapist_reads_the_history(api: Api) -> None:
    team, covering = await with_a_covering_therapist(api)
    assert await texts_seen_by(covering, team.thread_id) == [None, "After you joined."]

    shared = await team.client.client.threads.share_history(team.thread_id, covering.user_id)
    assert shared == {"epochs": 1}
    assert await texts_seen_by(covering, team.thread_id) == [BEFORE, "After you joined."]
    trail = (await team.admin.client.request("GET", "/api/clinic/audit"))["events"]
    assert trail[0]["action"] == "history.granted"


async def test_without_consent_the_later_therapist_gets_no_key_and_nobody_else_can_give_one(
    api: Api,
) -> None:
    team, covering = await with_a_covering_therapist(api)
    seals = await covering.client.request("GET", f"/api/threads/{team.thread_id}/history-seals")
    assert seals == {"seals": [], "granted_to": []}

    # The earlier therapist holds the old keys but is not the client: refused.
    earlier = team.therapist.client.threads
    keys = await earlier.load(team.thread_id)
    bundle = covering.client.unlocked.identity  # type: ignore[union-attr]
    grant = crypto.create_history_grant(
        earlier.identity,
        keys.thread_id,
        uuid.UUID(covering.user_id),
        bundle.key_id,
        bundle.box_pk,
        [(0, keys.epoch_keys[0])],
    )
    for someone in (team.therapist, covering, team.admin):
        with pytest.raises(ApiError) as refused:
            await someone.client.request(
                "POST",
                f"/api/threads/{team.thread_id}/history-grants",
                {"grant": b64encode(grant)},
            )
        assert refused.value.status in (403, 404)
    assert await texts_seen_by(covering, team.thread_id) == [None, "After you joined."]


async def test_a_grant_to_another_clinics_therapist_is_refused(api: Api) -> None:
    team, _ = await with_a_covering_therapist(api)
    other_admin = await api.create_clinic("Another Clinic")
    stranger = await api.invite_and_register(other_admin, "therapist", "Dr. Elsewhere")
    client = team.client.client.threads
    keys = await client.load(team.thread_id)
    identity = stranger.client.unlocked.identity  # type: ignore[union-attr]
    grant = crypto.create_history_grant(
        client.identity,
        keys.thread_id,
        uuid.UUID(stranger.user_id),
        identity.key_id,
        identity.box_pk,
        [(0, keys.epoch_keys[0])],
    )
    with pytest.raises(ApiError) as refused:
        await team.client.client.request(
            "POST", f"/api/threads/{team.thread_id}/history-grants", {"grant": b64encode(grant)}
        )
    assert refused.value.status == 422
    with pytest.raises(ApiError) as hidden:
        await stranger.client.request("GET", f"/api/threads/{team.thread_id}/history-seals")
    assert hidden.value.status == 404


async def test_forged_stale_or_overreaching_grants_are_refused(api: Api) -> None:
    team, covering = await with_a_covering_therapist(api)
    client = team.client.client.threads
    keys = await client.load(team.thread_id)
    target = covering.client.unlocked.identity  # type: ignore[union-attr]

    def grant_of(epochs: list[int], signer: crypto.Identity) -> bytes:
        return crypto.create_history_grant(
            signer,
            keys.thread_id,
            uuid.UUID(covering.user_id),
            target.key_id,
            target.box_pk,
            [(epoch, keys.epoch_keys[epoch]) for epoch in epochs],
        )

    good = grant_of([0], client.identity)
    tampered = bytearray(good)
    tampered[-1] ^= 1
    not_mine = crypto.generate_identity(uuid.UUID(team.client.user_id))
    for bad in (
        bytes(tampered),  # the signature does not verify
        grant_of([0], not_mine),  # signed by a key that is not the client's
        grant_of([0, 1], client.identity),  # includes the epoch the therapist joined in
        b"\x01" + bytes(20),  # not a grant
    ):
        with pytest.raises(ApiError) as refused:
            await team.client.client.request(
                "POST", f"/api/threads/{team.thread_id}/history-grants", {"grant": b64encode(bad)}
            )
        assert refused.value.status == 422
    assert await texts_seen_by(covering, team.thread_id) == [None, "After you joined."]
