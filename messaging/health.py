"""Readiness: can we serve requests right now, and if not, what is failing?

Readiness is a list of named checks run in order; each either passes or names what is
wrong. A new dependency adds one entry to `readiness_checks`.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import redis.asyncio as redis
from sqlalchemy import text

from messaging.settings import Settings
from messaging.storage import schema
from messaging.storage.database import Database

CHECK_TIMEOUT_SECONDS = 3.0
SMTP_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class NotReady(Exception):
    """A check's finding, worded for an operator (no secrets)."""


@dataclass(frozen=True, slots=True)
class ReadinessCheck:
    name: str
    probe: Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Readiness:
    ready: bool
    reason: str
    passed: tuple[str, ...] = ()


async def check_readiness(checks: Sequence[ReadinessCheck]) -> Readiness:
    """Run every check; ready when all pass, otherwise the reason names each failure."""
    failures: list[str] = []
    passed: list[str] = []
    for check in checks:
        try:
            await asyncio.wait_for(check.probe(), CHECK_TIMEOUT_SECONDS)
        except NotReady as finding:
            failures.append(str(finding))
        except Exception as error:  # any failure to reach a dependency means "not ready"
            failures.append(f"{check.name} unreachable: {type(error).__name__}")
        else:
            passed.append(check.name)
    if failures:
        return Readiness(False, "; ".join(failures), tuple(passed))
    return Readiness(True, "ok", tuple(passed))


def readiness_checks(settings: Settings, database: Database) -> list[ReadinessCheck]:
    """What this deployment depends on: the database and its schema always; Redis and the
    mail relay when they are configured."""
    checks = [
        ReadinessCheck("database", lambda: database_answers(database)),
        ReadinessCheck("migrations", lambda: schema_is_current(database)),
    ]
    if settings.redis_url is not None:
        url = settings.redis_url
        checks.append(ReadinessCheck("redis", lambda: redis_answers(url)))
    if settings.smtp_url is not None:
        relay = settings.smtp_url
        checks.append(ReadinessCheck("mail relay", lambda: mail_relay_greets(relay)))
    return checks


async def database_answers(database: Database) -> None:
    async with database.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def schema_is_current(database: Database) -> None:
    current = await schema.current_revision(database.engine)
    head = schema.head_revision()
    if current != head:
        raise NotReady(f"database schema is at {current or 'nothing'}, expected {head}")


async def redis_answers(url: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        await client.ping()
    finally:
        await client.aclose()


async def mail_relay_greets(url: str) -> None:
    """The relay accepts a connection and greets with 220 (then we say QUIT)."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = parts.port or SMTP_PORTS.get(parts.scheme, 25)
    tls = ssl.create_default_context() if parts.scheme == "smtps" else None
    reader, writer = await asyncio.open_connection(host, port, ssl=tls)
    try:
        greeting = await reader.readline()
        if not greeting.startswith(b"220"):
            raise NotReady(
                f"mail relay did not greet (answered {greeting[:3].decode(errors='replace')!r})"
            )
        writer.write(b"QUIT\r\n")
        await writer.drain()
    finally:
        writer.close()
        await writer.wait_closed()
