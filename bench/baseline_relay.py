"""The baseline server of `bench/live.py`: a bare Socket.IO relay with one INSERT per message.

`bench/live.py` starts it as its own process:
`python bench/baseline_relay.py --port P --dsn postgresql://USER@HOST:PORT/DB`.

A socket joins the room named in its `auth` on connect. On `send` the relay stores the
envelope with one autocommitted INSERT (one round trip, one commit) through an asyncpg pool
the size of Interlude's, emits `message` to the addressee's room and acknowledges. Nothing
else: no authentication, no membership check, no signature, no sequence number, no events
to the sender's other devices. Served by uvicorn with the same settings and event loop as
`interlude serve`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
from typing import Any

import asyncpg
import socketio
import uvicorn

# Interlude's PostgreSQL engine holds up to 20 connections (pool_size=20, no overflow).
POOL_MIN, POOL_MAX = 10, 20
TABLE = "bench_relay_messages"


def create_relay(dsn: str) -> socketio.ASGIApp:
    sio = socketio.AsyncServer(
        async_mode="asgi", transports=["websocket"], logger=False, engineio_logger=False
    )
    state: dict[str, asyncpg.Pool] = {}

    async def startup() -> None:
        pool = await asyncpg.create_pool(dsn, min_size=POOL_MIN, max_size=POOL_MAX)
        await pool.execute(f"DROP TABLE IF EXISTS {TABLE}")
        await pool.execute(
            f"CREATE TABLE {TABLE} (id bigserial PRIMARY KEY, room text NOT NULL, "
            "envelope bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
        )
        state["pool"] = pool

    async def shutdown() -> None:
        await state["pool"].execute(f"DROP TABLE IF EXISTS {TABLE}")
        await state["pool"].close()

    @sio.event
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        await sio.enter_room(sid, auth["room"])

    @sio.event
    async def send(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        envelope = base64.urlsafe_b64decode(data["envelope"] + "=" * (-len(data["envelope"]) % 4))
        row_id = await state["pool"].fetchval(
            f"INSERT INTO {TABLE} (room, envelope) VALUES ($1, $2) RETURNING id",
            data["to"],
            envelope,
        )
        await sio.emit("message", {**data, "row_id": row_id}, room=data["to"])
        return {"ok": True, "row_id": row_id}

    return socketio.ASGIApp(sio, on_startup=startup, on_shutdown=shutdown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--dsn", default=None, help="postgresql://USER@HOST:PORT/DB")
    args = parser.parse_args()
    if args.port is None or args.dsn is None:
        # `make bench` runs every script in bench/; alone, this one has nothing to measure.
        print("baseline relay: started by bench/live.py (give --port and --dsn to serve)")
        return
    config = uvicorn.Config(
        create_relay(args.dsn),
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        proxy_headers=True,
        server_header=False,
    )
    # As `interlude serve` does: uvicorn's serve() inside asyncio.run, so both servers run
    # on the standard library's event loop (uvicorn's run() would pick uvloop instead).
    asyncio.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    main()
