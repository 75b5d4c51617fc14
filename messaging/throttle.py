"""Rate limits on guessing secrets (logins, recovery codes) and on prelogin.

Counted in the database so every web process sees the same numbers. Keys are keyed hashes
(no emails or addresses stored), and an email without an account is counted exactly like
one with an account, so a limit never reveals whether the account exists.

The limits are chosen so that a stranger cannot lock a person out of their own account
(docs/security.md, "Limits"):

- per account *and* address: 5 wrong secrets lock that pair for 15 minutes;
- per address: 30 wrong secrets (any accounts, login and recovery alike) lock it;
- per account, from every address together: past 10 wrong secrets in 15 minutes the
  account counts as under attack. That never refuses an address with no failures on the
  account (its owner, typically), but refuses any address that already failed on it, so
  guessing with many addresses gets one try per address per window.

Recovery has its own per-account counters: guessing passwords does not block recovery.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from messaging.errors import RateLimited
from messaging.server_keys import ServerKeys
from messaging.storage import sessions as store
from messaging.storage.database import UnitOfWork


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    max_failures: int
    window: timedelta
    # None: count only (the per-account rule), never lock by itself.
    lockout: timedelta | None


PER_ACCOUNT_AND_ADDRESS = ThrottleRule(
    max_failures=5, window=timedelta(minutes=15), lockout=timedelta(minutes=15)
)
PER_ADDRESS = ThrottleRule(
    max_failures=30, window=timedelta(minutes=15), lockout=timedelta(minutes=15)
)
PER_ACCOUNT = ThrottleRule(max_failures=10, window=timedelta(minutes=15), lockout=None)
PRELOGIN_PER_ADDRESS = ThrottleRule(
    max_failures=60, window=timedelta(minutes=5), lockout=timedelta(minutes=5)
)

LOCKED_MESSAGE = "Too many attempts. Wait a few minutes, then try again."


@dataclass(frozen=True, slots=True)
class SecretGuessKeys:
    """The counters one attempt at a secret touches."""

    pair: bytes
    address: bytes
    account: bytes

    @classmethod
    def of(cls, keys: ServerKeys, purpose: str, email: str, address: str | None) -> SecretGuessKeys:
        where = address or "unknown"
        return cls(
            pair=keys.throttle_key(f"{purpose}.pair", f"{email}\0{where}"),
            address=keys.throttle_key("address", where),
            account=keys.throttle_key(f"{purpose}.account", email),
        )


async def ensure_may_guess(uow: UnitOfWork, keys: SecretGuessKeys, now: datetime) -> None:
    """Refuse (429) a locked pair or address, or an address that already failed on an
    account under attack; an address with no failures on the account always gets through."""
    await ensure_not_locked(uow, keys.pair, now)
    await ensure_not_locked(uow, keys.address, now)
    account = await store.throttle_state(uow.session, keys.account)
    if account is None or not _counting(account, PER_ACCOUNT, now):
        return
    if account[1] < PER_ACCOUNT.max_failures:
        return
    pair = await store.throttle_state(uow.session, keys.pair)
    if pair is not None and _counting(pair, PER_ACCOUNT_AND_ADDRESS, now) and pair[1] > 0:
        window_ends = pair[0] + PER_ACCOUNT_AND_ADDRESS.window
        raise RateLimited(_seconds_until(window_ends, now), LOCKED_MESSAGE)


async def record_wrong_guess(uow: UnitOfWork, keys: SecretGuessKeys, now: datetime) -> None:
    await record(uow, keys.pair, PER_ACCOUNT_AND_ADDRESS, now)
    await record(uow, keys.address, PER_ADDRESS, now)
    await record(uow, keys.account, PER_ACCOUNT, now)


async def record_right_guess(uow: UnitOfWork, keys: SecretGuessKeys) -> None:
    """The owner got in from this address: its own slips are forgiven (the account's
    count is not: those failures may be someone else's)."""
    await clear(uow, keys.pair)


async def count_request(
    uow: UnitOfWork, key_hash: bytes, rule: ThrottleRule, now: datetime
) -> None:
    """A plain request budget (prelogin): refuse once locked, count otherwise."""
    await ensure_not_locked(uow, key_hash, now)
    await record(uow, key_hash, rule, now)


async def ensure_not_locked(uow: UnitOfWork, key_hash: bytes, now: datetime) -> None:
    state = await store.throttle_state(uow.session, key_hash)
    if state is None:
        return
    _, _, locked_until = state
    if locked_until is not None and locked_until > now:
        raise RateLimited(_seconds_until(locked_until, now), LOCKED_MESSAGE)


async def record(uow: UnitOfWork, key_hash: bytes, rule: ThrottleRule, now: datetime) -> None:
    state = await store.throttle_state(uow.session, key_hash)
    if state is None or not _counting(state, rule, now):
        window_started_at, failures = now, 1
    else:
        window_started_at, failures = state[0], state[1] + 1
    locks = rule.lockout is not None and failures >= rule.max_failures
    locked_until = now + rule.lockout if rule.lockout is not None and locks else None
    await store.save_throttle_state(
        uow.session,
        key_hash,
        window_started_at=window_started_at,
        failures=0 if locked_until else failures,
        locked_until=locked_until,
    )


async def clear(uow: UnitOfWork, key_hash: bytes) -> None:
    await store.clear_throttle(uow.session, key_hash)


def _counting(
    state: tuple[datetime, int, datetime | None], rule: ThrottleRule, now: datetime
) -> bool:
    return now - state[0] < rule.window


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))
