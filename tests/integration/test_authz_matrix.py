"""Who may call what: every HTTP route and Socket.IO event, as every role.

The table below is the specification. A route or socket event registered in the app
without an entry here fails `test_every_route_and_socket_event_has_an_entry`, so nothing
new ships without deciding who may use it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from starlette.routing import Mount, Route

from messaging.settings import load_settings
from messaging.storage.tables import sessions
from tests.support.world import PASSWORD, Api, Person, unique_email
from web.app import http_routes
from web.client import ApiError, InterludeClient, invitation_token
from web.pages import load_index_page
from web.realtime import RealtimeNamespace

ROLES = ("anonymous", "admin", "therapist", "client", "other_admin", "disabled", "expired")
ACTIVE = ("admin", "therapist", "client", "other_admin")
DEAD = ("anonymous", "disabled", "expired")


@dataclass
class World:
    api: Api
    admin: Person
    therapist: Person
    client: Person
    other_admin: Person
    callers: dict[str, InterludeClient] = field(default_factory=dict)

    def person(self, role: str) -> Person:
        return getattr(self, role)  # type: ignore[no-any-return]

    async def fresh_client(self) -> Person:
        return await self.api.invite_and_register(self.admin, "client", "Fresh Client")


Request = tuple[str | None, dict[str, Any] | None]  # (path, body)
Builder = Callable[[World, str], Awaitable[Request]]


@dataclass(frozen=True)
class Case:
    """A route and, for each role, the status it must get (2xx written as 200)."""

    method: str
    path: str
    build: Builder
    expect: dict[str, int]


def self_service(build: Builder) -> Callable[[str, str], Case]:
    def case(method: str, path: str) -> Case:
        return Case(method, path, build, {**dict.fromkeys(ACTIVE, 200), **dict.fromkeys(DEAD, 401)})

    return case


def admin_only(method: str, path: str, build: Builder, *, clinic_wide: bool) -> Case:
    """Admins of the clinic may; others' roles get 403; another clinic's admin gets 404 for
    this clinic's objects, or their own clinic's data (200) for clinic-wide routes."""
    return Case(
        method,
        path,
        build,
        {
            "admin": 200,
            "therapist": 403,
            "client": 403,
            "other_admin": 200 if clinic_wide else 404,
            **dict.fromkeys(DEAD, 401),
        },
    )


def public(method: str, path: str, build: Builder, status: int = 200) -> Case:
    return Case(method, path, build, dict.fromkeys(ROLES, status))


async def nothing(world: World, role: str) -> Request:
    return None, None


async def own_other_session(world: World, role: str) -> Request:
    if role in DEAD:
        return f"/api/sessions/{uuid.uuid4()}", None
    person = world.person(role)
    other = world.api.new_client("second device")
    await other.login(person.email, PASSWORD)
    mine = [s for s in await other.sessions() if s["current"]]
    return f"/api/sessions/{mine[0]['id']}", None


async def password_change(world: World, role: str) -> Request:
    person = world.person("admin" if role in DEAD else role)
    return None, await person.client.password_change_body(PASSWORD, PASSWORD)


async def prelogin_body(world: World, role: str) -> Request:
    return None, {"email": world.client.email}


async def wrong_login(world: World, role: str) -> Request:
    return None, {"email": unique_email("nobody"), "auth_key": "A" * 43}


async def wrong_recovery(world: World, role: str) -> Request:
    return None, {"email": unique_email("nobody"), "recovery_auth_key": "A" * 43}


async def open_invitation(world: World, role: str) -> Request:
    invitation = await world.admin.client.invite(unique_email("invitee"), "Invitee", "client")
    return f"/api/invitations/{invitation_token(invitation['link'])}", None


async def invitation_to_accept(world: World, role: str) -> Request:
    path, _ = await open_invitation(world, role)
    return f"{path}/accept", {}


async def new_invitation(world: World, role: str) -> Request:
    return None, {"email": unique_email("invitee"), "display_name": "New Person", "role": "client"}


async def invitation_to_revoke(world: World, role: str) -> Request:
    invitation = await world.admin.client.invite(unique_email("invitee"), "Invitee", "client")
    return f"/api/clinic/invitations/{invitation['id']}", None


async def person_to_disable(world: World, role: str) -> Request:
    target = await world.fresh_client() if role == "admin" else world.client
    return f"/api/clinic/people/{target.user_id}/disable", None


async def pair_to_assign(world: World, role: str) -> Request:
    return f"/api/clinic/care-team/{world.therapist.user_id}/{world.client.user_id}", None


async def pair_to_unassign(world: World, role: str) -> Request:
    await world.admin.client.assign(world.therapist.user_id, world.client.user_id)
    return f"/api/clinic/care-team/{world.therapist.user_id}/{world.client.user_id}", None


MATRIX: list[Case] = [
    public("GET", "/healthz", nothing),
    public("GET", "/readyz", nothing),
    public("GET", "/", nothing),
    public("POST", "/api/prelogin", prelogin_body),
    public("POST", "/api/login", wrong_login, 401),
    public("POST", "/api/recovery/begin", wrong_recovery, 401),
    public("POST", "/api/recovery/complete", nothing, 422),
    public("GET", "/api/invitations/{token}", open_invitation),
    public("POST", "/api/invitations/{token}/accept", invitation_to_accept, 422),
    self_service(nothing)("GET", "/api/me"),
    self_service(nothing)("GET", "/api/sessions"),
    self_service(nothing)("POST", "/api/sessions/end-others"),
    self_service(own_other_session)("DELETE", "/api/sessions/{session_id}"),
    self_service(password_change)("POST", "/api/me/password"),
    admin_only("POST", "/api/clinic/invitations", new_invitation, clinic_wide=True),
    admin_only("GET", "/api/clinic/invitations", nothing, clinic_wide=True),
    admin_only(
        "DELETE", "/api/clinic/invitations/{invitation_id}", invitation_to_revoke, clinic_wide=False
    ),
    admin_only("GET", "/api/clinic/people", nothing, clinic_wide=True),
    admin_only(
        "POST", "/api/clinic/people/{user_id}/disable", person_to_disable, clinic_wide=False
    ),
    admin_only("GET", "/api/clinic/care-team", nothing, clinic_wide=True),
    admin_only(
        "PUT", "/api/clinic/care-team/{therapist_id}/{client_id}", pair_to_assign, clinic_wide=False
    ),
    admin_only(
        "DELETE",
        "/api/clinic/care-team/{therapist_id}/{client_id}",
        pair_to_unassign,
        clinic_wide=False,
    ),
    admin_only("GET", "/api/clinic/audit", nothing, clinic_wide=True),
    # Last: it ends the caller's session.
    self_service(nothing)("POST", "/api/logout"),
]

# Socket.IO events and who may use them. At this stage the socket carries no private
# data and connecting needs no session.
SOCKET_EVENTS: dict[str, dict[str, int]] = {
    "connect": dict.fromkeys(ROLES, 200),
    "disconnect": dict.fromkeys(ROLES, 200),
}

STATIC_PREFIXES = ("/static", "/vendor")


def registered_http_routes() -> set[tuple[str, str]]:
    settings = load_settings(
        {"INTERLUDE_DATA_DIR": "/tmp/interlude-authz", "INTERLUDE_SECRET_KEY": "k" * 40}
    )
    found = set()
    for route in http_routes(settings, load_index_page()):
        if isinstance(route, Mount) or route.path.startswith(STATIC_PREFIXES):
            continue
        assert isinstance(route, Route)
        for method in route.methods or ():
            if method != "HEAD":
                found.add((method, route.path))
    return found


def test_every_route_and_socket_event_has_an_entry() -> None:
    assert registered_http_routes() == {(case.method, case.path) for case in MATRIX}
    socket_events = {name[3:] for name in dir(RealtimeNamespace) if name.startswith("on_")}
    assert socket_events == set(SOCKET_EVENTS)
    for case in MATRIX:
        assert set(case.expect) == set(ROLES), f"{case.method} {case.path} misses a role"


async def build_world(api: Api) -> World:
    admin = await api.create_clinic()
    world = World(
        api=api,
        admin=admin,
        therapist=await api.invite_and_register(admin, "therapist", "Dr. Rivera"),
        client=await api.invite_and_register(admin, "client", "Sam"),
        other_admin=await api.create_clinic("Another Clinic"),
    )
    for role in ACTIVE:
        world.callers[role] = world.person(role).client
    world.callers["anonymous"] = api.new_client()

    disabled = await world.fresh_client()
    await admin.client.disable(disabled.user_id)
    world.callers["disabled"] = disabled.client

    expired = await world.fresh_client()
    async with api.database.unit_of_work() as uow:
        await uow.session.execute(
            update(sessions)
            .where(sessions.c.user_id == uuid.UUID(expired.user_id))
            .values(expires_at=api.context.clock.now() - timedelta(seconds=1))
        )
        await uow.commit()
    world.callers["expired"] = expired.client
    return world


def concrete(path_template: str) -> str:
    return path_template.replace("{token}", "x").replace("{session_id}", str(uuid.uuid4()))


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"], indirect=True)
async def test_each_role_gets_exactly_the_access_the_matrix_says(api: Api) -> None:
    world = await build_world(api)
    mismatches = []
    for case in MATRIX:
        for role in ROLES:
            path, body = await case.build(world, role)
            status = await call(world.callers[role], case.method, path or concrete(case.path), body)
            expected = case.expect[role]
            if (status // 100 == 2) != (expected == 200) or (
                expected != 200 and status != expected
            ):
                mismatches.append(
                    f"{case.method} {case.path} as {role}: got {status}, expected {expected}"
                )
    assert mismatches == []


async def call(client: InterludeClient, method: str, path: str, body: dict[str, Any] | None) -> int:
    try:
        await client.request(
            method, path, body if body is not None or method in ("GET", "DELETE") else {}
        )
    except ApiError as error:
        return error.status
    return 200
