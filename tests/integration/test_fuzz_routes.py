"""Hostile input at every HTTP route, on both databases: whatever a client sends, the
answer is never a 5xx (DESIGN.md §1.3). Hypothesis draws the method, path parameters
(real ids of a populated clinic, or junk), query strings, headers and bodies (JSON with
the fields routes read, filled with the wrong types and hostile text, or raw bytes).

Bounded: a fixed number of examples per database, no deadline per example; a failure is
shrunk to the smallest request that still gets a 5xx and printed."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Mount, Route

from messaging.settings import load_settings
from tests.support.conversations import care_team
from tests.support.world import Api
from web.app import http_routes
from web.pages import load_index_page

EXAMPLES_PER_ENDPOINT = 30
QUERY_NAMES = ["after", "before", "limit", "after_epoch", "after_seq", "before_seq"]

FIELDS = [
    "after",
    "after_epoch",
    "amount",
    "auth_key",
    "away_message",
    "before",
    "client_id",
    "commit",
    "commitment",
    "current_auth_key",
    "days_off",
    "deliver_at",
    "device_label",
    "digest",
    "display_name",
    "email",
    "end",
    "ends_at",
    "envelope",
    "frequency",
    "hour",
    "hours",
    "invitation_id",
    "job_id",
    "kdf",
    "keyring",
    "limit",
    "mem",
    "message_id",
    "message_mode",
    "new",
    "notice_delay_minutes",
    "ops",
    "public_bundle",
    "quiet_hours",
    "recovery_auth_key",
    "recovery_wrapped_account_key",
    "reminders",
    "role",
    "salt",
    "seq",
    "session_id",
    "start",
    "starts_at",
    "therapist_id",
    "thread_id",
    "threads",
    "time_zone",
    "title_envelope",
    "unit",
    "user_id",
    "version",
    "weekday",
    "wrapped_account_key",
    # Group threads.
    "admin_seals",
    "category",
    "certificate",
    "forbid_rejoin",
    "info",
    "info_seal",
    "moderator_key",
    "moderators",
    "policy",
    "pseudonym",
    "reason",
    "release",
    "seal",
    "until",
]

HOSTILE_TEXT = [
    "",
    "\x00",
    "\ud800",
    "%00",
    "../../etc/passwd",
    "٣",
    "²",
    "-1",
    "0",
    "9" * 40,
    "1e400",
    "NaN",
    "Infinity",
    "null",
    "true",
    "A" * 43,
    "A" * 5000,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "00000000-0000-0000-0000-000000000000",
    "2026-11-30T14:00:00Z",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-14:00",
    "25:00",
    "Mars/Olympus",
    "someone@example.org",
    "ＡＢＣ＠example．org",
    "=",
    "/",
]


@dataclass(frozen=True)
class Endpoint:
    path: str
    methods: tuple[str, ...]
    params: tuple[str, ...]


def endpoints() -> list[Endpoint]:
    app_settings = load_settings(
        {"INTERLUDE_DATA_DIR": "/tmp/interlude-fuzz", "INTERLUDE_SECRET_KEY": "k" * 40}
    )
    found = []
    for route in http_routes(app_settings, load_index_page()):
        if isinstance(route, Mount):
            found.append(Endpoint(route.path + "/{rest}", ("GET",), ("rest",)))
            continue
        assert isinstance(route, Route)
        methods = tuple(sorted(m for m in route.methods or () if m != "HEAD"))
        found.append(Endpoint(route.path, methods, tuple(route.param_convertors)))
    return found


# Last, so the sessions and people of the world live while every other route is fuzzed.
ENDS_SESSIONS_OR_PEOPLE = ("/api/logout", "/api/sessions", "/api/me/password", "/disable")
ENDPOINTS = sorted(
    endpoints(), key=lambda e: any(marker in e.path for marker in ENDS_SESSIONS_OR_PEOPLE)
)

text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=60))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    text,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(FIELDS), text), inner, max_size=6),
    ),
    max_leaves=20,
)
bodies = st.one_of(
    st.none(),
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=8).map(
        lambda value: json.dumps(value).encode()
    ),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=200),
    st.sampled_from([b"[" * 5000, b'{"email": "\\ud800"}', b"\xff\xfe", b"{" * 3]),
)


header_text = st.one_of(
    st.sampled_from(["203.0.113.9", "1.2.3.4, 203.0.113.9", "::1", "unknown", ""]),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40),
)


def url_part(value: str) -> str:
    """Percent-encoded as a hostile client would send it (lone surrogates included)."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


@dataclass(frozen=True)
class World:
    base_url: str
    tokens: tuple[str | None, ...]
    ids: tuple[str, ...]


Request = tuple[str, str, bytes | None, dict[str, str]]


def requests(world: World, endpoint: Endpoint) -> st.SearchStrategy[Request]:
    ids = st.one_of(st.sampled_from(world.ids), text, st.uuids().map(str))

    @st.composite
    def build(draw: st.DrawFn) -> Request:
        method = draw(st.sampled_from(endpoint.methods))
        path = endpoint.path
        for name in endpoint.params:
            value = draw(ids) or "x"
            path = path.replace("{" + name + "}", url_part(value))
            path = path.replace("{" + name + ":path}", url_part(value))
        names = st.one_of(st.sampled_from(QUERY_NAMES), st.sampled_from(FIELDS))
        query = draw(st.dictionaries(names, text, max_size=3))
        if query:
            path += "?" + "&".join(f"{url_part(k)}={url_part(v)}" for k, v in query.items())
        headers = {"content-type": draw(st.sampled_from(["application/json", "text/plain"]))}
        token = draw(st.sampled_from(world.tokens))
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        if draw(st.booleans()):
            headers["x-forwarded-for"] = draw(header_text)
        return method, path, draw(bodies), headers

    return build()


def fuzz(world: World) -> None:
    with httpx.Client(base_url=world.base_url, timeout=30) as http:
        for endpoint in ENDPOINTS:

            @settings(
                max_examples=EXAMPLES_PER_ENDPOINT,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(requests(world, endpoint))
            def no_request_gets_a_5xx(request: Request) -> None:
                method, path, body, headers = request
                response = http.request(method, path, content=body, headers=headers)
                assert response.status_code < 500, (method, path, body, response.text)

            no_request_gets_a_5xx()


async def test_no_hostile_request_to_any_route_gets_a_5xx(api: Api, tmp_path: Path) -> None:
    team = await care_team(api)
    await team.client.client.threads.send(team.thread_id, "something to aim at")
    invitation = await team.admin.client.invite("fuzzed@example.org", "F", "client")
    [message] = (
        await team.client.client.request("GET", f"/api/threads/{team.thread_id}/messages")
    )["messages"]
    group_id = await team.admin.client.groups.create(
        policy="premoderated",
        title="Fuzzed group",
        description="",
        guidelines="",
        moderators=[team.therapist.user_id],
    )
    moderator = await team.therapist.client.groups.join(group_id, "Moderator")
    member_id = await team.therapist.client.groups.invite(group_id, team.client.user_id)
    await team.client.client.groups.join(group_id, "Member")
    held = await team.client.client.groups.post(group_id, "held for the fuzzer")
    world = World(
        base_url=api.base_url,
        tokens=(
            None,
            "not-a-token",
            team.admin.client.token,
            team.therapist.client.token,
            team.client.client.token,
        ),
        ids=(
            team.thread_id,
            team.client.user_id,
            team.therapist.user_id,
            team.admin.user_id,
            invitation["id"],
            message["id"],
            "1",
            group_id,
            moderator["member_id"],
            member_id,
            str(held["id"]),
        ),
    )
    # The server runs on this event loop; hypothesis drives plain HTTP from a thread.
    await asyncio.to_thread(fuzz, world)
