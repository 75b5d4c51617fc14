"""The real worker's job handlers, run on demand against a test's database and clock."""

from __future__ import annotations

from messaging.jobs import JobRunner
from messaging.settings import load_settings
from tests.support.clock import FrozenClock
from tests.support.smtp import SmtpSink
from tests.support.world import Api
from worker.handlers import build_registry
from worker.mail import SmtpMailer


async def deliver(
    api: Api, smtp: SmtpSink | str, clock: FrozenClock, *, one_cycle: bool = False
) -> int:
    """Run every due job once through the real handlers, sending to `smtp`; returns how
    many jobs ran. With `one_cycle`, only what a worker claims in a single pass."""
    url = smtp if isinstance(smtp, str) else smtp.url
    settings = load_settings(
        {
            "INTERLUDE_DATA_DIR": "/tmp/interlude-notifier-tests",
            "INTERLUDE_SECRET_KEY": "test-secret-key-" + "s" * 32,
            "INTERLUDE_PUBLIC_URL": api.context.public_url,
            "INTERLUDE_SMTP_URL": url,
        }
    )
    mailer = SmtpMailer.from_url(url, timeout=5)
    ran = 0
    try:
        registry = build_registry(settings, api.database, clock, mailer, api.context.events)
        runner = JobRunner(api.database, registry, clock)
        while count := await runner.run_due():
            ran += count
            if one_cycle:
                break
    finally:
        await mailer.close()
    return ran
