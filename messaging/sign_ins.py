"""New-sign-in notices: a device is new only the first time it signs in, and sign-ins from
new devices in a short time make one email.

The browser (or SDK) keeps a random device id and sends it when it registers and logs in;
the server keeps only a keyed hash of it per person. A sign-in from an unknown device (or
one that sends no id) queues a notice that goes out after `NOTICE_WINDOW`; further new
sign-ins meanwhile are counted into it. A sign-in from a known device is not announced.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from messaging import jobs
from messaging.context import ServiceContext
from messaging.storage import devices
from messaging.storage.database import UnitOfWork
from messaging.storage.records import UserRecord

NOTICE_WINDOW = timedelta(minutes=2)
MAX_DEVICE_ID = 100


def _device_hash(ctx: ServiceContext, user_id: uuid.UUID, device_id: str) -> bytes:
    return ctx.keys.hash_token(f"device {user_id} {device_id}")


async def remember_device(
    uow: UnitOfWork, ctx: ServiceContext, user_id: uuid.UUID, device_id: str, now: datetime
) -> bool:
    """Note the device of a registration or sign-in; True if it is new (or has no id)."""
    if not device_id:
        return True
    return await devices.remember_device(
        uow.session, user_id, _device_hash(ctx, user_id, device_id), now
    )


async def note_sign_in(
    uow: UnitOfWork,
    ctx: ServiceContext,
    user: UserRecord,
    session_id: uuid.UUID,
    device_id: str,
    now: datetime,
) -> None:
    """Queue (or join) a new-sign-in notice unless the device is known."""
    if not await remember_device(uow, ctx, user.id, device_id, now):
        return
    if await devices.join_pending_login_notice(uow.session, user.id):
        return
    job_id = await jobs.enqueue(
        uow,
        "email.security_notice",
        {"user_id": str(user.id), "notice": "new_login", "session_id": str(session_id)},
        now=now,
        run_at=now + NOTICE_WINDOW,
        clinic_id=user.clinic_id,
    )
    await devices.add_pending_login_notice(uow.session, user.id, job_id)


async def take_notice(uow: UnitOfWork, user_id: uuid.UUID, job_id: int) -> int:
    """The worker is about to send notice `job_id`: how many sign-ins it covers. Later
    sign-ins get a notice of their own."""
    count = await devices.take_pending_login_notice(uow.session, user_id, job_id)
    await uow.commit()
    return count
