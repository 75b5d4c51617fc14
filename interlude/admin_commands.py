"""`interlude admin ...`: operator commands that run against the database directly."""

from __future__ import annotations

import argparse
import sys

from messaging import audit, clinics
from messaging.clock import SystemClock
from messaging.context import ServiceContext
from messaging.errors import InterludeError
from messaging.settings import Settings
from messaging.storage.database import Database

EXIT_FAILED = 1


async def create_clinic(settings: Settings, database: Database, args: argparse.Namespace) -> int:
    context = ServiceContext.from_settings(settings, SystemClock())
    try:
        async with database.unit_of_work() as uow:
            clinic, issued = await clinics.create_clinic(
                uow, context, args.name, args.admin_email, args.admin_name, args.sender_name
            )
    except InterludeError as error:
        print(f"interlude: {error.message}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Created clinic {clinic.name!r} ({clinic.id}).")
    expires = f"{issued.invitation.expires_at:%Y-%m-%d %H:%M} UTC"
    print(f"Invitation for {issued.invitation.email}, valid until {expires}:")
    print(issued.link)
    return 0


async def verify_audit(database: Database) -> int:
    async with database.unit_of_work() as uow:
        report = await audit.verify_chain(uow)
    if report.ok:
        print(f"Audit trail intact: {report.events_checked} events verified.")
        return 0
    print(
        f"Audit trail BROKEN at event {report.first_broken_id}: {report.reason} "
        f"({report.events_checked} events before it verified).",
        file=sys.stderr,
    )
    return EXIT_FAILED
