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
import socketio
from sqlalchemy import update
from starlette.routing import Mount, Route

from crypto import b64decode, b64encode, parse_public_bundle
from crypto.group_labels import create_admin_key, seal_admin_key, sign_admin_key
from crypto.intake import create_intake_key, seal_intake_key, seal_request, solve_pow
from messaging import jobs, preferences
from messaging.settings import load_settings
from messaging.storage.tables import jobs as job_table
from messaging.storage.tables import sessions
from tests.support.world import PASSWORD, Api, Person, unique_email
from web.app import http_routes
from web.client import ApiError, InterludeClient, invitation_token
from web.pages import load_index_page
from web.realtime import RealtimeNamespace
from web.sdk_realtime import Realtime

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
    thread_id: str = ""
    callers: dict[str, InterludeClient] = field(default_factory=dict)
    group_id: str = ""

    def person(self, role: str) -> Person:
        return getattr(self, role)  # type: ignore[no-any-return]

    async def fresh_client(self) -> Person:
        return await self.api.invite_and_register(self.admin, "client", "Fresh Client")


# (path, body) and optionally (path, body, the client to call as instead of the role's own)
Request = tuple[str | None, dict[str, Any] | None] | tuple[str, dict[str, Any], InterludeClient]
Builder = Callable[[World, str], Awaitable[Request]]


@dataclass(frozen=True)
class Case:
    """A route and, for each role, the status it must get (2xx written as 200)."""

    method: str
    path: str
    build: Builder
    expect: dict[str, int]


def members_only(method: str, path: str, build: Builder) -> Case:
    """The thread's members (the client and their therapist) may; an admin who is not a
    member, and another clinic's admin, get 404 (the thread's existence is not revealed)."""
    return Case(
        method,
        path,
        build,
        {
            "admin": 404,
            "therapist": 200,
            "client": 200,
            "other_admin": 404,
            **dict.fromkeys(DEAD, 401),
        },
    )


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
    client = await world.fresh_client() if role == "admin" else world.client
    return f"/api/clinic/care-team/{world.therapist.user_id}/{client.user_id}", None


async def pair_to_unassign(world: World, role: str) -> Request:
    """A pair that exists; for the admin, one whose removal leaves the world's thread alone."""
    client = await world.fresh_client() if role == "admin" else world.client
    await world.admin.client.assign(world.therapist.user_id, client.user_id)
    return f"/api/clinic/care-team/{world.therapist.user_id}/{client.user_id}", None


def speaker(world: World, role: str) -> Person:
    """The role's own member account, or the client's for roles that are not members."""
    return world.person(role) if role in ("therapist", "client") else world.client


async def thread_path(world: World, role: str) -> Request:
    return f"/api/threads/{world.thread_id}", None


async def roster_path(world: World, role: str) -> Request:
    return f"/api/threads/{world.thread_id}/roster", None


async def commits_path(world: World, role: str) -> Request:
    return f"/api/threads/{world.thread_id}/commits", None


async def messages_path(world: World, role: str) -> Request:
    return f"/api/threads/{world.thread_id}/messages", None


async def next_commit(world: World, role: str) -> Request:
    commit = await speaker(world, role).client.threads.next_commit(world.thread_id)
    return f"/api/threads/{world.thread_id}/commits", {"commit": b64encode(commit)}


async def new_message(world: World, role: str) -> Request:
    threads = speaker(world, role).client.threads
    await threads.load(world.thread_id)  # other roles' commits may have moved the epoch
    envelope = await threads.seal(world.thread_id, "hello")
    return f"/api/threads/{world.thread_id}/messages", {"envelope": b64encode(envelope)}


async def read_position(world: World, role: str) -> Request:
    return f"/api/threads/{world.thread_id}/read", {"seq": 0}


async def own_message(world: World, role: str) -> Request:
    author = speaker(world, role)
    await author.client.threads.load(world.thread_id)
    sent = await author.client.threads.send(world.thread_id, "to change")
    envelope = await author.client.threads.seal(world.thread_id, "changed")
    return f"/api/messages/{sent['id']}", {"envelope": b64encode(envelope)}


async def client_roster(world: World, role: str) -> Request:
    return f"/api/direct/{world.client.user_id}", None


async def opening(world: World, role: str) -> Request:
    """A fresh client of the therapist's, whose thread is not open yet."""
    fresh = await world.fresh_client()
    await world.admin.client.assign(world.therapist.user_id, fresh.user_id)
    opener = fresh if role == "client" else world.therapist
    roster = await opener.client.request("GET", f"/api/direct/{fresh.user_id}")
    _, body, _ = opener.client.threads.opening(roster)
    path = f"/api/direct/{fresh.user_id}"
    return (path, body, fresh.client) if role == "client" else (path, body)


async def someones_public_key(world: World, role: str) -> Request:
    return f"/api/users/{world.therapist.user_id}/public-key", None


async def someones_key_by_id(world: World, role: str) -> Request:
    key = await world.therapist.client.request(
        "GET", f"/api/users/{world.therapist.user_id}/public-key"
    )
    return f"/api/users/{world.therapist.user_id}/keys/{key['key_id']}", None


async def identity_replacement(world: World, role: str) -> Request:
    person = world.person("admin" if role in DEAD else role)
    return None, person.client.identity_replacement_body()


async def unsubscribe_link(world: World, role: str) -> Request:
    token = preferences.unsubscribe_token(
        world.api.context, uuid.UUID(world.client.user_id), "reminders"
    )
    return f"/api/unsubscribe/{token}", {}


async def preference_choices(world: World, role: str) -> Request:
    person = world.person("admin" if role in DEAD else role)
    return None, await person.client.request("GET", "/api/me/notifications")


async def dead_email(world: World, role: str) -> Request:
    """An email job of the admin's clinic that failed for good."""
    now = world.api.context.clock.now()
    clinic_id = uuid.UUID((await world.admin.client.me())["clinic"]["id"])
    async with world.api.database.unit_of_work() as uow:
        job_id = await jobs.enqueue(
            uow,
            "email.security_notice",
            {"user_id": world.client.user_id, "notice": "password_changed"},
            now=now,
            clinic_id=clinic_id,
        )
        await uow.session.execute(
            update(job_table).where(job_table.c.id == job_id).values(state="dead", last_error="550")
        )
        await uow.commit()
    return f"/api/clinic/failed-emails/{job_id}/retry", None


THERAPIST_SELF = {
    "admin": 403,
    "therapist": 200,
    "client": 403,
    "other_admin": 403,
    **dict.fromkeys(DEAD, 401),
}
THERAPIST_MEMBER = {
    "admin": 403,
    "therapist": 200,
    "client": 403,
    "other_admin": 404,
    **dict.fromkeys(DEAD, 401),
}

WEEKDAYS = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


async def schedule_body(world: World, role: str) -> Request:
    return None, {
        "time_zone": "Europe/Berlin",
        "hours": WEEKDAYS,
        "days_off": [],
        "away_message": "Away",
        "commitment": {"amount": 1, "unit": "days"},
    }


def _window(world: World) -> dict[str, str]:
    starts = world.api.context.clock.now() + timedelta(hours=1)
    return {
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(minutes=50)).isoformat(),
    }


async def expectations_path(world: World, role: str) -> Request:
    return f"/api/threads/{world.thread_id}/expectations", None


async def new_live_session(world: World, role: str) -> Request:
    return f"/api/threads/{world.thread_id}/live-sessions", _window(world)


async def existing_live_session(world: World, role: str) -> Request:
    session = await world.therapist.client.request(
        "POST", f"/api/threads/{world.thread_id}/live-sessions", _window(world)
    )
    return f"/api/live-sessions/{session['id']}", _window(world)


async def scheduled_path(world: World, role: str) -> Request:
    return f"/api/threads/{world.thread_id}/scheduled", None


async def new_scheduled(world: World, role: str) -> Request:
    threads = speaker(world, role).client.threads
    await threads.load(world.thread_id)
    envelope = await threads.seal(world.thread_id, "later")
    deliver_at = (world.api.context.clock.now() + timedelta(hours=1)).isoformat()
    return f"/api/threads/{world.thread_id}/scheduled", {
        "envelope": b64encode(envelope),
        "deliver_at": deliver_at,
    }


async def own_scheduled(world: World, role: str) -> Request:
    author = speaker(world, role).client.threads
    await author.load(world.thread_id)
    later = world.api.context.clock.now() + timedelta(hours=2)
    held = await author.send_later(world.thread_id, "later", later)
    envelope = await author.seal(world.thread_id, "later still")
    return f"/api/scheduled/{held['id']}", {
        "envelope": b64encode(envelope),
        "deliver_at": later.isoformat(),
    }


async def clients_message(world: World, role: str) -> Request:
    """A message the world's client wrote (theirs to flag; nobody else's)."""
    await world.client.client.threads.load(world.thread_id)
    sent = await world.client.client.threads.send(world.thread_id, "urgent")
    return f"/api/messages/{sent['id']}/urgent", {}


async def urgent_thread_path(world: World, role: str) -> Request:
    return f"/api/threads/{world.thread_id}/urgent", None


async def urgent_flag(world: World, role: str) -> Request:
    path, _ = await clients_message(world, role)  # type: ignore[misc]
    flagged = await world.client.client.request("POST", path, {})
    return f"/api/urgent/{flagged['flag']['id']}/acknowledge", {}


async def no_on_call(world: World, role: str) -> Request:
    return None, {"user_ids": []}


async def own_deletion(world: World, role: str) -> Request:
    """A fresh client deletes their own account (the world's people stay)."""
    if role != "client":
        return None, {"current_auth_key": "A" * 43}
    fresh = await world.fresh_client()
    _, auth_key = await fresh.client._current_auth_key(fresh.password)
    return "/api/me/delete", {"current_auth_key": b64encode(auth_key)}, fresh.client


async def person_to_delete(world: World, role: str) -> Request:
    target = await world.fresh_client() if role == "admin" else world.client
    return f"/api/clinic/people/{target.user_id}/delete", {}


async def request_to_hand_over(world: World, role: str) -> Request:
    """For the admin, a request whose invitation was accepted; a sealed note is opaque."""
    path, body = await request_to_answer(world, role)  # type: ignore[misc]
    if role == "admin":
        invited = await world.admin.client.request("POST", path, body)
        await world.api.register(invitation_token(invited["link"]), invited["email"])
    return path.replace("/invite", "/handover"), {"sealed_note": "AAAA"}


CLIENT_SELF = {
    "admin": 403,
    "therapist": 403,
    "client": 200,
    "other_admin": 403,
    **dict.fromkeys(DEAD, 401),
}
DAILY = {"repeat": "daily", "time": "20:00"}


async def new_entry(world: World, role: str) -> Request:
    entry_id = str(uuid.uuid4())
    blob = world.client.client.journal.seal(entry_id, {"body": "hello"})
    return None, {"id": entry_id, "blob": b64encode(blob)}


async def own_entry(world: World, role: str) -> Request:
    entry = await world.client.client.journal.write({"body": "mine"})
    blob = world.client.client.journal.seal(entry.id, {"body": "changed"})
    return f"/api/journal/entries/{entry.id}", {"blob": b64encode(blob)}


async def own_draft(world: World, role: str) -> Request:
    draft_id = str(uuid.uuid4())
    await world.client.client.journal.save_draft(draft_id, {"body": "half"})
    blob = world.client.client.journal.seal(draft_id, {"body": "more"}, draft=True)
    return f"/api/journal/drafts/{draft_id}", {"blob": b64encode(blob)}


async def entry_to_share(world: World, role: str) -> Request:
    entry = await world.client.client.journal.write({"body": "to share"})
    body = await world.client.client.journal.share_body(entry.id)
    return f"/api/journal/entries/{entry.id}/shares", body


async def unopened_share(world: World, role: str) -> Request:
    entry = await world.client.client.journal.write({"body": "shared"})
    share = await world.client.client.journal.share(entry.id)
    return f"/api/journal/shares/{share['id']}", None


async def opened_share(world: World, role: str) -> Request:
    path, _ = await unopened_share(world, role)
    share_id = str(path).rsplit("/", 1)[1]
    await world.therapist.client.journal.open_shared(share_id)
    return f"/api/journal/shares/{share_id}/hide", None


async def share_to_open(world: World, role: str) -> Request:
    path, _ = await unopened_share(world, role)
    return f"/api/shared-entries/{str(path).rsplit('/', 1)[1]}/open", None


async def shared_entries_path(world: World, role: str) -> Request:
    return f"/api/threads/{world.thread_id}/shared-entries", None


async def client_prompts_path(world: World, role: str) -> Request:
    await world.therapist.client.threads.load(world.thread_id)
    body = await world.therapist.client.journal.prompt_body(
        world.client.user_id, "What helped today?", DAILY
    )
    return f"/api/clients/{world.client.user_id}/prompts", body


async def existing_prompt(world: World, role: str) -> Request:
    await world.therapist.client.threads.load(world.thread_id)
    prompt = await world.therapist.client.journal.create_prompt(
        world.client.user_id, "What helped today?", DAILY
    )
    return f"/api/prompts/{prompt['id']}", {"schedule": DAILY}


async def prompt_state(world: World, role: str) -> Request:
    path, _ = await existing_prompt(world, role)
    return f"{path}/state", {"state": "paused"}


async def keep_until_deleted(world: World, role: str) -> Request:
    return None, {"years": None}


async def export_path(world: World, role: str) -> Request:
    return f"/api/threads/{world.thread_id}/export", {}


async def consultation_page(world: World, role: str) -> Request:
    """The clinic's open public page (set up once by its admin)."""
    clinic_id = (await world.admin.client.me())["clinic"]["id"]
    settings = await world.admin.client.request("GET", "/api/clinic/consultation-page")
    if not settings["consultation_open"]:
        await world.admin.client.consultations.create_intake_key()
        await world.admin.client.request(
            "PUT",
            "/api/clinic/consultation-page",
            {"open": True, "text": "Welcome", "retention_days": 30},
        )
    return f"/api/public/clinics/{clinic_id}/consultation", None


async def consultation_form(world: World, role: str) -> Request:
    """A well-formed request; the clock moves past the per-address hourly limit first."""
    world.api.context.clock.advance(timedelta(minutes=61))  # type: ignore[attr-defined]
    path, _ = await consultation_page(world, role)  # type: ignore[misc]
    page = await world.api.new_client().request("GET", path)
    clinic_id = uuid.UUID(path.split("/")[4])
    sealed = seal_request(b"{}", b64decode(page["intake_public_key"]), clinic_id)
    nonce = solve_pow(page["challenge"].encode(), page["pow_bits"])
    return path, {
        "sealed": b64encode(sealed),
        "challenge": page["challenge"],
        "nonce": b64encode(nonce),
    }


async def page_settings(world: World, role: str) -> Request:
    return None, {"open": False, "text": "", "retention_days": 30}


async def intake_key(world: World, role: str) -> Request:
    person = world.person("admin" if role in DEAD else role)
    if role in ("admin", "other_admin"):
        mine = await person.client.me()
        public, secret = create_intake_key()
        bundle = await person.client.request("GET", f"/api/users/{mine['user']['id']}/public-key")
        box_pk = parse_public_bundle(b64decode(bundle["public_bundle"])).box_pk
        clinic_id = uuid.UUID(mine["clinic"]["id"])
        seal = seal_intake_key(secret, box_pk, clinic_id)
        return None, {
            "public_key": b64encode(public),
            "seals": {mine["user"]["id"]: b64encode(seal)},
        }
    return None, {"public_key": b64encode(bytes(32)), "seals": {}}


async def admin_key(world: World, role: str) -> Request:
    """The next admin key, sealed to every active admin of the actor's clinic."""
    person = world.person("admin" if role in DEAD else role)
    if role not in ("admin", "other_admin"):
        return None, {
            "generation": 1,
            "public_key": b64encode(bytes(32)),
            "seals": {},
            "signature": b64encode(bytes(64)),
        }
    mine = await person.client.me()
    clinic_id = uuid.UUID(mine["clinic"]["id"])
    current = await person.client.request("GET", "/api/clinic/admin-key")
    generation = current["generation"] + 1
    public, secret = create_admin_key()
    seals = {}
    for admin_id in current["admins"]:
        bundle = await person.client.request("GET", f"/api/users/{admin_id}/public-key")
        box_pk = parse_public_bundle(b64decode(bundle["public_bundle"])).box_pk
        seals[admin_id] = b64encode(seal_admin_key(secret, clinic_id, generation, box_pk))
    assert person.client.unlocked is not None
    signature = sign_admin_key(person.client.unlocked.identity, clinic_id, generation, public)
    return None, {
        "generation": generation,
        "public_key": b64encode(public),
        "seals": seals,
        "signature": b64encode(signature),
    }


async def consultation_request(world: World, role: str) -> Request:
    path, body = await consultation_form(world, role)  # type: ignore[misc]
    await world.api.new_client().request("POST", path or "", body)
    [latest] = [
        r
        for r in (await world.admin.client.request("GET", "/api/clinic/consultations"))["requests"]
        if r["state"] == "open"
    ][-1:]
    return f"/api/clinic/consultations/{latest['id']}", None


async def request_to_decline(world: World, role: str) -> Request:
    path, _ = await consultation_request(world, role)  # type: ignore[misc]
    return f"{path}/decline", {}


async def request_to_answer(world: World, role: str) -> Request:
    path, _ = await consultation_request(world, role)  # type: ignore[misc]
    return f"{path}/invite", {"email": unique_email("prospect"), "display_name": "Jo"}


STAFF_SELF = {
    "admin": 200,
    "therapist": 200,
    "client": 403,
    "other_admin": 200,
    **dict.fromkeys(DEAD, 401),
}


async def crisis_resources_path(world: World, role: str) -> Request:
    clinic_id = (await world.admin.client.me())["clinic"]["id"]
    return f"/api/clinics/{clinic_id}/crisis-resources", None


async def crisis_resources_body(world: World, role: str) -> Request:
    return None, {"resources": [{"name": "Night line", "phone": "0800 000 000"}]}


async def history_seals_path(world: World, role: str) -> Request:
    return f"/api/threads/{world.thread_id}/history-seals", None


async def not_a_grant(world: World, role: str) -> Request:
    return f"/api/threads/{world.thread_id}/history-grants", {"grant": "AQ"}


async def marks_body(world: World, role: str) -> Request:
    """A first save for the active roles (each saves once in the walk)."""
    return None, {"trust": b64encode(bytes([1]) + bytes(60)), "version": 0}


async def new_name(world: World, role: str) -> Request:
    return None, {"display_name": f"Renamed {role}"}


# Group threads: a pre-moderated group of the admin's clinic with the therapist as its
# moderator and the client as a member; the admin created it but is not a member.
GROUP_MODERATOR = {
    "admin": 404,
    "therapist": 200,
    "client": 403,
    "other_admin": 404,
    **dict.fromkeys(DEAD, 401),
}
DUMMY_SEAL = b64encode(bytes(105))
DUMMY_RELEASE = b64encode(bytes(81))


async def the_group(world: World) -> str:
    if not world.group_id:
        world.group_id = await world.admin.client.groups.create(
            policy="premoderated",
            title="Matrix group",
            description="",
            guidelines="",
            moderators=[world.therapist.user_id],
        )
        await world.therapist.client.groups.join(world.group_id, "Moderator")
        await world.therapist.client.groups.invite(world.group_id, world.client.user_id)
        await world.client.client.groups.join(world.group_id, "Member")
    return world.group_id


async def joined_client(world: World) -> tuple[Person, str]:
    """A fresh client who joined the group, and their member id."""
    group = await the_group(world)
    fresh = await world.fresh_client()
    member_id = await world.therapist.client.groups.invite(group, fresh.user_id)
    await fresh.client.groups.join(group, f"Fresh {fresh.user_id[:8]}")
    return fresh, member_id


async def group_creation(world: World, role: str) -> Request:
    creator = world.person(role) if role in ("admin", "other_admin") else world.admin
    return None, await creator.client.groups.creation_body(
        policy="open",
        title="New group",
        description="",
        guidelines="",
        moderators=[creator.user_id],
    )


async def group_path(world: World, role: str) -> Request:
    return f"/api/groups/{await the_group(world)}", None


async def group_commits(world: World, role: str) -> Request:
    return f"/api/groups/{await the_group(world)}/commits", None


async def group_posts(world: World, role: str) -> Request:
    return f"/api/groups/{await the_group(world)}/posts", None


async def group_my_posts(world: World, role: str) -> Request:
    return f"/api/groups/{await the_group(world)}/my-posts", None


async def group_queue(world: World, role: str) -> Request:
    return f"/api/groups/{await the_group(world)}/queue", None


async def group_read(world: World, role: str) -> Request:
    return f"/api/groups/{await the_group(world)}/read", {"seq": 0}


async def moderator_to_name(world: World, role: str) -> Request:
    group = await the_group(world)
    named = world.therapist
    if role == "admin":
        named = await world.api.invite_and_register(world.admin, "therapist", "Dr. New")
    return f"/api/groups/{group}/moderators", {"user_id": named.user_id, "info_seal": DUMMY_SEAL}


async def client_to_invite(world: World, role: str) -> Request:
    group = await the_group(world)
    fresh = await world.fresh_client()
    return f"/api/groups/{group}/invitations", {"user_id": fresh.user_id, "info_seal": DUMMY_SEAL}


async def group_joining(world: World, role: str) -> Request:
    group = await the_group(world)
    path = f"/api/groups/{group}/join"
    fresh = await world.fresh_client()
    await world.therapist.client.groups.invite(group, fresh.user_id)
    body = await fresh.client.groups.join_body(group, f"Joiner {role}")
    # The client role joins as a fresh invitee; every other role presents the same body.
    return (path, body, fresh.client) if role == "client" else (path, body)


async def group_post(world: World, role: str) -> Request:
    group = await the_group(world)
    return f"/api/groups/{group}/posts", await speaker(world, role).client.groups.post_body(
        group, "hello group"
    )


async def member_to_mute(world: World, role: str) -> Request:
    group = await the_group(world)
    _, member_id = await joined_client(world)
    until = (world.api.context.clock.now() + timedelta(hours=1)).isoformat()
    return f"/api/groups/{group}/members/{member_id}/mute", {"until": until}


async def member_to_remove(world: World, role: str) -> Request:
    group = await the_group(world)
    _, member_id = await joined_client(world)
    body = await world.therapist.client.groups.removal_body(group, member_id)
    return f"/api/groups/{group}/members/{member_id}/remove", body


async def held_post(world: World) -> str:
    group = await the_group(world)
    return str((await world.client.client.groups.post(group, "held"))["id"])


async def post_to_approve(world: World, role: str) -> Request:
    message_id = await held_post(world)
    body = {"release": DUMMY_RELEASE}
    if role == "therapist":
        body = await world.therapist.client.groups.approval_body(world.group_id, message_id)
    return f"/api/group-posts/{message_id}/approve", body


async def post_to_reject(world: World, role: str) -> Request:
    return f"/api/group-posts/{await held_post(world)}/reject", {"reason": "no"}


async def delivered_post(world: World) -> str:
    group = await the_group(world)
    return str((await world.therapist.client.groups.post(group, "visible"))["id"])


async def post_to_remove(world: World, role: str) -> Request:
    return f"/api/group-posts/{await delivered_post(world)}/remove", {"reason": "no"}


async def post_to_report(world: World, role: str) -> Request:
    message_id = await delivered_post(world)
    groups = speaker(world, role).client.groups
    [post] = [p for p in await groups.posts(world.group_id) if p.id == message_id]
    return f"/api/group-posts/{message_id}/report", await groups.report_body(
        world.group_id, post, 3
    )


async def report_to_resolve(world: World, role: str) -> Request:
    path, body = await post_to_report(world, "client")  # type: ignore[misc]
    report = await world.client.client.request("POST", path, body)
    return f"/api/group-reports/{report['id']}/resolve", {}


async def group_candidates(world: World, role: str) -> Request:
    return f"/api/groups/{await the_group(world)}/candidates", None


async def invitation_to_withdraw(world: World, role: str) -> Request:
    group = await the_group(world)
    member_id = await world.therapist.client.groups.invite(
        group, (await world.fresh_client()).user_id
    )
    return f"/api/groups/{group}/invitations/{member_id}/withdraw", {}


async def group_rekeying(world: World, role: str) -> Request:
    group = await the_group(world)
    return f"/api/groups/{group}/rekey", await world.therapist.client.groups.rekey_body(group)


MATRIX: list[Case] = [
    public("GET", "/healthz", nothing),
    public("GET", "/readyz", nothing),
    public("GET", "/", nothing),
    public("GET", "/offline-worker.js", nothing),
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
    self_service(nothing)("GET", "/api/threads"),
    Case(
        "GET",
        "/api/direct/{client_id}",
        client_roster,
        {
            "admin": 403,
            "therapist": 200,
            "client": 200,
            "other_admin": 404,
            **dict.fromkeys(DEAD, 401),
        },
    ),
    Case(
        "POST",
        "/api/direct/{client_id}",
        opening,
        {
            "admin": 403,
            "therapist": 200,
            "client": 200,
            "other_admin": 404,
            **dict.fromkeys(DEAD, 401),
        },
    ),
    members_only("GET", "/api/threads/{thread_id}", thread_path),
    members_only("GET", "/api/threads/{thread_id}/roster", roster_path),
    members_only("GET", "/api/threads/{thread_id}/commits", commits_path),
    members_only("POST", "/api/threads/{thread_id}/commits", next_commit),
    members_only("GET", "/api/threads/{thread_id}/messages", messages_path),
    members_only("POST", "/api/threads/{thread_id}/messages", new_message),
    members_only("POST", "/api/threads/{thread_id}/read", read_position),
    members_only("PUT", "/api/messages/{message_id}", own_message),
    members_only("DELETE", "/api/messages/{message_id}", own_message),
    Case(
        "GET",
        "/api/users/{user_id}/public-key",
        someones_public_key,
        {
            **dict.fromkeys(("admin", "therapist", "client"), 200),
            "other_admin": 404,
            **dict.fromkeys(DEAD, 401),
        },
    ),
    self_service(nothing)("GET", "/api/me/notifications"),
    self_service(preference_choices)("PUT", "/api/me/notifications"),
    public("GET", "/api/unsubscribe/{token}", unsubscribe_link),
    public("POST", "/api/unsubscribe/{token}", unsubscribe_link),
    admin_only("GET", "/api/clinic/failed-emails", nothing, clinic_wide=True),
    admin_only("POST", "/api/clinic/failed-emails/{job_id}/retry", dead_email, clinic_wide=False),
    Case("GET", "/api/me/schedule", nothing, THERAPIST_SELF),
    Case("PUT", "/api/me/schedule", schedule_body, THERAPIST_SELF),
    Case("GET", "/api/inbox", nothing, THERAPIST_SELF),
    Case("GET", "/api/care-team/clients", nothing, THERAPIST_SELF),
    Case(
        "GET",
        "/api/users/{user_id}/keys/{key_id}",
        someones_key_by_id,
        {
            **dict.fromkeys(("admin", "therapist", "client"), 200),
            "other_admin": 404,
            **dict.fromkeys(DEAD, 401),
        },
    ),
    admin_only("GET", "/api/clinic/overdue", nothing, clinic_wide=True),
    admin_only("GET", "/api/clinic/operations", nothing, clinic_wide=True),
    members_only("GET", "/api/threads/{thread_id}/expectations", expectations_path),
    members_only("GET", "/api/threads/{thread_id}/live-sessions", new_live_session),
    Case("POST", "/api/threads/{thread_id}/live-sessions", new_live_session, THERAPIST_MEMBER),
    Case("PUT", "/api/live-sessions/{session_id}", existing_live_session, THERAPIST_MEMBER),
    Case("DELETE", "/api/live-sessions/{session_id}", existing_live_session, THERAPIST_MEMBER),
    members_only("GET", "/api/threads/{thread_id}/scheduled", scheduled_path),
    members_only("POST", "/api/threads/{thread_id}/scheduled", new_scheduled),
    members_only("PUT", "/api/scheduled/{message_id}", own_scheduled),
    members_only("DELETE", "/api/scheduled/{message_id}", own_scheduled),
    public("GET", "/api/openapi.json", nothing),
    public("GET", "/api/docs", nothing),
    public("GET", "/metrics", nothing),
    Case("GET", "/api/journal/entries", nothing, CLIENT_SELF),
    Case("POST", "/api/journal/entries", new_entry, CLIENT_SELF),
    Case("GET", "/api/journal/entries/{entry_id}", own_entry, CLIENT_SELF),
    Case("PUT", "/api/journal/entries/{entry_id}", own_entry, CLIENT_SELF),
    Case("DELETE", "/api/journal/entries/{entry_id}", own_entry, CLIENT_SELF),
    Case("GET", "/api/journal/drafts", nothing, CLIENT_SELF),
    Case("PUT", "/api/journal/drafts/{draft_id}", own_draft, CLIENT_SELF),
    Case("DELETE", "/api/journal/drafts/{draft_id}", own_draft, CLIENT_SELF),
    Case("POST", "/api/journal/entries/{entry_id}/shares", entry_to_share, CLIENT_SELF),
    Case("GET", "/api/journal/shares", nothing, CLIENT_SELF),
    Case("DELETE", "/api/journal/shares/{share_id}", unopened_share, CLIENT_SELF),
    Case("POST", "/api/journal/shares/{share_id}/hide", opened_share, CLIENT_SELF),
    members_only("GET", "/api/threads/{thread_id}/shared-entries", shared_entries_path),
    Case("POST", "/api/shared-entries/{share_id}/open", share_to_open, THERAPIST_MEMBER),
    Case("GET", "/api/journal/prompts", nothing, CLIENT_SELF),
    Case("GET", "/api/clients/{client_id}/prompts", client_prompts_path, THERAPIST_MEMBER),
    Case("POST", "/api/clients/{client_id}/prompts", client_prompts_path, THERAPIST_MEMBER),
    Case("PUT", "/api/prompts/{prompt_id}", existing_prompt, THERAPIST_MEMBER),
    Case("POST", "/api/prompts/{prompt_id}/state", prompt_state, THERAPIST_MEMBER),
    Case(
        "POST",
        "/api/messages/{message_id}/urgent",
        clients_message,
        {
            "admin": 403,
            "therapist": 403,
            "client": 200,
            "other_admin": 404,
            **dict.fromkeys(DEAD, 401),
        },
    ),
    public("GET", "/api/clinics/{clinic_id}/crisis-resources", crisis_resources_path),
    admin_only("PUT", "/api/clinic/crisis-resources", crisis_resources_body, clinic_wide=True),
    self_service(new_name)("PUT", "/api/me/name"),
    self_service(nothing)("GET", "/api/me/trust"),
    self_service(marks_body)("PUT", "/api/me/trust"),
    members_only("GET", "/api/threads/{thread_id}/history-seals", history_seals_path),
    # Only the conversation's client may share its history (422 here: the body is no grant).
    Case(
        "POST",
        "/api/threads/{thread_id}/history-grants",
        not_a_grant,
        {
            "admin": 403,
            "therapist": 403,
            "client": 422,
            "other_admin": 404,
            **dict.fromkeys(DEAD, 401),
        },
    ),
    members_only("GET", "/api/threads/{thread_id}/urgent", urgent_thread_path),
    Case("GET", "/api/urgent", nothing, STAFF_SELF),
    Case(
        "POST",
        "/api/urgent/{flag_id}/acknowledge",
        urgent_flag,
        {
            "admin": 404,
            "therapist": 200,
            "client": 403,
            "other_admin": 404,
            **dict.fromkeys(DEAD, 401),
        },
    ),
    admin_only("GET", "/api/clinic/on-call", nothing, clinic_wide=True),
    admin_only("PUT", "/api/clinic/on-call", no_on_call, clinic_wide=True),
    Case(
        "POST",
        "/api/me/delete",
        own_deletion,
        {
            "admin": 403,
            "therapist": 403,
            "client": 200,
            "other_admin": 403,
            **dict.fromkeys(DEAD, 401),
        },
    ),
    admin_only("POST", "/api/clinic/people/{user_id}/delete", person_to_delete, clinic_wide=False),
    Case(
        "POST",
        "/api/threads/{thread_id}/export",
        export_path,
        {
            "admin": 403,
            "therapist": 200,
            "client": 200,
            "other_admin": 404,
            **dict.fromkeys(DEAD, 401),
        },
    ),
    admin_only(
        "PUT",
        "/api/clinic/consultations/{request_id}/handover",
        request_to_hand_over,
        clinic_wide=False,
    ),
    Case("GET", "/api/me/intake-note", nothing, CLIENT_SELF),
    Case("DELETE", "/api/me/intake-note", nothing, CLIENT_SELF),
    admin_only("GET", "/api/clinic/retention", nothing, clinic_wide=True),
    admin_only("PUT", "/api/clinic/retention", keep_until_deleted, clinic_wide=True),
    public("GET", "/api/public/clinics/{clinic_id}/consultation", consultation_page),
    public("POST", "/api/public/clinics/{clinic_id}/consultation", consultation_form),
    admin_only("GET", "/api/clinic/consultation-page", nothing, clinic_wide=True),
    admin_only("PUT", "/api/clinic/consultation-page", page_settings, clinic_wide=True),
    admin_only("GET", "/api/clinic/intake-key", nothing, clinic_wide=True),
    admin_only("PUT", "/api/clinic/intake-key", intake_key, clinic_wide=True),
    admin_only("GET", "/api/clinic/consultations", nothing, clinic_wide=True),
    admin_only(
        "POST",
        "/api/clinic/consultations/{request_id}/decline",
        request_to_decline,
        clinic_wide=False,
    ),
    admin_only(
        "POST",
        "/api/clinic/consultations/{request_id}/invite",
        request_to_answer,
        clinic_wide=False,
    ),
    self_service(nothing)("GET", "/api/groups"),
    admin_only("POST", "/api/groups", group_creation, clinic_wide=True),
    admin_only("GET", "/api/clinic/groups", nothing, clinic_wide=True),
    admin_only("GET", "/api/clinic/admin-key", nothing, clinic_wide=True),
    admin_only("PUT", "/api/clinic/admin-key", admin_key, clinic_wide=True),
    members_only("GET", "/api/groups/{thread_id}", group_path),
    members_only("GET", "/api/groups/{thread_id}/commits", group_commits),
    admin_only("POST", "/api/groups/{thread_id}/moderators", moderator_to_name, clinic_wide=False),
    Case("POST", "/api/groups/{thread_id}/invitations", client_to_invite, GROUP_MODERATOR),
    Case(
        "POST",
        "/api/groups/{thread_id}/join",
        group_joining,
        {
            "admin": 404,
            "therapist": 404,
            "client": 200,
            "other_admin": 404,
            **dict.fromkeys(DEAD, 401),
        },
    ),
    members_only("GET", "/api/groups/{thread_id}/posts", group_posts),
    members_only("POST", "/api/groups/{thread_id}/posts", group_post),
    members_only("GET", "/api/groups/{thread_id}/my-posts", group_my_posts),
    members_only("POST", "/api/groups/{thread_id}/read", group_read),
    Case("GET", "/api/groups/{thread_id}/queue", group_queue, GROUP_MODERATOR),
    Case(
        "POST", "/api/groups/{thread_id}/members/{member_id}/mute", member_to_mute, GROUP_MODERATOR
    ),
    Case(
        "POST",
        "/api/groups/{thread_id}/members/{member_id}/remove",
        member_to_remove,
        GROUP_MODERATOR,
    ),
    Case("POST", "/api/group-posts/{message_id}/approve", post_to_approve, GROUP_MODERATOR),
    Case("POST", "/api/group-posts/{message_id}/reject", post_to_reject, GROUP_MODERATOR),
    Case("POST", "/api/group-posts/{message_id}/remove", post_to_remove, GROUP_MODERATOR),
    members_only("POST", "/api/group-posts/{message_id}/report", post_to_report),
    Case("POST", "/api/group-reports/{report_id}/resolve", report_to_resolve, GROUP_MODERATOR),
    Case("GET", "/api/groups/{thread_id}/candidates", group_candidates, GROUP_MODERATOR),
    Case(
        "POST",
        "/api/groups/{thread_id}/invitations/{member_id}/withdraw",
        invitation_to_withdraw,
        GROUP_MODERATOR,
    ),
    Case("POST", "/api/groups/{thread_id}/rekey", group_rekeying, GROUP_MODERATOR),
    # Near the end: these change the caller's keys or end its session.
    self_service(identity_replacement)("POST", "/api/me/identity"),
    self_service(nothing)("POST", "/api/logout"),
]

# Socket.IO events and who may use them: only a live session can connect; thread events
# are for the thread's members (404 for anyone else).
MEMBER_EVENT = {
    "admin": 404,
    "therapist": 200,
    "client": 200,
    "other_admin": 404,
    **dict.fromkeys(DEAD, 401),
}
SOCKET_EVENTS: dict[str, dict[str, int]] = {
    "connect": {**dict.fromkeys(ACTIVE, 200), **dict.fromkeys(DEAD, 401)},
    "disconnect": {**dict.fromkeys(ACTIVE, 200), **dict.fromkeys(DEAD, 401)},
    "send": MEMBER_EVENT,
    "sync": MEMBER_EVENT,
    "read": MEMBER_EVENT,
    "typing": MEMBER_EVENT,
}


async def socket_payload(world: World, role: str, event: str) -> dict[str, Any]:
    if event == "send":
        _, body = await new_message(world, role)  # type: ignore[misc]
        return {"thread_id": world.thread_id, **(body or {})}
    if event == "sync":
        return {"threads": {world.thread_id: 0}}
    if event == "read":
        return {"thread_id": world.thread_id, "seq": 0}
    return {"thread_id": world.thread_id}


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
    await admin.client.assign(world.therapist.user_id, world.client.user_id)
    world.thread_id = await world.client.client.threads.open_direct(world.client.user_id)
    await world.therapist.client.threads.load(world.thread_id)
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
            built = await case.build(world, role)
            path, body = built[0], built[1]
            caller = built[2] if len(built) == 3 else world.callers[role]  # type: ignore[misc]
            status = await call(caller, case.method, path or concrete(case.path), body)
            expected = case.expect[role]
            if (status // 100 == 2) != (expected == 200) or (
                expected != 200 and status != expected
            ):
                mismatches.append(
                    f"{case.method} {case.path} as {role}: got {status}, expected {expected}"
                )
    assert mismatches == []


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"], indirect=True)
async def test_each_role_gets_exactly_the_socket_access_the_matrix_says(api: Api) -> None:
    world = await build_world(api)
    mismatches = []
    for role in ROLES:
        realtime = Realtime(api.base_url, world.callers[role].token or "no-session")
        try:
            await realtime.connect()
        except socketio.exceptions.ConnectionError:
            connected = 401
        else:
            connected = 200
        for event, expect in SOCKET_EVENTS.items():
            if event in ("connect", "disconnect"):
                status = connected
            elif connected != 200:
                status = 401
            else:
                status = await socket_call(
                    realtime, event, await socket_payload(world, role, event)
                )
            if (status == 200) != (expect[role] == 200) or (
                expect[role] != 200 and status != expect[role]
            ):
                mismatches.append(
                    f"socket {event} as {role}: got {status}, expected {expect[role]}"
                )
        await realtime.disconnect()
    assert mismatches == []


SOCKET_STATUS = {"not_found": 404, "forbidden": 403, "not_authenticated": 401}


async def socket_call(realtime: Realtime, event: str, data: dict[str, Any]) -> int:
    try:
        await realtime.call(event, data)
    except ApiError as error:
        return SOCKET_STATUS.get(error.code, 400)
    return 200


async def call(client: InterludeClient, method: str, path: str, body: dict[str, Any] | None) -> int:
    try:
        await client.request(
            method, path, body if body is not None or method in ("GET", "DELETE") else {}
        )
    except ApiError as error:
        return error.status
    return 200
