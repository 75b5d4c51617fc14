"""Queries for the clinic's admin key (docs/crypto.md section 12, labels for admins): its
public half and generation, and its secret sealed to each admin. A change of key or of
the set of seals is a compare-and-swap on the generation, which also locks the row, so
two admins' clients cannot both replace it and no label is written under a key that is
being replaced."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.records import Record
from messaging.storage.tables import admin_key_seals, admin_keys


@dataclass(frozen=True, slots=True)
class AdminKeyRecord(Record):
    clinic_id: uuid.UUID
    generation: int
    public_key: bytes
    updated_at: datetime
    # An admin who held a seal was deleted or disabled (their seal with them): replace
    # the key.
    replace_due: bool
    # The admin who made or last resealed the key, and their signature over it.
    maker_id: uuid.UUID
    signature: bytes


async def get_admin_key(session: AsyncSession, clinic_id: uuid.UUID) -> AdminKeyRecord | None:
    row = (
        (await session.execute(select(admin_keys).where(admin_keys.c.clinic_id == clinic_id)))
        .mappings()
        .first()
    )
    return None if row is None else AdminKeyRecord.from_row(row)


async def sign_again(
    session: AsyncSession, clinic_id: uuid.UUID, maker_id: uuid.UUID, signature: bytes
) -> None:
    """(Reseal) Record the resealing admin's signature over the unchanged key."""
    await session.execute(
        update(admin_keys)
        .where(admin_keys.c.clinic_id == clinic_id)
        .values(maker_id=maker_id, signature=signature)
    )


async def claim_generation(session: AsyncSession, clinic_id: uuid.UUID, generation: int) -> bool:
    """Lock the admin key row if it is still at `generation` (an UPDATE that changes
    nothing but takes the row's write lock); False if it moved on or there is none."""
    result = await session.execute(
        update(admin_keys)
        .where(admin_keys.c.clinic_id == clinic_id, admin_keys.c.generation == generation)
        .values(generation=generation)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def save_admin_key(
    session: AsyncSession, record: AdminKeyRecord, from_generation: int
) -> bool:
    """Store the key of `record.generation` if the clinic's is still at `from_generation`
    (0: none yet); False if another request got there first."""
    if from_generation == 0:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = insert(admin_keys).values(record.columns()).on_conflict_do_nothing()
        result = await session.execute(statement)
    else:
        result = await session.execute(
            update(admin_keys)
            .where(
                admin_keys.c.clinic_id == record.clinic_id,
                admin_keys.c.generation == from_generation,
            )
            .values(record.columns())
        )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def replace_seals(
    session: AsyncSession, clinic_id: uuid.UUID, seals: dict[uuid.UUID, bytes]
) -> None:
    await session.execute(delete(admin_key_seals).where(admin_key_seals.c.clinic_id == clinic_id))
    for admin_id, seal in seals.items():
        await session.execute(
            admin_key_seals.insert().values(clinic_id=clinic_id, admin_id=admin_id, seal=seal)
        )


async def seal_for(
    session: AsyncSession, clinic_id: uuid.UUID, admin_id: uuid.UUID
) -> bytes | None:
    found: bytes | None = await session.scalar(
        select(admin_key_seals.c.seal).where(
            admin_key_seals.c.clinic_id == clinic_id, admin_key_seals.c.admin_id == admin_id
        )
    )
    return found


async def sealed_to(session: AsyncSession, clinic_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(admin_key_seals.c.admin_id)
        .where(admin_key_seals.c.clinic_id == clinic_id)
        .order_by(admin_key_seals.c.admin_id)
    )
    return list(rows)


async def forget_admin(session: AsyncSession, user_id: uuid.UUID) -> None:
    """(Deletion, disabling) Drop the person's seals; each clinic key they held is due for
    replacement, so that they hold no key to labels written after they left."""
    held = await session.scalars(
        select(admin_key_seals.c.clinic_id).where(admin_key_seals.c.admin_id == user_id)
    )
    clinics = list(held)
    if not clinics:
        return
    await session.execute(delete(admin_key_seals).where(admin_key_seals.c.admin_id == user_id))
    await session.execute(
        update(admin_keys).where(admin_keys.c.clinic_id.in_(clinics)).values(replace_due=True)
    )
