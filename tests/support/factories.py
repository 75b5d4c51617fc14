"""Rows made directly in storage, for tests about machinery (jobs, email) rather than about
how people sign up. Random suffixes keep them unique."""

from __future__ import annotations

import os
import uuid
from datetime import datetime

from messaging.actors import Actor, Role
from messaging.clock import SystemClock
from messaging.storage import accounts
from messaging.storage.database import Database
from messaging.storage.records import ClinicRecord, UserRecord
from messaging.storage.tables import messages, thread_members, threads

INSERT_CHUNK = 5_000


async def make_person(database: Database, now: datetime, role: str = "client") -> UserRecord:
    """An active user (no credentials: enough for whatever only needs an address)."""
    clinic = ClinicRecord(uuid.uuid4(), f"Clinic {uuid.uuid4().hex[:6]}", "Interlude", now)
    user = UserRecord(
        id=uuid.uuid4(),
        clinic_id=clinic.id,
        email=f"{role}-{uuid.uuid4().hex[:10]}@example.org",
        display_name="Test Person",
        role=role,
        status="active",
        created_at=now,
        disabled_at=None,
    )
    async with database.unit_of_work() as uow:
        await accounts.insert_clinic(uow.session, clinic)
        await accounts.insert_user(uow.session, user)
        await uow.commit()
    return user


async def make_thread(
    database: Database, length: int, *, envelope_bytes: int = 600
) -> tuple[Actor, uuid.UUID]:
    """A direct thread of `length` visible messages (random bytes standing in for
    envelopes, bulk-inserted), and its client as an actor to read it as."""
    now = SystemClock().now()
    client = await make_person(database, now)
    thread_id = uuid.uuid4()
    envelope = os.urandom(envelope_bytes)
    async with database.unit_of_work() as uow:
        await uow.session.execute(
            threads.insert().values(
                id=thread_id,
                clinic_id=client.clinic_id,
                kind="direct",
                client_id=client.id,
                created_by=client.id,
                created_at=now,
                current_epoch=0,
                needs_rekey=False,
                title_envelope=None,
                last_seq=length,
                last_message_at=now,
            )
        )
        await uow.session.execute(
            thread_members.insert().values(
                thread_id=thread_id,
                user_id=client.id,
                role="client",
                joined_epoch=0,
                left_at=None,
                read_seq=0,
            )
        )
        await uow.commit()
    for start in range(1, length + 1, INSERT_CHUNK):
        rows = [
            {
                "id": uuid.uuid4(),
                "thread_id": thread_id,
                "seq": seq,
                "sender_id": client.id,
                "client_message_id": uuid.uuid4().bytes,
                "epoch": 0,
                "envelope": envelope,
                "state": "visible",
                "created_at": now,
            }
            for seq in range(start, min(start + INSERT_CHUNK, length + 1))
        ]
        async with database.unit_of_work() as uow:
            await uow.session.execute(messages.insert(), rows)
            await uow.commit()
    actor = Actor(client.id, client.clinic_id, Role.CLIENT, uuid.uuid4())
    return actor, thread_id
