"""Who may call which group route, by the caller's place in the group: the clinic's admin
(not a member), a moderator, a member, a muted member, a removed member, a client of the
clinic who is not a member, and another clinic's admin.

`tests/integration/test_authz_matrix.py` covers the same routes for the account roles;
this table is the group's own view. Every group route has a row (checked below).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from crypto import b64encode
from tests.integration.test_authz_matrix import call, registered_http_routes
from tests.support.groups import GroupWorld, group_world
from tests.support.world import Api, Person

ROLES = ("admin", "moderator", "member", "muted", "removed", "non_member", "other_clinic")
READERS = {
    "admin": 404,
    "moderator": 200,
    "member": 200,
    "muted": 200,
    "removed": 404,
    "non_member": 404,
    "other_clinic": 404,
}
POSTERS = {**READERS, "muted": 403}
MODERATORS = {**READERS, "member": 403, "muted": 403}
ADMINS = {
    "admin": 200,
    "moderator": 403,
    "member": 403,
    "muted": 403,
    "removed": 403,
    "non_member": 403,
    "other_clinic": 200,
}
NOBODY = dict.fromkeys(ROLES, 404)
EVERYONE = dict.fromkeys(ROLES, 200)
DUMMY_SEAL = b64encode(bytes(105))


@dataclass
class Roles:
    api: Api
    world: GroupWorld
    people: dict[str, Person]

    @property
    def group(self) -> str:
        return self.world.thread_id


Body = dict[str, Any] | None
Builder = Callable[[Roles, str], Awaitable[tuple[str | None, Body]]]


async def build_roles(api: Api) -> Roles:
    world = await group_world(api, "premoderated", members=3)
    member, muted, removed = world.members
    moderation = world.moderator.client.groups
    await moderation.mute(
        world.thread_id, world.member_id(muted), api.context.clock.now() + timedelta(days=1)
    )
    await moderation.remove_member(world.thread_id, world.member_id(removed))
    people = {
        "admin": world.admin,
        "moderator": world.moderator,
        "member": member,
        "muted": muted,
        "removed": removed,
        "non_member": await api.invite_and_register(world.admin, "client", "Outsider"),
        "other_clinic": await api.create_clinic("Another Clinic"),
    }
    return Roles(api, world, people)


def poster(roles: Roles, role: str) -> Person:
    """The caller when it can build the body itself, else the member (a valid body)."""
    return (
        roles.people[role] if role in ("moderator", "member", "muted") else roles.people["member"]
    )


async def nothing(roles: Roles, role: str) -> tuple[str | None, Body]:
    return None, None


def at(suffix: str, body: Body = None) -> Builder:
    async def build(roles: Roles, role: str) -> tuple[str | None, Body]:
        return f"/api/groups/{roles.group}{suffix}", body

    return build


async def creation(roles: Roles, role: str) -> tuple[str | None, Body]:
    creator = roles.people[role if role in ("admin", "other_clinic") else "admin"]
    return None, await creator.client.groups.creation_body(
        policy="open", title="t", description="", guidelines="", moderators=[creator.user_id]
    )


async def naming(roles: Roles, role: str) -> tuple[str | None, Body]:
    named = await roles.api.invite_and_register(roles.world.admin, "therapist", "Dr. Named")
    return f"/api/groups/{roles.group}/moderators", {
        "user_id": named.user_id,
        "info_seal": DUMMY_SEAL,
    }


async def inviting(roles: Roles, role: str) -> tuple[str | None, Body]:
    fresh = await roles.api.invite_and_register(roles.world.admin, "client", "Fresh")
    return f"/api/groups/{roles.group}/invitations", {
        "user_id": fresh.user_id,
        "info_seal": DUMMY_SEAL,
    }


async def joining(roles: Roles, role: str) -> tuple[str | None, Body]:
    fresh = await roles.api.invite_and_register(roles.world.admin, "client", "Fresh")
    await roles.world.moderator.client.groups.invite(roles.group, fresh.user_id)
    body = await fresh.client.groups.join_body(roles.group, f"Fresh {fresh.user_id[:8]}")
    return f"/api/groups/{roles.group}/join", body


async def posting(roles: Roles, role: str) -> tuple[str | None, Body]:
    body = await poster(roles, role).client.groups.post_body(roles.group, "hello")
    return f"/api/groups/{roles.group}/posts", body


async def fresh_member(roles: Roles) -> str:
    fresh = await roles.api.invite_and_register(roles.world.admin, "client", "Fresh")
    member_id = await roles.world.moderator.client.groups.invite(roles.group, fresh.user_id)
    await fresh.client.groups.join(roles.group, f"Fresh {fresh.user_id[:8]}")
    return member_id


async def muting(roles: Roles, role: str) -> tuple[str | None, Body]:
    member_id = await fresh_member(roles)
    until = (roles.api.context.clock.now() + timedelta(hours=1)).isoformat()
    return f"/api/groups/{roles.group}/members/{member_id}/mute", {"until": until}


async def removing(roles: Roles, role: str) -> tuple[str | None, Body]:
    member_id = await fresh_member(roles)
    body = await roles.world.moderator.client.groups.removal_body(roles.group, member_id)
    return f"/api/groups/{roles.group}/members/{member_id}/remove", body


async def held(roles: Roles) -> str:
    return str((await roles.people["member"].client.groups.post(roles.group, "held"))["id"])


async def approving(roles: Roles, role: str) -> tuple[str | None, Body]:
    message_id = await held(roles)
    body = {"release": b64encode(bytes(81))}
    if role == "moderator":
        body = await roles.world.moderator.client.groups.approval_body(roles.group, message_id)
    return f"/api/group-posts/{message_id}/approve", body


async def rejecting(roles: Roles, role: str) -> tuple[str | None, Body]:
    return f"/api/group-posts/{await held(roles)}/reject", {"reason": "no"}


async def delivered(roles: Roles) -> str:
    return str((await roles.world.moderator.client.groups.post(roles.group, "seen"))["id"])


async def removing_post(roles: Roles, role: str) -> tuple[str | None, Body]:
    return f"/api/group-posts/{await delivered(roles)}/remove", {"reason": "no"}


async def reporting(roles: Roles, role: str) -> tuple[str | None, Body]:
    message_id = await delivered(roles)
    groups = poster(roles, role).client.groups
    [post] = [p for p in await groups.posts(roles.group) if p.id == message_id]
    return f"/api/group-posts/{message_id}/report", await groups.report_body(roles.group, post, 2)


async def resolving(roles: Roles, role: str) -> tuple[str | None, Body]:
    path, body = await reporting(roles, "member")
    assert path is not None
    report = await roles.people["member"].client.request("POST", path, body)
    return f"/api/group-reports/{report['id']}/resolve", {}


async def withdrawing(roles: Roles, role: str) -> tuple[str | None, Body]:
    fresh = await roles.api.invite_and_register(roles.world.admin, "client", "Fresh")
    member_id = await roles.world.moderator.client.groups.invite(roles.group, fresh.user_id)
    return f"/api/groups/{roles.group}/invitations/{member_id}/withdraw", {}


async def rekeying(roles: Roles, role: str) -> tuple[str | None, Body]:
    body = await roles.world.moderator.client.groups.rekey_body(roles.group)
    return f"/api/groups/{roles.group}/rekey", body


TABLE: list[tuple[str, str, Builder, dict[str, int]]] = [
    ("GET", "/api/groups", nothing, EVERYONE),
    ("POST", "/api/groups", creation, ADMINS),
    ("GET", "/api/clinic/groups", nothing, ADMINS),
    ("GET", "/api/groups/{thread_id}", at(""), READERS),
    ("GET", "/api/groups/{thread_id}/commits", at("/commits"), READERS),
    ("POST", "/api/groups/{thread_id}/moderators", naming, {**ADMINS, "other_clinic": 404}),
    ("POST", "/api/groups/{thread_id}/invitations", inviting, MODERATORS),
    ("POST", "/api/groups/{thread_id}/join", joining, NOBODY),
    ("GET", "/api/groups/{thread_id}/posts", at("/posts"), READERS),
    ("POST", "/api/groups/{thread_id}/posts", posting, POSTERS),
    ("GET", "/api/groups/{thread_id}/my-posts", at("/my-posts"), READERS),
    ("POST", "/api/groups/{thread_id}/read", at("/read", {"seq": 0}), READERS),
    ("GET", "/api/groups/{thread_id}/queue", at("/queue"), MODERATORS),
    ("POST", "/api/groups/{thread_id}/members/{member_id}/mute", muting, MODERATORS),
    ("POST", "/api/groups/{thread_id}/members/{member_id}/remove", removing, MODERATORS),
    ("POST", "/api/group-posts/{message_id}/approve", approving, MODERATORS),
    ("POST", "/api/group-posts/{message_id}/reject", rejecting, MODERATORS),
    ("POST", "/api/group-posts/{message_id}/remove", removing_post, MODERATORS),
    ("POST", "/api/group-posts/{message_id}/report", reporting, READERS),
    ("POST", "/api/group-reports/{report_id}/resolve", resolving, MODERATORS),
    # Only staff ever list the clinic's clients: a client gets 403 whatever their place.
    (
        "GET",
        "/api/groups/{thread_id}/candidates",
        at("/candidates"),
        {**MODERATORS, "removed": 403, "non_member": 403},
    ),
    (
        "POST",
        "/api/groups/{thread_id}/invitations/{member_id}/withdraw",
        withdrawing,
        MODERATORS,
    ),
    ("POST", "/api/groups/{thread_id}/rekey", rekeying, MODERATORS),
]


def test_every_group_route_has_a_row() -> None:
    group_routes = {
        (method, path)
        for method, path in registered_http_routes()
        if path.startswith(("/api/groups", "/api/group-", "/api/clinic/groups"))
    }
    assert group_routes == {(method, path) for method, path, _, _ in TABLE}


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"], indirect=True)
async def test_each_place_in_a_group_gets_exactly_the_access_the_table_says(api: Api) -> None:
    roles = await build_roles(api)
    mismatches = []
    for method, template, build, expect in TABLE:
        for role in ROLES:
            path, body = await build(roles, role)
            status = await call(roles.people[role].client, method, path or template, body)
            if (status // 100 == 2) != (expect[role] == 200) or (
                expect[role] != 200 and status != expect[role]
            ):
                mismatches.append(
                    f"{method} {template} as {role}: got {status}, expected {expect[role]}"
                )
    assert mismatches == []
