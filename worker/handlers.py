"""The job handlers this worker runs, by kind."""

from __future__ import annotations

from messaging.clock import Clock
from messaging.context import ServiceContext
from messaging.events import EventPublisher
from messaging.jobs import JobRegistry
from messaging.settings import Settings
from messaging.storage.database import Database
from worker.account_emails import AccountEmails
from worker.delayed_reply_jobs import DelayedReplyJobs
from worker.group_jobs import GroupJobs
from worker.journal_jobs import JournalJobs
from worker.mail import Mailer
from worker.message_emails import MessageEmails
from worker.outgoing import Outgoing
from worker.safety_jobs import SafetyJobs


def build_registry(
    settings: Settings,
    database: Database,
    clock: Clock,
    mailer: Mailer,
    events: EventPublisher | None = None,
) -> JobRegistry:
    """Every job kind the system enqueues has its handler registered here."""
    registry = JobRegistry()
    context = ServiceContext.from_settings(settings, clock, events)
    outgoing = Outgoing(settings, context, mailer)
    AccountEmails(database, outgoing).register(registry)
    MessageEmails(database, outgoing).register(registry)
    DelayedReplyJobs(database, outgoing).register(registry)
    JournalJobs(database, outgoing).register(registry)
    SafetyJobs(database, outgoing).register(registry)
    GroupJobs(database, outgoing).register(registry)
    return registry
