"""Queries for clinics, users, credentials, identity keys and care teams."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete, exists, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.records import (
    CareAssignmentRecord,
    ClinicRecord,
    CredentialsRecord,
    IdentityKeyRecord,
    UserRecord,
)
from messaging.storage.tables import (
    care_team,
    clinics,
    credentials,
    identity_keys,
    sessions,
    users,
)


class KdfRow(NamedTuple):
    salt: bytes
    version: int
    ops: int
    mem: int


async def insert_clinic(session: AsyncSession, clinic: ClinicRecord) -> None:
    await session.execute(clinics.insert().values(clinic.columns()))


async def get_clinic(session: AsyncSession, clinic_id: uuid.UUID) -> ClinicRecord | None:
    row = (
        (await session.execute(select(clinics).where(clinics.c.id == clinic_id))).mappings().first()
    )
    return None if row is None else ClinicRecord.from_row(row)


async def time_zone_of(session: AsyncSession, user_id: uuid.UUID) -> str:
    """The person's time zone ("UTC" for an unknown id)."""
    found = await session.scalar(select(users.c.time_zone).where(users.c.id == user_id))
    return found or "UTC"


async def set_time_zone(session: AsyncSession, user_id: uuid.UUID, time_zone: str) -> None:
    await session.execute(update(users).where(users.c.id == user_id).values(time_zone=time_zone))


async def insert_user(session: AsyncSession, user: UserRecord) -> None:
    await session.execute(users.insert().values(user.columns()))


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> UserRecord | None:
    row = (await session.execute(select(users).where(users.c.id == user_id))).mappings().first()
    return None if row is None else UserRecord.from_row(row)


async def find_user_by_email(session: AsyncSession, email: str) -> UserRecord | None:
    row = (await session.execute(select(users).where(users.c.email == email))).mappings().first()
    return None if row is None else UserRecord.from_row(row)


async def find_credentials_by_email(
    session: AsyncSession, email: str
) -> tuple[UserRecord, CredentialsRecord] | None:
    """A user and their credentials in one query, the same query whether or not the email
    has an account (so the two cases cost the same)."""
    row = (
        await session.execute(
            select(users, credentials)
            .join(credentials, credentials.c.user_id == users.c.id)
            .where(users.c.email == email)
        )
    ).first()
    if row is None:
        return None
    mapping = row._mapping
    user = UserRecord(**{name: mapping[users.c[name]] for name in UserRecord.__slots__})
    stored = CredentialsRecord(
        **{name: mapping[credentials.c[name]] for name in CredentialsRecord.__slots__}
    )
    return user, stored


async def find_kdf_by_email(session: AsyncSession, email: str) -> KdfRow | None:
    """The KDF salt and parameters of an email's account, in one small query that costs
    the same whether or not the email has an account."""
    row = (
        await session.execute(
            select(
                credentials.c.kdf_salt,
                credentials.c.kdf_version,
                credentials.c.kdf_ops,
                credentials.c.kdf_mem,
            )
            .join(users, users.c.id == credentials.c.user_id)
            .where(users.c.email == email)
        )
    ).first()
    return None if row is None else KdfRow(row[0], row[1], row[2], row[3])


async def email_in_clinic(session: AsyncSession, clinic_id: uuid.UUID, email: str) -> bool:
    """Whether one of the clinic's own people has this email (other clinics' people are
    none of its business)."""
    return bool(
        await session.scalar(
            select(exists().where(users.c.email == email, users.c.clinic_id == clinic_id))
        )
    )


async def list_users(
    session: AsyncSession, clinic_id: uuid.UUID, *, after_email: str, limit: int
) -> list[UserRecord]:
    rows = await session.execute(
        select(users)
        .where(users.c.clinic_id == clinic_id, users.c.email > after_email)
        .order_by(users.c.email)
        .limit(limit)
    )
    return [UserRecord.from_row(row) for row in rows.mappings()]


async def active_admin_ids(session: AsyncSession, clinic_id: uuid.UUID) -> list[uuid.UUID]:
    """The clinic's active admins, in id order (whoever a clinic-wide key is sealed to)."""
    rows = await session.execute(
        select(users.c.id)
        .where(users.c.clinic_id == clinic_id, users.c.role == "admin", users.c.status == "active")
        .order_by(users.c.id)
    )
    return list(rows.scalars())


async def disable_user(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> bool:
    result = await session.execute(
        update(users)
        .where(users.c.id == user_id, users.c.status == "active")
        .values(status="disabled", disabled_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def set_display_name(session: AsyncSession, user_id: uuid.UUID, name: str) -> None:
    await session.execute(update(users).where(users.c.id == user_id).values(display_name=name))


async def insert_credentials(session: AsyncSession, record: CredentialsRecord) -> None:
    await session.execute(credentials.insert().values(record.columns()))


async def get_credentials(session: AsyncSession, user_id: uuid.UUID) -> CredentialsRecord | None:
    row = (
        (await session.execute(select(credentials).where(credentials.c.user_id == user_id)))
        .mappings()
        .first()
    )
    return None if row is None else CredentialsRecord.from_row(row)


async def replace_password_credentials(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    expected_auth_key_hash: bytes,
    auth_key_hash: bytes,
    kdf_version: int,
    kdf_ops: int,
    kdf_mem: int,
    kdf_salt: bytes,
    wrapped_account_key: bytes,
    now: datetime,
) -> bool:
    """Swap the password material, only if it is still what the caller proved it knew
    (two concurrent password changes cannot both win)."""
    result = await session.execute(
        update(credentials)
        .where(
            credentials.c.user_id == user_id,
            credentials.c.auth_key_hash == expected_auth_key_hash,
        )
        .values(
            auth_key_hash=auth_key_hash,
            kdf_version=kdf_version,
            kdf_ops=kdf_ops,
            kdf_mem=kdf_mem,
            kdf_salt=kdf_salt,
            wrapped_account_key=wrapped_account_key,
            updated_at=now,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def insert_identity_key(session: AsyncSession, record: IdentityKeyRecord) -> None:
    await session.execute(identity_keys.insert().values(record.columns()))


async def add_identity_key(session: AsyncSession, record: IdentityKeyRecord) -> bool:
    """Insert a key unless the user already has one with its id (a concurrent replacement
    with the same key won); whether it was inserted."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(identity_keys)
        .values(record.columns())
        .on_conflict_do_nothing(index_elements=["user_id", "key_id"])
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def current_identity_key(
    session: AsyncSession, user_id: uuid.UUID
) -> IdentityKeyRecord | None:
    row = (
        (
            await session.execute(
                select(identity_keys).where(
                    identity_keys.c.user_id == user_id, identity_keys.c.retired_at.is_(None)
                )
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else IdentityKeyRecord.from_row(row)


async def add_care_assignment(session: AsyncSession, record: CareAssignmentRecord) -> bool:
    """Insert the pair unless it is there already (concurrent identical requests: one
    inserts, the others wait for it and insert nothing); whether it was inserted."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(care_team)
        .values(record.columns())
        .on_conflict_do_nothing(index_elements=["therapist_id", "client_id"])
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_care_assignment(
    session: AsyncSession, therapist_id: uuid.UUID, client_id: uuid.UUID
) -> bool:
    result = await session.execute(
        delete(care_team).where(
            care_team.c.therapist_id == therapist_id, care_team.c.client_id == client_id
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def list_care_assignments(
    session: AsyncSession, clinic_id: uuid.UUID
) -> list[CareAssignmentRecord]:
    rows = await session.execute(
        select(care_team)
        .where(care_team.c.clinic_id == clinic_id)
        .order_by(care_team.c.client_id, care_team.c.therapist_id)
    )
    return [CareAssignmentRecord.from_row(row) for row in rows.mappings()]


async def session_device_labels(
    session: AsyncSession, session_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The device label of each of `session_ids` that has one, in one query."""
    if not session_ids:
        return {}
    rows = await session.execute(
        select(sessions.c.id, sessions.c.device_label).where(
            sessions.c.id.in_(session_ids), sessions.c.device_label.is_not(None)
        )
    )
    return {session_id: str(label) for session_id, label in rows}


async def therapists_of_client(session: AsyncSession, client_id: uuid.UUID) -> list[UserRecord]:
    """Active therapists on a client's care team."""
    rows = await session.execute(
        select(users)
        .join(care_team, care_team.c.therapist_id == users.c.id)
        .where(care_team.c.client_id == client_id, users.c.status == "active")
        .order_by(users.c.id)
    )
    return [UserRecord.from_row(row) for row in rows.mappings()]


async def current_identity_keys(
    session: AsyncSession, user_ids: list[uuid.UUID]
) -> dict[uuid.UUID, IdentityKeyRecord]:
    if not user_ids:
        return {}
    rows = await session.execute(
        select(identity_keys).where(
            identity_keys.c.user_id.in_(user_ids), identity_keys.c.retired_at.is_(None)
        )
    )
    records = [IdentityKeyRecord.from_row(row) for row in rows.mappings()]
    return {record.user_id: record for record in records}


async def identity_key(
    session: AsyncSession, user_id: uuid.UUID, key_id: bytes
) -> IdentityKeyRecord | None:
    row = (
        (
            await session.execute(
                select(identity_keys).where(
                    identity_keys.c.user_id == user_id, identity_keys.c.key_id == key_id
                )
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else IdentityKeyRecord.from_row(row)


async def retire_identity_key(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(identity_keys)
        .where(identity_keys.c.user_id == user_id, identity_keys.c.retired_at.is_(None))
        .values(retired_at=now)
    )


async def replace_keyring(
    session: AsyncSession, user_id: uuid.UUID, keyring: bytes, now: datetime
) -> None:
    await session.execute(
        update(credentials)
        .where(credentials.c.user_id == user_id)
        .values(keyring=keyring, updated_at=now)
    )


async def clients_of_therapist(session: AsyncSession, therapist_id: uuid.UUID) -> list[UserRecord]:
    """Active clients whose care team includes the therapist, by name."""
    rows = await session.execute(
        select(users)
        .join(care_team, care_team.c.client_id == users.c.id)
        .where(care_team.c.therapist_id == therapist_id, users.c.status == "active")
        .order_by(users.c.display_name, users.c.id)
    )
    return [UserRecord.from_row(row) for row in rows.mappings()]


class Recipient(NamedTuple):
    """Where a person's emails go: their address and their clinic's neutral sender name."""

    email: str
    sender_name: str | None


async def active_recipients(
    session: AsyncSession, user_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Recipient]:
    """The active people among `user_ids` with their clinic's sender name, in one query
    (the batch form of reading each user and then their clinic)."""
    if not user_ids:
        return {}
    rows = await session.execute(
        select(users.c.id, users.c.email, clinics.c.sender_name)
        .outerjoin(clinics, clinics.c.id == users.c.clinic_id)
        .where(users.c.id.in_(user_ids), users.c.status == "active")
    )
    return {user_id: Recipient(email, sender_name) for user_id, email, sender_name in rows}
