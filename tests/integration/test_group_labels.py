"""Labels for admins (docs/crypto.md section 12): every current admin of the clinic reads
each group's label, including an admin who joined after the group was made; the server
can neither read nor forge one; moderators and members never receive one."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import update

import crypto
from crypto import group_labels as labels
from messaging import deletion
from messaging.storage import admin_keys as admin_key_store
from messaging.storage.tables import admin_keys as admin_key_table
from messaging.storage.tables import groups as group_table
from tests.support.world import Api, Person
from web.client import ApiError

LABEL = "Thursday evening — grief"


def _recorded(person: Person) -> list[Any]:
    """Every answer the person's SDK receives from now on."""
    received: list[Any] = []
    sdk = person.client
    plain_request = sdk.request

    async def recording(method: str, path: str, body: Any = None, params: Any = None) -> Any:
        answer = await plain_request(method, path, body, params)
        received.append(answer)
        return answer

    sdk.request = recording  # type: ignore[method-assign]
    return received


async def _status(person: Person, method: str, path: str, body: Any = None) -> int:
    try:
        await person.client.request(method, path, body)
    except ApiError as error:
        return error.status
    return 200


async def _labelled_clinic(api: Api) -> tuple[Person, Person, Person, str]:
    admin = await api.create_clinic()
    moderator = await api.invite_and_register(admin, "therapist", "Dr. Okafor")
    client = await api.invite_and_register(admin, "client", "Client One")
    thread_id = await admin.client.groups.create(
        policy="open",
        title="Thursday evening support",
        description="Between sessions.",
        guidelines="Be kind.",
        moderators=[moderator.user_id],
        label=LABEL,
    )
    return admin, moderator, client, thread_id


async def test_an_admin_who_joins_later_reads_labels_and_no_member_or_moderator_receives_one(
    api: Api,
) -> None:
    admin, moderator, client, thread_id = await _labelled_clinic(api)
    heard_by_moderator, heard_by_client = _recorded(moderator), _recorded(client)
    await moderator.client.groups.join(thread_id, "Moderator Okafor")
    await moderator.client.groups.invite(thread_id, client.user_id)
    await client.client.groups.join(thread_id, "Quiet Fern")
    await client.client.groups.post(thread_id, "hello")
    await moderator.client.groups.posts(thread_id)
    await client.client.groups.mine()
    await moderator.client.groups.queue(thread_id)
    unlabelled = await admin.client.groups.create(
        policy="announcements",
        title="News",
        description="",
        guidelines="",
        moderators=[moderator.user_id],
    )

    later = await api.invite_and_register(admin, "admin", "Second Admin")
    waiting = {g.thread_id: g for g in await later.client.groups.admin_list()}
    assert waiting[thread_id].label is None
    assert waiting[thread_id].problem == "no admin has shared the admin key with you yet"

    # The first admin's client sees a new admin without a seal and reseals the key.
    mine = {g.thread_id: g for g in await admin.client.groups.admin_list()}
    assert (mine[thread_id].label, mine[unlabelled].name) == (LABEL, "Unnamed group")
    seen = {g.thread_id: g for g in await later.client.groups.admin_list()}
    assert (seen[thread_id].label, seen[thread_id].problem) == (LABEL, None)
    assert seen[unlabelled].label is None
    assert seen[unlabelled].name == "Unnamed group"
    key = await later.client.request("GET", "/api/clinic/admin-key")
    assert key["generation"] == 1
    assert sorted(key["sealed_to"]) == sorted([admin.user_id, later.user_id])

    stored = seen[thread_id].raw["label"]
    for person in (moderator, client):
        assert await _status(person, "GET", "/api/clinic/groups") == 403
        assert await _status(person, "GET", "/api/clinic/admin-key") == 403
    for heard in (heard_by_moderator, heard_by_client):
        text = json.dumps(heard)
        assert stored not in text
        assert '"label"' not in text
        assert LABEL not in text


async def test_when_an_admin_leaves_the_key_is_replaced_and_every_label_resealed(
    api: Api,
) -> None:
    admin, moderator, _, thread_id = await _labelled_clinic(api)
    leaving = await api.invite_and_register(admin, "admin", "Leaving Admin")
    await admin.client.groups.admin_list()
    old = await leaving.client.request("GET", "/api/clinic/admin-key")
    assert old["seal"] is not None
    await admin.client.disable(leaving.user_id)

    [group] = await admin.client.groups.admin_list()
    assert group.label == LABEL
    key = await admin.client.request("GET", "/api/clinic/admin-key")
    assert key["generation"] == 2
    assert key["sealed_to"] == [admin.user_id]
    assert key["public_key"] != old["public_key"]
    label = labels.parse_group_label(crypto.b64decode(group.raw["label"]))
    assert (label.generation, str(label.author_id)) == (2, admin.user_id)
    assert group.thread_id == thread_id
    assert moderator.user_id not in key["sealed_to"]


async def test_deleting_an_admin_who_held_the_key_makes_the_next_client_replace_it(
    api: Api,
) -> None:
    admin, _, _, _ = await _labelled_clinic(api)
    leaving = await api.invite_and_register(admin, "admin", "Leaving Admin")
    await admin.client.groups.admin_list()
    await admin.client.request("POST", f"/api/clinic/people/{leaving.user_id}/delete", {})
    await deletion.erase(api.database, api.context, uuid.UUID(leaving.user_id))

    due = await admin.client.request("GET", "/api/clinic/admin-key")
    assert (due["generation"], due["sealed_to"], due["replace_due"]) == (
        1,
        [admin.user_id],
        True,
    )
    [group] = await admin.client.groups.admin_list()
    assert group.label == LABEL
    replaced = await admin.client.request("GET", "/api/clinic/admin-key")
    assert (replaced["generation"], replaced["replace_due"]) == (2, False)


async def test_the_client_refuses_a_label_the_server_or_a_non_admin_wrote(api: Api) -> None:
    admin, moderator, _, thread_id = await _labelled_clinic(api)
    key = await admin.client.groups.labels.admin_key()
    assert key is not None
    assert moderator.client.unlocked is not None
    # Written straight into the database, as a server would: sealed to the public admin
    # key and signed by a non-admin's account key, naming that non-admin or the admin.
    forged = labels.create_group_label(
        moderator.client.unlocked.identity, uuid.UUID(thread_id), 1, "Forged", key.public_key
    )
    async with api.database.unit_of_work() as uow:
        await uow.session.execute(
            update(group_table)
            .where(group_table.c.thread_id == uuid.UUID(thread_id))
            .values(label=forged)
        )
        await uow.commit()
    [group] = await admin.client.groups.admin_list()
    assert group.label is None
    assert group.problem == "the label did not open: label is not signed by an admin of the clinic"

    # The same seal, now claiming the admin as its author: the admin's key does not verify it.
    assert admin.client.unlocked is not None
    body = forged[: 1 + 16 + 8 + labels.LABEL_SEAL_BYTES]
    body += admin.client.unlocked.identity.user_id.bytes + admin.client.unlocked.identity.key_id
    claimed = body + moderator.client.unlocked.identity.sign(labels.LABEL_CONTEXT + body)
    async with api.database.unit_of_work() as uow:
        await uow.session.execute(
            update(group_table)
            .where(group_table.c.thread_id == uuid.UUID(thread_id))
            .values(label=claimed)
        )
        await uow.commit()
    [group] = await admin.client.groups.admin_list()
    assert group.label is None
    assert group.problem is not None
    assert group.problem.startswith("the label did not open")


async def test_the_server_refuses_a_label_for_another_group_by_another_admin_or_an_old_key(
    api: Api,
) -> None:
    admin, moderator, _, _ = await _labelled_clinic(api)
    other_admin = await api.invite_and_register(admin, "admin", "Other Admin")
    await admin.client.groups.admin_list()
    key = await admin.client.groups.labels.admin_key()
    assert key is not None
    groups_sdk = admin.client.groups

    async def attempt(make_label: Any) -> tuple[int, str]:
        body = await groups_sdk.creation_body(
            policy="open",
            title="t",
            description="d",
            guidelines="g",
            moderators=[moderator.user_id],
        )
        body["label"] = crypto.b64encode(make_label(uuid.UUID(body["thread_id"])))
        try:
            await admin.client.request("POST", "/api/groups", body)
        except ApiError as error:
            return error.status, error.code
        return 201, ""

    assert admin.client.unlocked is not None
    assert other_admin.client.unlocked is not None
    me = admin.client.unlocked.identity
    other = other_admin.client.unlocked.identity
    for make_label, expected in (
        (lambda t: labels.create_group_label(me, uuid.uuid4(), 1, "x", key.public_key), 422),
        (lambda t: labels.create_group_label(other, t, 1, "x", key.public_key), 422),
        (lambda t: labels.create_group_label(me, t, 2, "x", key.public_key), 409),
        (lambda t: flip_last_byte(labels.create_group_label(me, t, 1, "x", key.public_key)), 422),
    ):
        assert (await attempt(make_label))[0] == expected
    assert len(await admin.client.groups.clinic_groups()) == 1
    body = await groups_sdk.creation_body(
        policy="open", title="t", description="d", guidelines="g", moderators=[moderator.user_id]
    )
    body["label"] = crypto.b64encode(b"\x01" * 40)
    with pytest.raises(ApiError) as short:
        await admin.client.request("POST", "/api/groups", body)
    assert short.value.status == 422
    assert short.value.code


async def test_the_admin_key_is_sealed_to_exactly_the_active_admins_and_replaced_in_step(
    api: Api,
) -> None:
    admin, _, _, thread_id = await _labelled_clinic(api)
    view = await admin.client.request("GET", "/api/clinic/admin-key")
    public, secret = labels.create_admin_key()
    clinic_id = uuid.UUID((await admin.client.me())["clinic"]["id"])
    assert admin.client.unlocked is not None
    me = admin.client.unlocked.identity
    seal = crypto.b64encode(labels.seal_admin_key(secret, clinic_id, 2, me.box_pk))
    relabel = crypto.b64encode(
        labels.create_group_label(me, uuid.UUID(thread_id), 2, LABEL, public)
    )

    async def put(body: dict[str, Any]) -> int:
        try:
            await admin.client.request("PUT", "/api/clinic/admin-key", body)
        except ApiError as error:
            return error.status
        return 200

    def signed(generation: int) -> dict[str, Any]:
        signature = labels.sign_admin_key(me, clinic_id, generation, public)
        return {
            "generation": generation,
            "public_key": crypto.b64encode(public),
            "signature": crypto.b64encode(signature),
        }

    base = signed(2)
    assert await put({**base, "seals": {}, "labels": {thread_id: relabel}}) == 422
    assert await put({**base, "seals": {admin.user_id: seal}}) == 409  # labels not resealed
    assert await put({**signed(3), "seals": {admin.user_id: seal}}) == 409
    assert await put({**signed(1), "seals": {admin.user_id: seal}}) == 422
    assert await admin.client.request("GET", "/api/clinic/admin-key") == view
    assert (
        await put({**base, "seals": {admin.user_id: seal}, "labels": {thread_id: relabel}}) == 200
    )
    [group] = await admin.client.groups.admin_list()
    assert group.label == LABEL


def flip_last_byte(label: bytes) -> bytes:
    """A label whose signature no longer verifies (a changed byte, never the same one)."""
    return label[:-1] + bytes([label[-1] ^ 1])


async def _mint_as_the_server(api: Api, admins: list[Person], generation: int) -> bytes:
    """What a malicious server can do: make its own admin key pair, seal its secret to
    every admin's account key and serve it as the clinic's key of `generation`, keeping
    the signature and maker it holds (it cannot make an admin's signature)."""
    public, secret = labels.create_admin_key()
    clinic_id = uuid.UUID((await admins[0].client.me())["clinic"]["id"])
    seals = {}
    for person in admins:
        assert person.client.unlocked is not None
        box_pk = person.client.unlocked.identity.box_pk
        seals[uuid.UUID(person.user_id)] = labels.seal_admin_key(
            secret, clinic_id, generation, box_pk
        )
    async with api.database.unit_of_work() as uow:
        await uow.session.execute(
            update(admin_key_table)
            .where(admin_key_table.c.clinic_id == clinic_id)
            .values(generation=generation, public_key=public, replace_due=False)
        )
        await admin_key_store.replace_seals(uow.session, clinic_id, seals)
        await uow.commit()
    return public


@pytest.mark.parametrize("generation", [1, 2])
async def test_the_client_refuses_an_admin_key_the_server_made_and_seals_no_label_to_it(
    api: Api, generation: int
) -> None:
    admin, moderator, _, thread_id = await _labelled_clinic(api)
    minted = await _mint_as_the_server(api, [admin], generation)
    sent: list[tuple[str, str]] = []
    plain_request = admin.client.request

    async def recording(method: str, path: str, body: Any = None, params: Any = None) -> Any:
        sent.append((method, path))
        return await plain_request(method, path, body, params)

    admin.client.request = recording  # type: ignore[method-assign]

    with pytest.raises(crypto.BadSignatureError, match="admin key cannot be verified"):
        await admin.client.groups.labels.admin_key()
    with pytest.raises(crypto.BadSignatureError):
        await admin.client.groups.create(
            policy="open",
            title="New group",
            description="",
            guidelines="",
            moderators=[moderator.user_id],
            label="Sealed to the server?",
        )
    with pytest.raises(crypto.BadSignatureError):
        await admin.client.groups.admin_list()
    assert [g["thread_id"] for g in await admin.client.groups.clinic_groups()] == [thread_id]
    # Nothing was sealed or signed for the server's key: the client only read.
    assert sent
    assert {method for method, _ in sent} == {"GET"}
    key = await admin.client.request("GET", "/api/clinic/admin-key")
    assert key["public_key"] == crypto.b64encode(minted)
    assert key["generation"] == generation


async def test_an_admin_key_signed_by_a_non_admin_or_for_another_generation_is_refused(
    api: Api,
) -> None:
    admin, moderator, _, thread_id = await _labelled_clinic(api)
    view = await admin.client.request("GET", "/api/clinic/admin-key")
    clinic_id = uuid.UUID((await admin.client.me())["clinic"]["id"])
    public = crypto.b64decode(view["public_key"])
    assert admin.client.unlocked is not None
    assert moderator.client.unlocked is not None
    me, outsider = admin.client.unlocked.identity, moderator.client.unlocked.identity
    reseal = {
        "generation": 1,
        "public_key": view["public_key"],
        "seals": {admin.user_id: view["seal"]},
    }
    for signature in (
        labels.sign_admin_key(outsider, clinic_id, 1, public),
        labels.sign_admin_key(me, clinic_id, 2, public),
        labels.sign_admin_key(me, uuid.uuid4(), 1, public),
        flip_last_byte(labels.sign_admin_key(me, clinic_id, 1, public)),
    ):
        body = {**reseal, "signature": crypto.b64encode(signature)}
        assert await _status(admin, "PUT", "/api/clinic/admin-key", body) == 422
    assert await admin.client.request("GET", "/api/clinic/admin-key") == view

    # The same signatures served by the server (or a non-admin as maker) are refused by
    # the client, which then opens nothing.
    for maker, signature in (
        (outsider.user_id, labels.sign_admin_key(outsider, clinic_id, 1, public)),
        (me.user_id, labels.sign_admin_key(me, clinic_id, 2, public)),
        (me.user_id, labels.sign_admin_key(me, uuid.uuid4(), 1, public)),
        (me.user_id, flip_last_byte(labels.sign_admin_key(me, clinic_id, 1, public))),
    ):
        async with api.database.unit_of_work() as uow:
            await uow.session.execute(
                update(admin_key_table)
                .where(admin_key_table.c.clinic_id == clinic_id)
                .values(maker_id=maker, signature=signature)
            )
            await uow.commit()
        with pytest.raises(crypto.BadSignatureError, match="cannot be verified"):
            await admin.client.groups.labels.admin_key()
    assert [g["thread_id"] for g in await admin.client.groups.clinic_groups()] == [thread_id]


async def test_disabling_an_admin_who_held_the_key_makes_the_next_client_replace_it(
    api: Api,
) -> None:
    admin, _, _, thread_id = await _labelled_clinic(api)
    leaving = await api.invite_and_register(admin, "admin", "Leaving Admin")
    await admin.client.groups.admin_list()
    held = await admin.client.request("GET", "/api/clinic/admin-key")
    assert sorted(held["sealed_to"]) == sorted([admin.user_id, leaving.user_id])
    await admin.client.disable(leaving.user_id)

    due = await admin.client.request("GET", "/api/clinic/admin-key")
    assert (due["generation"], due["sealed_to"], due["replace_due"]) == (
        1,
        [admin.user_id],
        True,
    )
    clinic_id = uuid.UUID((await admin.client.me())["clinic"]["id"])
    async with api.database.unit_of_work() as uow:
        gone = await admin_key_store.seal_for(uow.session, clinic_id, uuid.UUID(leaving.user_id))
    assert gone is None
    [group] = await admin.client.groups.admin_list()
    assert (group.thread_id, group.label) == (thread_id, LABEL)
    replaced = await admin.client.request("GET", "/api/clinic/admin-key")
    assert (replaced["generation"], replaced["replace_due"]) == (2, False)
    assert replaced["sealed_to"] == [admin.user_id]
    assert replaced["public_key"] != held["public_key"]
    assert replaced["maker_id"] == admin.user_id
