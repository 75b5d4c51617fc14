"""Every socket event gets an answer, whatever a client sends and whatever fails inside;
client events named like the server's lifecycle events are ignored."""

from __future__ import annotations

import logging
import re

import pytest
import socketio
from sqlalchemy import text

from tests.support.conversations import care_team
from tests.support.world import Api
from web.client import ApiError


@pytest.mark.parametrize("payload", [None, "a string", 7, ("one", "two"), ["a", "list"]])
async def test_an_event_without_one_object_is_answered_invalid_input(
    api: Api, payload: object
) -> None:
    team = await care_team(api)
    rt = team.client.client.realtime()
    await rt.connect()
    try:
        for event in ("send", "sync", "read", "typing"):
            answer = await rt.client.call(event, payload, timeout=10)
            assert answer["error"]["code"] == "invalid_input", (event, answer)
        assert rt.connected
    finally:
        await rt.disconnect()


async def test_an_unexpected_failure_is_answered_internal_error_and_logged_with_an_id(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    team = await care_team(api)
    rt = team.client.client.realtime()
    await rt.connect()
    envelope = await team.client.client.threads.seal(team.thread_id, "into the void")
    async with api.database.unit_of_work() as uow:  # the schema breaks under the server
        await uow.session.execute(text("ALTER TABLE messages RENAME TO messages_gone"))
        await uow.commit()
    try:
        with (
            caplog.at_level(logging.ERROR, logger="interlude.realtime"),
            pytest.raises(ApiError) as failed,
        ):
            await rt.call("send", {"thread_id": team.thread_id, "envelope": _b64(envelope)})
        assert failed.value.code == "internal_error"
        assert "Traceback" not in failed.value.message
        assert "messages" not in failed.value.message
        [logged] = [r for r in caplog.records if r.name == "interlude.realtime"]
        assert logged.exc_info is not None
        assert re.fullmatch(r"[0-9a-f]{16}", logged.request_id)
    finally:
        await rt.disconnect()


async def test_a_client_emitting_connect_with_another_token_stays_who_it_was(api: Api) -> None:
    team = await care_team(api)
    await team.client.client.threads.send(team.thread_id, "for the care team only")
    outsider = await api.create_clinic("Elsewhere")
    rt = outsider.client.realtime()
    await rt.connect()
    try:
        # Shaped as the connect handler is called, (environ, auth); an ignored event gets
        # no answer at all.
        with pytest.raises(socketio.exceptions.TimeoutError):
            await rt.client.call("connect", ({}, {"token": team.client.client.token}), timeout=1)
        with pytest.raises(ApiError) as refused:
            await rt.sync({team.thread_id: 0})
        assert refused.value.code == "not_found"
    finally:
        await rt.disconnect()


def _b64(data: bytes) -> str:
    from crypto import b64encode

    return b64encode(data)
