"""Whose address the rate limits see when nobody is trusted as a proxy (the default):
the connection's own, whatever X-Forwarded-For a client invents."""

from __future__ import annotations

import pytest

from tests.support.forwarding import client_from
from tests.support.world import PASSWORD, Api
from web.client import ApiError

WRONG_KEY = "A" * 43


async def test_invented_forwarded_addresses_do_not_escape_the_address_limit(api: Api) -> None:
    admin = await api.create_clinic()
    for n in range(30):
        attacker = client_from(api, f"198.51.100.{n + 1}")
        with pytest.raises(ApiError) as wrong:
            await attacker.request(
                "POST", "/api/login", {"email": f"guess-{n}@example.org", "auth_key": WRONG_KEY}
            )
        assert wrong.value.status == 401

    # Every one of those came from this host: it is now locked out, whatever it claims.
    with pytest.raises(ApiError) as locked:
        await client_from(api, "203.0.113.99").login(admin.email, PASSWORD)
    assert locked.value.status == 429
