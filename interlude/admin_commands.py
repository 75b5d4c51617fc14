"""`interlude admin ...`: operator commands that run against the database directly."""

from __future__ import annotations

import argparse
import sys

from messaging import audit, clinics, crisis_resources, job_admin
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
                uow,
                context,
                args.name,
                args.admin_email,
                args.admin_name,
                args.sender_name,
                args.country,
            )
    except InterludeError as error:
        print(f"interlude: {error.message}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Created clinic {clinic.name!r} ({clinic.id}).")
    count = len(crisis_resources.defaults_for(args.country))
    if count:
        print(f"Its crisis resources start with {count} helpline(s) of {args.country.upper()}.")
    else:
        print("Its crisis resources are empty: the first admin can set them in the app.")
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


async def list_jobs(database: Database, states: list[str], kind_prefix: str | None) -> int:
    async with database.unit_of_work() as uow:
        found = await job_admin.list_jobs(uow, states=states, kind_prefix=kind_prefix)
    if not found:
        print(f"No {' or '.join(states)} jobs.")
        return 0
    print(f"{'ID':>8}  {'STATE':<8} {'KIND':<28} {'TRIES':>5}  UPDATED (UTC)     LAST ERROR")
    for job in found:
        error = (job.last_error or "").replace("\n", " ")[:80]
        print(
            f"{job.id:>8}  {job.state:<8} {job.kind:<28} {job.attempts:>5}  "
            f"{job.updated_at:%Y-%m-%d %H:%M}  {error}"
        )
    return 0


async def retry_jobs(settings: Settings, database: Database, job_ids: list[int]) -> int:
    context = ServiceContext.from_settings(settings, SystemClock())
    failed = False
    for job_id in job_ids:
        try:
            async with database.unit_of_work() as uow:
                await job_admin.retry_job(uow, context, job_id)
            print(f"Job {job_id} will run again.")
        except InterludeError as error:
            print(f"interlude: {error.message}", file=sys.stderr)
            failed = True
    return EXIT_FAILED if failed else 0
