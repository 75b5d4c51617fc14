"""When the server's process dies under a socket call, the SDK does not wait out the
acknowledgement timeout: the call fails at once and the sender falls back to HTTP with the
same envelope, which the server stores once (its client message id makes it safe)."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from crypto import b64encode
from messaging.clock import SystemClock
from messaging.context import ServiceContext
from messaging.settings import load_settings
from messaging.storage.database import Database
from tests.support.conversations import care_team
from tests.support.live_server import interlude_env, live_server
from tests.support.world import api_for
from web.sdk_errors import SocketDropped

EXTRA = {"INTERLUDE_ALLOW_INTERACTIVE_KDF": "true"}


async def test_a_socket_send_fails_fast_when_the_server_dies_and_goes_out_over_http(
    tmp_path: Path, database_url: str
) -> None:
    settings = load_settings({**interlude_env(tmp_path, database_url), **EXTRA})
    context = ServiceContext.from_settings(settings, SystemClock())
    database = Database.from_url(database_url)
    try:
        with live_server(tmp_path / "web", database_url, EXTRA) as first:
            async with api_for(first.url, database, context) as api:
                team = await care_team(api)
                sender = team.client.client
                rt = sender.realtime()
                sender.threads.use_realtime(rt)
                await rt.connect()
                envelope = await sender.threads.seal(team.thread_id, "said as the server died")

                # Frozen, the server takes the frame but never answers; killed, its
                # sockets close. The call must not wait out its (long) timeout.
                os.kill(first.process.pid, signal.SIGSTOP)
                call = asyncio.create_task(
                    rt.call(
                        "send",
                        {"thread_id": team.thread_id, "envelope": b64encode(envelope)},
                        wait_seconds=120,
                    )
                )
                await asyncio.sleep(0.2)
                first.process.kill()
                first.process.wait()
                with pytest.raises(SocketDropped):
                    await asyncio.wait_for(call, timeout=60)
                assert not rt.connected
                # The fallback is HTTP; the server is down, so that fails to connect too.
                with pytest.raises(httpx.ConnectError):
                    await sender.threads.send_envelope(team.thread_id, envelope)

                port = urlsplit(first.url).port
                with live_server(tmp_path / "web", database_url, EXTRA, port=port):
                    stored = await sender.threads.send_envelope(team.thread_id, envelope)
                    again = await sender.threads.send_envelope(team.thread_id, envelope)
                    assert stored["id"] == again["id"], "the same envelope is one message"
                    history = await team.therapist.client.threads.history(team.thread_id)
                    assert [m.text for m in history] == ["said as the server died"]
    finally:
        await database.dispose()
