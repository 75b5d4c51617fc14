"""The clinic admin's operations view: the clinic's job queue by state, active sessions
and storage used, as counts and sizes only, and only of the admin's own clinic."""

from __future__ import annotations

import json

from crypto import b64decode
from tests.support.conversations import care_team
from tests.support.world import Api


async def test_an_admin_sees_the_clinics_queue_sessions_and_storage_without_content(
    api: Api,
) -> None:
    team = await care_team(api)
    sent = await team.client.client.threads.send(team.thread_id, "a private sentence")
    view = await team.admin.client.request("GET", "/api/clinic/operations")

    assert view["active_sessions"] == 3  # the admin, the therapist and the client
    assert view["storage"]["messages"] == 1
    assert view["storage"]["message_bytes"] == len(b64decode(sent["envelope"]))
    assert view["storage"]["commit_bytes"] > 0
    invitations = [j for j in view["jobs"] if j["kind"] == "email.invitation"]
    assert sum(j["count"] for j in invitations) == 3  # the admin's, therapist's and client's
    shown = json.dumps(view)
    assert "private" not in shown
    assert team.client.email not in shown
    assert sent["envelope"] not in shown


async def test_another_clinics_admin_sees_only_their_own_clinic(api: Api) -> None:
    team = await care_team(api)
    await team.client.client.threads.send(team.thread_id, "hello")
    other = await api.create_clinic("Another Clinic")
    view = await other.client.request("GET", "/api/clinic/operations")
    assert view["storage"] == {"messages": 0, "message_bytes": 0, "commit_bytes": 0}
    assert view["active_sessions"] == 1


async def test_a_logged_out_session_is_no_longer_active(api: Api) -> None:
    team = await care_team(api, open_thread=False)
    await team.client.client.logout()
    view = await team.admin.client.request("GET", "/api/clinic/operations")
    assert view["active_sessions"] == 2
