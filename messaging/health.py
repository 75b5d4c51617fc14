"""Readiness: can we serve requests right now?"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from messaging.storage import schema
from messaging.storage.database import Database


@dataclass(frozen=True, slots=True)
class Readiness:
    ready: bool
    reason: str


async def check_readiness(database: Database) -> Readiness:
    """Ready when the database answers and its schema is at the newest migration."""
    try:
        async with database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        current = await schema.current_revision(database.engine)
    except Exception as error:  # any failure to reach the database means "not ready"
        return Readiness(False, f"database unreachable: {type(error).__name__}")
    head = schema.head_revision()
    if current != head:
        return Readiness(False, f"database schema is at {current or 'nothing'}, expected {head}")
    return Readiness(True, "ok")
