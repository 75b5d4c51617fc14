"""Email throughput of the full job path against a raw aiosmtplib loop, in one run.

Run: `.venv/bin/python bench/notifier.py [--count 2000] [--rounds 3] [--database-url URL]`.

The full path is what production does for every notice: claim jobs from the database in
batches, load the recipient, render the neutral template, compose (stable Message-ID),
send over the worker's pool of SMTP connections, record the outcomes. Three baselines send
the same number of emails to the same local aiosmtpd sink over one aiosmtplib connection:
the first with prebuilt single-part messages (the goal is measured against it: at least
0.8x), the second with prebuilt copies of the worker's own multipart email (its bytes are
five times longer, which costs the sink more per email: this isolates the job path's own
overhead), the fairer one building the same multipart email as the full path inside its loop
(`compose_email`: the work a naive sender does per email). All print emails/s.

The machine these run on is shared and noisy, so the four cases run in alternating
rounds (`--rounds`, default 3; the full path on a fresh SQLite file each round) and the
fastest round of each case is kept, as `bench/journal.py` does.

By default every notice goes to one person, so the worker sends them one after another
in claim order, over one connection, like the baselines. `--people N` spreads them over
N recipients in turn: then up to four go out at once over the worker's pool of SMTP
connections (jobs about one person still in order), which a single-connection loop
cannot do.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiosmtplib
from aiosmtpd.controller import Controller

from messaging import jobs
from messaging.clock import SystemClock
from messaging.jobs import JobRunner, RunnerOptions
from messaging.settings import load_settings
from messaging.storage import schema
from messaging.storage.database import Database
from tests.support.factories import make_person
from tests.support.services import free_port
from worker.handlers import build_registry
from worker.mail import MailComposer, SmtpMailer, compose_email, templates


class CountingSink:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.count += 1
        return "250 OK"


async def full_job_path(database_url: str, smtp_url: str, count: int, people: int = 1) -> float:
    database = Database.from_url(database_url)
    try:
        await schema.upgrade(database.engine)
        clock = SystemClock()
        recipients = [await make_person(database, clock.now()) for _ in range(people)]
        async with database.unit_of_work() as uow:
            for n in range(count):
                person = recipients[n % people]
                await jobs.enqueue(
                    uow,
                    "email.security_notice",
                    {"user_id": str(person.id), "notice": "password_changed"},
                    now=clock.now(),
                )
            await uow.commit()
        settings = load_settings(
            {
                "INTERLUDE_DATA_DIR": tempfile.mkdtemp(prefix="interlude-bench-"),
                "INTERLUDE_DATABASE_URL": database_url,
                "INTERLUDE_SECRET_KEY": "bench-secret-key-" + "b" * 32,
                "INTERLUDE_SMTP_URL": smtp_url,
            }
        )
        mailer = SmtpMailer.from_url(smtp_url)
        runner = JobRunner(
            database,
            build_registry(settings, database, clock, mailer),
            clock,
            RunnerOptions(batch_size=50),
        )
        started = time.perf_counter()
        sent = 0
        while ran := await runner.run_due():
            sent += ran
        elapsed = time.perf_counter() - started
        await mailer.close()
        assert sent == count, f"sent {sent} of {count}"
        return count / elapsed
    finally:
        await database.dispose()


async def raw_loop(host: str, port: int, count: int) -> float:
    messages = []
    for n in range(count):
        message = EmailMessage()
        message["From"] = "Interlude <no-reply@interlude.invalid>"
        message["To"] = "someone@example.org"
        message["Subject"] = "You have a new message on Interlude"
        message["Message-ID"] = f"<raw-{n}@interlude.invalid>"
        message.set_content("You have a new message. Open Interlude to read it.")
        messages.append(message)
    started = time.perf_counter()
    async with aiosmtplib.SMTP(hostname=host, port=port) as smtp:
        for message in messages:
            await smtp.send_message(message)
    return count / (time.perf_counter() - started)


async def same_bytes_loop(host: str, port: int, count: int) -> float:
    """The worker's own emails (the same multipart bytes it sends), prebuilt: what the
    SMTP exchange alone costs for them, apart from the larger message's cost in the sink."""
    rendered = templates.security_password_changed(
        sender_name="Interlude",
        changed_at="03 December 2026, 10:00 UTC",
        account_url="http://127.0.0.1:8000/#/devices",
    )
    composer = MailComposer(
        mail_from="Interlude <no-reply@interlude.invalid>", public_url="http://127.0.0.1:8000"
    )
    emails = [
        composer.compose(rendered, job_id=n + 1, to="someone@example.org", now=datetime.now(UTC))
        for n in range(count)
    ]
    started = time.perf_counter()
    async with aiosmtplib.SMTP(hostname=host, port=port) as smtp:
        for email in emails:
            await smtp.sendmail(email.sender, list(email.recipients), email.data)
    return count / (time.perf_counter() - started)


async def fair_loop(host: str, port: int, count: int) -> float:
    """The same multipart/alternative notice the worker sends, composed per email."""
    rendered = templates.security_password_changed(
        sender_name="Interlude",
        changed_at="03 December 2026, 10:00 UTC",
        account_url="http://127.0.0.1:8000/#/account",
    )
    started = time.perf_counter()
    async with aiosmtplib.SMTP(hostname=host, port=port) as smtp:
        for n in range(count):
            message = compose_email(
                rendered,
                job_id=n + 1,
                to="someone@example.org",
                mail_from="Interlude <no-reply@interlude.invalid>",
                public_url="http://127.0.0.1:8000",
                now=datetime.now(UTC),
            )
            await smtp.send_message(message)
    return count / (time.perf_counter() - started)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--people",
        type=int,
        default=1,
        help="recipients of the full path's notices, in turn (default 1: one lane, in order)",
    )
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    sink = CountingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    raws, sames, fairs, fulls = [], [], [], []
    try:
        for _ in range(args.rounds):
            database_url = args.database_url or (
                f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='interlude-bench-')}/bench.db"
            )
            raws.append(await raw_loop("127.0.0.1", controller.port, args.count))
            sames.append(await same_bytes_loop("127.0.0.1", controller.port, args.count))
            fairs.append(await fair_loop("127.0.0.1", controller.port, args.count))
            fulls.append(
                await full_job_path(
                    database_url, f"smtp://127.0.0.1:{controller.port}", args.count, args.people
                )
            )
    finally:
        controller.stop()
    raw, same, fair, full = max(raws), max(sames), max(fairs), max(fulls)
    dialect = database_url.split(":", 1)[0]
    print(
        f"emails: {args.count} per case, database {dialect}, fastest of {args.rounds} rounds,"
        f" {args.people} recipient(s)"
    )
    print(f"raw aiosmtplib, prebuilt emails   {raw:9.0f} emails/s  {_rounds(raws)}")
    print(f"aiosmtplib, prebuilt worker bytes {same:9.0f} emails/s  {_rounds(sames)}")
    print(f"aiosmtplib composing each email   {fair:9.0f} emails/s  {_rounds(fairs)}")
    print(f"full job path (claim→send→record) {full:9.0f} emails/s  {_rounds(fulls)}")
    print(f"ratio full/raw                    {full / raw:9.2f}x  (goal >= 0.80x)")
    print(f"ratio full/prebuilt worker bytes  {full / same:9.2f}x")
    print(f"ratio full/composing              {full / fair:9.2f}x")


def _rounds(rates: list[float]) -> str:
    return "(rounds: " + ", ".join(f"{rate:.0f}" for rate in rates) + ")"


if __name__ == "__main__":
    asyncio.run(main())
