"""Login rate limits, per account and per client address.

Counted in the database so every web process sees the same numbers. Keys are keyed hashes
(no emails or addresses stored), and an email without an account is counted exactly like
one with an account, so a lock never reveals whether the account exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from messaging.errors import RateLimited
from messaging.storage import sessions as store
from messaging.storage.database import UnitOfWork


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    max_failures: int
    window: timedelta
    lockout: timedelta


PER_ACCOUNT = ThrottleRule(
    max_failures=5, window=timedelta(minutes=15), lockout=timedelta(minutes=15)
)
PER_ADDRESS = ThrottleRule(
    max_failures=30, window=timedelta(minutes=15), lockout=timedelta(minutes=15)
)

LOCKED_MESSAGE = "Too many attempts. Wait a few minutes, then try again."


async def ensure_not_locked(uow: UnitOfWork, key_hash: bytes, now: datetime) -> None:
    state = await store.throttle_state(uow.session, key_hash)
    if state is None:
        return
    _, _, locked_until = state
    if locked_until is not None and locked_until > now:
        retry_after = math.ceil((locked_until - now).total_seconds())
        raise RateLimited(retry_after, LOCKED_MESSAGE)


async def record_failure(
    uow: UnitOfWork, key_hash: bytes, rule: ThrottleRule, now: datetime
) -> None:
    state = await store.throttle_state(uow.session, key_hash)
    if state is None or now - state[0] >= rule.window:
        window_started_at, failures = now, 1
    else:
        window_started_at, failures = state[0], state[1] + 1
    locked_until = now + rule.lockout if failures >= rule.max_failures else None
    await store.save_throttle_state(
        uow.session,
        key_hash,
        window_started_at=window_started_at,
        failures=0 if locked_until else failures,
        locked_until=locked_until,
    )


async def clear(uow: UnitOfWork, key_hash: bytes) -> None:
    await store.clear_throttle(uow.session, key_hash)
