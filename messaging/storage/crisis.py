"""Queries for a clinic's crisis resources (one row per clinic, made with the clinic)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.tables import crisis_resources


async def insert_resources(
    session: AsyncSession,
    clinic_id: uuid.UUID,
    country: str | None,
    resources: list[dict[str, Any]],
    now: datetime,
) -> None:
    await session.execute(
        crisis_resources.insert().values(
            clinic_id=clinic_id, country=country, resources=resources, updated_at=now
        )
    )


async def get_resources(session: AsyncSession, clinic_id: uuid.UUID) -> list[dict[str, Any]] | None:
    """The clinic's list, or None if there is no such clinic."""
    value = await session.scalar(
        select(crisis_resources.c.resources).where(crisis_resources.c.clinic_id == clinic_id)
    )
    return None if value is None else list(value)


async def replace_resources(
    session: AsyncSession, clinic_id: uuid.UUID, resources: list[dict[str, Any]], now: datetime
) -> None:
    await session.execute(
        update(crisis_resources)
        .where(crisis_resources.c.clinic_id == clinic_id)
        .values(resources=resources, updated_at=now)
    )
