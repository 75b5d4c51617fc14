"""The job handlers this worker runs, by kind."""

from __future__ import annotations

from messaging.clock import Clock
from messaging.jobs import JobRegistry
from messaging.settings import Settings
from messaging.storage.database import Database


def build_registry(settings: Settings, database: Database, clock: Clock) -> JobRegistry:
    """Every job kind the system enqueues has its handler registered here."""
    return JobRegistry()
