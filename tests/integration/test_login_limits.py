"""Online guessing is limited, and a stranger cannot lock a person out of their own
account (docs/security.md, "Limits"). These run behind a trusted proxy (127.0.0.1), so each
test client can say which address it comes from."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messaging import authentication
from messaging.actors import RequestOrigin
from messaging.errors import NotAuthenticated
from tests.support.clock import FrozenClock
from tests.support.forwarding import client_from
from tests.support.statements import statements_run
from tests.support.world import PASSWORD, Api
from web.client import ApiError

WRONG_KEY = "A" * 43
OWNER = "192.0.2.10"


@pytest.fixture
def settings_env(settings_env: dict[str, str]) -> dict[str, str]:
    return {**settings_env, "INTERLUDE_TRUSTED_PROXIES": "127.0.0.1"}


async def wrong_login(api: Api, email: str, address: str) -> ApiError:
    with pytest.raises(ApiError) as refused:
        await client_from(api, address).request(
            "POST", "/api/login", {"email": email, "auth_key": WRONG_KEY}
        )
    return refused.value


async def test_strangers_guessing_from_many_addresses_cannot_lock_the_owner_out(
    api: Api,
) -> None:
    admin = await api.create_clinic()
    for n in range(40):
        assert (await wrong_login(api, admin.email, f"198.51.100.{n + 1}")).status == 401

    unlocked = await client_from(api, OWNER).login(admin.email, PASSWORD)
    assert unlocked.user["id"] == admin.user_id


async def test_an_account_under_attack_gives_each_guessing_address_one_try(api: Api) -> None:
    admin = await api.create_clinic()
    for n in range(10):
        assert (await wrong_login(api, admin.email, f"198.51.100.{n + 1}")).status == 401

    # Past the per-account threshold an address that already failed is refused ...
    refused = await wrong_login(api, admin.email, "198.51.100.1")
    assert refused.status == 429
    with pytest.raises(ApiError) as even_right:
        await client_from(api, "198.51.100.1").login(admin.email, PASSWORD)
    assert even_right.value.status == 429
    # ... while a fresh address still gets its answer.
    assert (await wrong_login(api, admin.email, "198.51.100.200")).status == 401


async def test_one_address_is_locked_out_of_an_account_after_five_wrong_guesses(
    api: Api, clock: FrozenClock
) -> None:
    admin = await api.create_clinic()
    for _ in range(5):
        assert (await wrong_login(api, admin.email, "203.0.113.5")).status == 401
    locked = await wrong_login(api, admin.email, "203.0.113.5")
    assert locked.status == 429

    await client_from(api, OWNER).login(admin.email, PASSWORD)
    clock.advance(timedelta(minutes=15, seconds=1))
    await client_from(api, "203.0.113.5").login(admin.email, PASSWORD)


async def test_one_address_guessing_across_accounts_is_locked_out(api: Api) -> None:
    admin = await api.create_clinic()
    for n in range(30):
        assert (await wrong_login(api, f"guess-{n}@example.org", "203.0.113.7")).status == 401
    with pytest.raises(ApiError) as locked:
        await client_from(api, "203.0.113.7").login(admin.email, PASSWORD)
    assert locked.value.status == 429
    await client_from(api, "203.0.113.8").login(admin.email, PASSWORD)


async def test_the_right_address_is_the_one_the_trusted_proxy_appended(api: Api) -> None:
    admin = await api.create_clinic()
    for n in range(5):
        # The attacker writes a new first hop each time; the proxy appends the real one.
        spoofed = f"10.0.0.{n + 1}, 203.0.113.9"
        assert (await wrong_login(api, admin.email, spoofed)).status == 401
    assert (await wrong_login(api, admin.email, "10.9.9.9, 203.0.113.9")).status == 429


async def test_wrong_passwords_do_not_block_recovery(api: Api) -> None:
    admin = await api.create_clinic()
    for _ in range(5):
        await wrong_login(api, admin.email, OWNER)
    assert (await wrong_login(api, admin.email, OWNER)).status == 429

    recovered = await client_from(api, OWNER).recover(
        admin.email, admin.recovery_code, "a brand new passphrase here"
    )
    assert recovered.user["id"] == admin.user_id


async def test_wrong_recovery_codes_do_not_block_login(api: Api) -> None:
    admin = await api.create_clinic()
    guesser = client_from(api, OWNER)
    for _ in range(5):
        with pytest.raises(ApiError) as wrong:
            await guesser.request(
                "POST",
                "/api/recovery/begin",
                {"email": admin.email, "recovery_auth_key": WRONG_KEY},
            )
        assert wrong.value.status == 401
    with pytest.raises(ApiError) as locked:
        await guesser.request(
            "POST", "/api/recovery/begin", {"email": admin.email, "recovery_auth_key": WRONG_KEY}
        )
    assert locked.value.status == 429

    await client_from(api, OWNER).login(admin.email, PASSWORD)


async def test_prelogin_is_limited_per_address(api: Api) -> None:
    prober = client_from(api, "203.0.113.20")
    for n in range(60):
        await prober.request("POST", "/api/prelogin", {"email": f"probe-{n}@example.org"})
    with pytest.raises(ApiError) as limited:
        await prober.request("POST", "/api/prelogin", {"email": "one-more@example.org"})
    assert limited.value.status == 429
    await client_from(api, "203.0.113.21").prelogin("someone@example.org")


async def test_prelogin_does_the_same_work_for_known_and_unknown_emails(api: Api) -> None:
    admin = await api.create_clinic()
    origin = RequestOrigin("192.0.2.50")
    answers = []
    work = []
    for email in (admin.email, "nobody-at-all@example.org"):
        with statements_run(api.database) as statements:
            async with api.database.unit_of_work() as uow:
                answers.append(await authentication.prelogin(uow, api.context, email, origin))
        work.append(statements)
    assert work[0] == work[1]
    assert len(answers[0].salt) == len(answers[1].salt)


async def test_a_wrong_login_does_the_same_work_for_known_and_unknown_emails(api: Api) -> None:
    admin = await api.create_clinic()
    work = []
    for n, email in enumerate((admin.email, "nobody-at-all@example.org")):
        origin = RequestOrigin(f"192.0.2.{60 + n}")
        with statements_run(api.database) as statements, pytest.raises(NotAuthenticated):
            async with api.database.unit_of_work() as uow:
                await authentication.login(uow, api.context, email, bytes(32), origin)
        work.append(statements)
    assert work[0] == work[1]
