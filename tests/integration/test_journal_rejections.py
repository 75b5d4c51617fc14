"""Input a client can send to the journal routes that must get a clear 422 and change
nothing: malformed items, shares and schedules, and cursors that are not ours."""

from __future__ import annotations

import uuid

import pytest

import crypto
from tests.support.conversations import care_team
from tests.support.world import Api
from web.client import ApiError

SCHEDULES = [
    {"repeat": "hourly", "time": "20:00"},
    {"repeat": "daily", "time": "25:00"},
    {"repeat": "daily", "time": "20:75"},
    {"repeat": "daily", "time": "٢٠:٠٠"},
    {"repeat": "daily", "time": "2000"},
    {"repeat": "daily", "time": 2000},
    {"repeat": "daily", "time": "20:00", "weekday": 2},
    {"repeat": "weekly", "time": "20:00"},
    {"repeat": "weekly", "time": "20:00", "weekday": 2**60},
    {"repeat": "daily", "time": "20:00", "start": "next tuesday"},
    {"repeat": "daily", "time": "20:00", "until": 20261224},
    {"repeat": "daily", "time": "20:00", "start": "2026-12-24", "until": "2026-12-01"},
    {"repeat": "daily", "time": "20:00", "count": 0},
    {"repeat": "once", "time": "20:00", "start": "2030-01-01"},
]


@pytest.mark.parametrize("schedule", SCHEDULES)
async def test_a_schedule_that_cannot_work_is_refused_and_stores_nothing(
    api: Api, schedule: dict[str, object]
) -> None:
    team = await care_team(api)
    journal = team.therapist.client.journal
    body = await journal.prompt_body(team.client.user_id, "x", {"repeat": "daily", "time": "20:00"})
    with pytest.raises(ApiError) as refused:
        await team.therapist.client.request(
            "POST", f"/api/clients/{team.client.user_id}/prompts", {**body, "schedule": schedule}
        )
    assert refused.value.status == 422
    assert await journal.client_prompts(team.client.user_id) == []


@pytest.mark.parametrize(
    "body",
    [
        {"id": "not-an-id", "blob": "AAAA"},
        {"id": str(uuid.uuid4()), "blob": "AA=="},
        {"id": str(uuid.uuid4()), "blob": crypto.b64encode(b"\x01\x01" + bytes(200))},
        {"id": str(uuid.uuid4()), "blob": crypto.b64encode(b"\x07" + bytes(400))},
        {"id": str(uuid.uuid4()), "blob": 12},
        {"id": str(uuid.uuid4()), "answers": "nope"},
    ],
)
async def test_a_malformed_entry_is_refused(api: Api, body: dict[str, object]) -> None:
    team = await care_team(api)
    client = team.client.client
    if "blob" not in body:
        body["blob"] = crypto.b64encode(client.journal.seal(str(body["id"]), {"body": "x"}))
    with pytest.raises(ApiError) as refused:
        await client.request("POST", "/api/journal/entries", body)
    assert refused.value.status == 422
    assert await client.journal.all() == []


@pytest.mark.parametrize(
    "query", ["before=yesterday", "before=2026-11-02T09:00:00_x", "since=soon", "limit=٣"]
)
async def test_a_cursor_or_filter_that_is_not_ours_is_refused(api: Api, query: str) -> None:
    team = await care_team(api)
    with pytest.raises(ApiError) as refused:
        await team.client.client.request("GET", f"/api/journal/entries?{query}")
    assert refused.value.status == 422


async def test_a_forged_or_foreign_share_is_refused(api: Api) -> None:
    team = await care_team(api)
    journal = team.client.client.journal
    entry = await journal.write({"body": "x"})
    other = await journal.write({"body": "y"})
    body = await journal.share_body(entry.id)
    forged = bytearray(crypto.b64decode(body["share"]))
    forged[-1] ^= 1
    for path, share in [
        (f"/api/journal/entries/{entry.id}/shares", crypto.b64encode(bytes(forged))),
        (f"/api/journal/entries/{other.id}/shares", body["share"]),
        (f"/api/journal/entries/{entry.id}/shares", "AAAA"),
    ]:
        with pytest.raises(ApiError) as refused:
            await team.client.client.request("POST", path, {"share": share})
        assert refused.value.status in (409, 422)
    assert await journal.my_shares() == []
