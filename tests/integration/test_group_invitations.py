"""A group's pending invitations from the moderators' side: they see who is invited (by
name) and can withdraw an invitation; they pick whom to invite from the clinic's active
clients, not only their own; nobody else learns either."""

from __future__ import annotations

import json

import pytest

from tests.support.groups import group_world
from tests.support.world import Api
from web.client import ApiError


async def test_a_moderator_sees_names_and_pending_invitations_and_a_member_sees_neither(
    api: Api,
) -> None:
    world = await group_world(api, "open", members=1)
    invitee = await api.invite_and_register(world.admin, "client", "Invited Person")
    member_id = await world.moderator.client.groups.invite(world.thread_id, invitee.user_id)

    seen = await world.moderator.client.groups.detail(world.thread_id)
    assert [
        (i["member_id"], i["user_id"], i["display_name"], i["role"]) for i in seen["invited"]
    ] == [(member_id, invitee.user_id, "Invited Person", "member")]
    [member] = world.members
    names = {m["pseudonym"]: m["display_name"] for m in seen["members"]}
    assert names == {"Pseudonym 0": "Client 0", "Moderator Okafor": "Dr. Okafor"}
    answer = json.dumps(await member.client.groups.detail(world.thread_id))
    assert "invited" not in json.loads(answer)
    for secret in (member_id, invitee.user_id, "Invited Person", "Client 0", "Dr. Okafor"):
        assert secret not in answer


async def test_a_withdrawn_invitation_is_gone_for_the_invitee_and_can_be_made_again(
    api: Api,
) -> None:
    world = await group_world(api, "open", members=1)
    invitee = await api.invite_and_register(world.admin, "client", "Changed Mind")
    member_id = await world.moderator.client.groups.invite(world.thread_id, invitee.user_id)
    live = invitee.client.realtime()
    await live.connect()
    try:
        await world.moderator.client.groups.withdraw_invitation(world.thread_id, member_id)
        _, event = await live.next("group_removed")
    finally:
        await live.disconnect()

    assert event == {"thread_id": world.thread_id}
    assert await invitee.client.groups.mine() == []
    with pytest.raises(ApiError) as late:
        await invitee.client.groups.join(world.thread_id, "Too late")
    assert late.value.status == 404
    detail = await world.moderator.client.groups.detail(world.thread_id)
    assert detail["invited"] == []
    assert member_id not in json.dumps(detail["members"]), "never joined: not a member row"
    again = await world.moderator.client.groups.invite(world.thread_id, invitee.user_id)
    await invitee.client.groups.join(world.thread_id, "Second thoughts")
    assert again == member_id


async def test_only_a_moderator_withdraws_and_only_a_pending_client_invitation(api: Api) -> None:
    world = await group_world(api, "open", members=1)
    [member] = world.members
    invitee = await api.invite_and_register(world.admin, "client", "Pending")
    pending = await world.moderator.client.groups.invite(world.thread_id, invitee.user_id)
    second = await api.invite_and_register(world.admin, "therapist", "Dr. Second")
    named = await world.admin.client.groups.name_moderator(world.thread_id, second.user_id)
    path = f"/api/groups/{world.thread_id}/invitations/{{}}/withdraw"

    refusals = []
    for person, member_id in (
        (member, pending),
        (world.admin, pending),
        (invitee, pending),
        (world.moderator, world.member_id(member)),
        (world.moderator, named),
    ):
        with pytest.raises(ApiError) as refused:
            await person.client.request("POST", path.format(member_id), {})
        refusals.append(refused.value.status)

    assert refusals == [403, 404, 404, 404, 403]
    detail = await world.moderator.client.groups.detail(world.thread_id)
    assert {i["member_id"] for i in detail["invited"]} == {pending, named}


async def test_a_moderator_picks_from_every_active_client_of_the_clinic_not_yet_in_the_group(
    api: Api,
) -> None:
    world = await group_world(api, "open", members=2)
    barred = world.members[0]
    await world.moderator.client.groups.remove_member(
        world.thread_id, world.member_id(barred), forbid_rejoin=True
    )
    stranger = await api.invite_and_register(world.admin, "client", "Not On My Caseload")
    gone = await api.invite_and_register(world.admin, "client", "Disabled Client")
    await world.admin.client.request("POST", f"/api/clinic/people/{gone.user_id}/disable", {})
    await api.invite_and_register(world.admin, "therapist", "Dr. Colleague")

    found = await world.moderator.client.groups.candidates(world.thread_id)

    assert found == [{"user_id": stranger.user_id, "display_name": "Not On My Caseload"}]
    await world.moderator.client.groups.invite(world.thread_id, stranger.user_id)
    assert await world.moderator.client.groups.candidates(world.thread_id) == []


async def test_another_clinics_moderator_and_a_member_get_no_candidates(api: Api) -> None:
    world = await group_world(api, "open", members=1)
    await api.invite_and_register(world.admin, "client", "Only Here")
    elsewhere = await group_world(api, "open", members=0)
    [member] = world.members

    statuses = []
    for person in (elsewhere.moderator, elsewhere.admin, member, world.admin):
        with pytest.raises(ApiError) as refused:
            await person.client.groups.candidates(world.thread_id)
        statuses.append(refused.value.status)

    assert statuses == [404, 404, 403, 404]
    mine = await elsewhere.moderator.client.groups.candidates(elsewhere.thread_id)
    assert "Only Here" not in json.dumps(mine)


async def test_inviting_a_removed_member_again_keeps_the_chain_verifiable_for_everyone(
    api: Api,
) -> None:
    world = await group_world(api, "open", members=2)
    returning, staying = world.members
    await returning.client.groups.post(world.thread_id, "before I left")
    await world.moderator.client.groups.remove_member(world.thread_id, world.member_id(returning))
    again = await world.moderator.client.groups.invite(world.thread_id, returning.user_id)
    newcomer = await api.invite_and_register(world.admin, "client", "Newcomer")
    await world.moderator.client.groups.invite(world.thread_id, newcomer.user_id)

    await newcomer.client.groups.join(world.thread_id, "Newcomer")  # verifies every commit
    await returning.client.groups.join(world.thread_id, "Back again")
    await returning.client.groups.post(world.thread_id, "I am back")

    assert again == world.member_id(returning)
    seen = await staying.client.groups.posts(world.thread_id)
    assert [(p.pseudonym, p.text) for p in seen] == [
        ("Back again", "before I left"),
        ("Back again", "I am back"),
    ]
    member_view = json.dumps(await staying.client.groups.detail(world.thread_id))
    assert returning.user_id not in member_view
