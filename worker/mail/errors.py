"""How sending an email can fail: worth retrying, or not.

A job handler lets `TemporaryMailError` propagate (the job runner backs off and retries)
and turns `PermanentMailError` into `messaging.errors.PermanentJobFailure` (the job goes
dead at once, keeping the reason for an administrator).
"""

from __future__ import annotations


class MailError(Exception):
    """Base of every failure to hand an email over; `reason` is safe to record and log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TemporaryMailError(MailError):
    """The server could not be reached, timed out or answered 4xx: retrying may succeed."""


class PermanentMailError(MailError):
    """The server refused this recipient or this message with a 5xx reply: retrying the
    same message cannot succeed. `reason` carries the server's code and text."""
