"""Which client address and scheme the app sees, from whom forwarding headers are believed."""

from __future__ import annotations

import ipaddress

from starlette.types import Message, Receive, Scope, Send

from web.middleware import ClientAddressMiddleware, Network

PROXY = "172.28.0.10"


async def seen_by_app(
    peer: str, headers: dict[str, str], trusted: tuple[Network, ...]
) -> tuple[str, str]:
    seen: dict[str, Scope] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen["scope"] = scope

    async def receive() -> Message:
        return {"type": "http.request"}

    async def send(message: Message) -> None:
        return None

    scope: Scope = {
        "type": "http",
        "scheme": "http",
        "client": (peer, 51000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    await ClientAddressMiddleware(app, trusted)(scope, receive, send)
    return seen["scope"]["client"][0], seen["scope"]["scheme"]


TRUSTED = (ipaddress.ip_network(PROXY),)
FORWARDED = {"X-Forwarded-For": "203.0.113.4", "X-Forwarded-Proto": "https"}


async def test_by_default_no_one_is_believed() -> None:
    assert await seen_by_app("127.0.0.1", FORWARDED, ()) == ("127.0.0.1", "http")


async def test_a_peer_that_is_not_the_proxy_is_not_believed() -> None:
    assert await seen_by_app("198.51.100.1", FORWARDED, TRUSTED) == ("198.51.100.1", "http")


async def test_the_trusted_proxy_names_the_client_and_scheme() -> None:
    assert await seen_by_app(PROXY, FORWARDED, TRUSTED) == ("203.0.113.4", "https")


async def test_hops_written_by_the_client_are_ignored() -> None:
    headers = {"X-Forwarded-For": "1.1.1.1, 203.0.113.4"}
    assert (await seen_by_app(PROXY, headers, TRUSTED))[0] == "203.0.113.4"


async def test_trusted_hops_are_skipped_from_the_right() -> None:
    trusted = (*TRUSTED, ipaddress.ip_network("10.0.0.0/8"))
    headers = {"X-Forwarded-For": "203.0.113.4, 10.1.2.3"}
    assert (await seen_by_app(PROXY, headers, trusted))[0] == "203.0.113.4"


async def test_a_garbled_chain_keeps_the_proxy_address() -> None:
    headers = {"X-Forwarded-For": "203.0.113.4, not-an-address"}
    assert (await seen_by_app(PROXY, headers, TRUSTED))[0] == PROXY


async def test_ipv6_clients_are_understood() -> None:
    headers = {"X-Forwarded-For": "2001:db8::7"}
    assert (await seen_by_app(PROXY, headers, TRUSTED))[0] == "2001:db8::7"
