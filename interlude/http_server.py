"""How `interlude serve` (and the tests' in-process servers) run uvicorn.

Kept apart from `interlude.cli`, whose import chooses the process's Prometheus directory:
importing this module has no side effects.
"""

from __future__ import annotations

import uvicorn
from starlette.types import ASGIApp

# How long an idle HTTP connection stays open (uvicorn's default); clients expire theirs sooner.
KEEP_ALIVE_SECONDS = 5


# The whole header block of a request, in bytes (nginx's default buffers hold 32 KiB).
MAX_HEADER_BYTES = 16 * 1024


def server_config(
    app: ASGIApp, host: str, port: int, *, log_level: str | None = None
) -> uvicorn.Config:
    """How `serve` runs uvicorn. h11 (not httptools) because it bounds the header block
    (a larger one is refused with 431); forwarding headers are left to the app, which
    believes them only from INTERLUDE_TRUSTED_PROXIES (`web.middleware`)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        log_level=log_level,
        http="h11",
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        proxy_headers=False,
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
