"""An HTTP transport that arrives as a reverse proxy would: with X-Forwarded-For."""

from __future__ import annotations

import httpx

from crypto import KDF_INTERACTIVE
from tests.support.world import Api
from web.client import InterludeClient


class ForwardedFor(httpx.AsyncBaseTransport):
    def __init__(self, forwarded_for: str) -> None:
        self.forwarded_for = forwarded_for
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["X-Forwarded-For"] = self.forwarded_for
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def client_from(api: Api, forwarded_for: str) -> InterludeClient:
    """An SDK client whose requests say they were forwarded for `forwarded_for`."""
    client = InterludeClient(
        api.base_url,
        kdf=KDF_INTERACTIVE,
        allow_interactive_kdf=True,
        transport=ForwardedFor(forwarded_for),
    )
    api.clients.append(client)
    return client
