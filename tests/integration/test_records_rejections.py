"""Input an admin or a client can send to the records and safety routes that must get a
clear 422 naming the field, and change nothing: on-call lists, retention periods, the
consultation page, intake keys and account deletion."""

from __future__ import annotations

import pytest

import crypto
from tests.support.conversations import care_team
from tests.support.world import Api
from web.client import ApiError

KEY = crypto.b64encode(bytes(32))

# (who, method, path, body, the field the refusal names, what must stay as it was)
MALFORMED = [
    ("admin", "PUT", "/api/clinic/on-call", {"user_ids": ["nope"]}, "user_ids", "on-call"),
    ("admin", "PUT", "/api/clinic/on-call", {"user_ids": "nope"}, "user_ids", "on-call"),
    ("admin", "PUT", "/api/clinic/retention", {"years": True}, "years", "retention"),
    ("admin", "PUT", "/api/clinic/retention", {"years": "5"}, "years", "retention"),
    ("admin", "PUT", "/api/clinic/retention", {"years": 2.5}, "years", "retention"),
    ("admin", "PUT", "/api/clinic/retention", {"years": 0}, "years", "retention"),
    (
        "admin",
        "PUT",
        "/api/clinic/consultation-page",
        {"open": "yes", "retention_days": 7},
        "open",
        "consultation-page",
    ),
    (
        "admin",
        "PUT",
        "/api/clinic/consultation-page",
        {"open": False, "retention_days": 0},
        "retention_days",
        "consultation-page",
    ),
    (
        "admin",
        "PUT",
        "/api/clinic/consultation-page",
        {"open": False, "text": 5, "retention_days": 7},
        "text",
        "consultation-page",
    ),
    (
        "admin",
        "PUT",
        "/api/clinic/intake-key",
        {"public_key": "AAAA", "seals": {}},
        "public_key",
        "intake-key",
    ),
    (
        "admin",
        "PUT",
        "/api/clinic/intake-key",
        {"public_key": KEY, "seals": {"not-an-id": "AAAA"}},
        "seals",
        "intake-key",
    ),
    (
        "admin",
        "PUT",
        "/api/clinic/intake-key",
        {"public_key": KEY, "seals": []},
        "seals",
        "intake-key",
    ),
    ("client", "POST", "/api/me/delete", {"current_auth_key": "AAAA"}, "current_auth_key", "me"),
    ("client", "POST", "/api/me/delete", {}, "current_auth_key", "me"),
]

READ_BACK = {
    "on-call": "/api/clinic/on-call",
    "retention": "/api/clinic/retention",
    "consultation-page": "/api/clinic/consultation-page",
    "intake-key": "/api/clinic/intake-key",
    "me": "/api/me",
}


@pytest.mark.parametrize(("who", "method", "path", "body", "field", "kept"), MALFORMED)
async def test_malformed_records_input_is_refused_naming_the_field_and_changes_nothing(
    api: Api,
    who: str,
    method: str,
    path: str,
    body: dict[str, object],
    field: str,
    kept: str,
) -> None:
    team = await care_team(api, open_thread=False)
    person = team.admin if who == "admin" else team.client
    before = await person.client.request("GET", READ_BACK[kept])
    with pytest.raises(ApiError) as refused:
        await person.client.request(method, path, body)
    assert (refused.value.status, refused.value.code) == (422, "invalid_input")
    assert refused.value.message.startswith(field), refused.value.message
    assert await person.client.request("GET", READ_BACK[kept]) == before
