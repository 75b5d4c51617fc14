"""Input a client can send that once produced a 500 or leaked a credential: each must get
a clear JSON 4xx and change nothing (found by review; kept as attacks)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import httpx
import pytest

from crypto import b64encode
from tests.support.conversations import care_team
from tests.support.world import Api, unique_email
from web.client import ApiError, invitation_token


async def raw(
    api: Api, method: str, path: str, content: bytes, token: str | None = None
) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient(base_url=api.base_url) as http:
        return await http.request(method, path, content=content, headers=headers)


def assert_refused(response: httpx.Response, status: int = 422) -> None:
    assert response.status_code == status, response.text
    assert set(response.json()) == {"error"}


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 50_000 + b"]" * 50_000,  # nested deep enough to exhaust the parser's recursion
        b'{"email": "\\ud800@example.org"}',  # a lone surrogate
        b'{"email": "nul\\u0000@example.org"}',
    ],
)
async def test_hostile_json_to_an_open_endpoint_is_refused(api: Api, body: bytes) -> None:
    assert_refused(await raw(api, "POST", "/api/prelogin", body))


@pytest.mark.parametrize("query", ["limit=²", "after=²", "before=٣", "limit=99999999999999999999"])
async def test_non_ascii_digits_in_a_query_are_refused(api: Api, query: str) -> None:
    team = await care_team(api)
    assert_refused(
        await raw(
            api,
            "GET",
            f"/api/threads/{team.thread_id}/messages?{query}",
            b"",
            team.client.client.token,
        )
    )


@pytest.mark.parametrize(
    "hours",
    [{"mon": 5}, {"mon": None}, {"mon": [["0²:00", "17:00"]]}],
)
async def test_malformed_working_hours_are_refused(api: Api, hours: object) -> None:
    team = await care_team(api, open_thread=False)
    body = {
        "time_zone": "UTC",
        "hours": hours,
        "days_off": [],
        "away_message": "",
        "commitment": {"amount": 1, "unit": "days"},
    }
    with pytest.raises(ApiError) as refused:
        await team.therapist.client.request("PUT", "/api/me/schedule", body)
    assert refused.value.status == 422


async def test_an_out_of_range_time_is_refused(api: Api) -> None:
    team = await care_team(api)
    with pytest.raises(ApiError) as refused:
        await team.therapist.client.request(
            "POST",
            f"/api/threads/{team.thread_id}/live-sessions",
            {"starts_at": "0001-01-01T00:00:00+01:00", "ends_at": "0001-01-01T01:00:00+01:00"},
        )
    assert refused.value.status == 422


async def test_a_non_ascii_unsubscribe_signature_is_not_found(api: Api) -> None:
    team = await care_team(api, open_thread=False)
    async with httpx.AsyncClient(base_url=api.base_url) as http:
        for method in ("GET", "POST"):
            response = await http.request(
                method, f"/api/unsubscribe/{team.client.user_id}.messages.é"
            )
            assert_refused(response, 404)


async def test_replacing_a_scheduled_message_with_a_used_client_message_id_is_refused(
    api: Api, clock: object
) -> None:
    team = await care_team(api)
    threads = team.client.client.threads
    sent_envelope = await threads.seal(team.thread_id, "already sent")
    await threads.send_envelope(team.thread_id, sent_envelope)
    later = clock.now() + timedelta(hours=1)  # type: ignore[attr-defined]
    held = await threads.send_later(team.thread_id, "held", later)
    with pytest.raises(ApiError) as refused:
        await team.client.client.request(
            "PUT",
            f"/api/scheduled/{held['id']}",
            {"envelope": b64encode(sent_envelope), "deliver_at": later.isoformat()},
        )
    assert refused.value.status == 422
    [still] = await threads.scheduled(team.thread_id)
    assert still["client_message_id"] == held["client_message_id"]


async def test_invitation_tokens_never_reach_the_access_log(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await api.create_clinic()
    invitation = await admin.client.invite(unique_email("client"), "Sam", "client")
    token = invitation_token(invitation["link"])
    with caplog.at_level(logging.INFO, logger="interlude.access"):
        await api.new_client().invitation(token)
        async with httpx.AsyncClient(base_url=api.base_url) as http:
            await http.get(f"/api/invitations/{token}/nonsense")
    logged = "\n".join(
        record.getMessage() + str(getattr(record, "path", "")) for record in caplog.records
    )
    assert "/api/invitations/{token}" in logged
    assert token not in logged


async def test_replacing_the_identity_with_the_current_or_an_earlier_key_is_not_a_500(
    api: Api,
) -> None:
    team = await care_team(api)
    client = team.client.client
    first = await client.request("GET", "/api/me")
    current = {"public_bundle": first["public_bundle"], "keyring": first["keyring"]}
    # The current bundle again: a retried replacement that already happened.
    assert (await client.request("POST", "/api/me/identity", current))["key_id"]

    replacement = client.identity_replacement_body()
    made = await client.request("POST", "/api/me/identity", replacement)
    retried = await client.request("POST", "/api/me/identity", replacement)
    assert retried == made

    with pytest.raises(ApiError) as earlier:
        await client.request("POST", "/api/me/identity", current)
    assert earlier.value.status == 409
    assert (await client.request("GET", "/api/me"))["public_bundle"] == replacement["public_bundle"]


async def test_a_nul_in_a_query_string_is_refused(api: Api) -> None:
    admin = await api.create_clinic()
    for query in ("after=%00", "after=" + "a" * 400):
        response = await raw(api, "GET", f"/api/clinic/people?{query}", b"", admin.client.token)
        assert_refused(response)


async def test_concurrent_identical_care_team_changes_all_succeed(api: Api) -> None:
    team = await care_team(api, open_thread=False)
    team_admin = team.admin.client
    other = await api.invite_and_register(team.admin, "therapist", "Dr. Other")
    results = await asyncio.gather(
        *(team_admin.assign(other.user_id, team.client.user_id) for _ in range(8)),
        return_exceptions=True,
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    pairs = [
        (a["therapist_id"], a["client_id"])
        for a in await team_admin.care_team()
        if a["therapist_id"] == other.user_id
    ]
    assert pairs == [(other.user_id, team.client.user_id)]
