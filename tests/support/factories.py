"""Rows made directly in storage, for tests about machinery (jobs, email) rather than about
how people sign up. Random suffixes keep them unique."""

from __future__ import annotations

import uuid
from datetime import datetime

from messaging.storage import accounts
from messaging.storage.database import Database
from messaging.storage.records import ClinicRecord, UserRecord


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
