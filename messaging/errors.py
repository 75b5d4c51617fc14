"""The one error hierarchy. Every error a client can cause is an `InterludeError`.

Each class carries a stable machine-readable `code`; `web/` maps classes to HTTP statuses
in exactly one place. Messages are shown to users, so they are plain words and never carry
secrets or plaintext.
"""

from __future__ import annotations

from datetime import datetime


class InterludeError(Exception):
    """Base of every error a caller may see; `code` is stable API."""

    code = "error"
    default_message = "Something went wrong."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)
        self.message = message or self.default_message


class InvalidInput(InterludeError):
    code = "invalid_input"
    default_message = "The request was not understood."


class NotAuthenticated(InterludeError):
    code = "not_authenticated"
    default_message = "Please log in."


class Forbidden(InterludeError):
    code = "forbidden"
    default_message = "You may not do that."


class NotFound(InterludeError):
    code = "not_found"
    default_message = "Not found."


class Conflict(InterludeError):
    code = "conflict"
    default_message = "That changed meanwhile; reload and try again."


class RekeyRequired(Conflict):
    code = "rekey_required"
    default_message = "This conversation's keys must be renewed before sending."


class StaleEpoch(Conflict):
    code = "stale_epoch"
    default_message = "This conversation moved to new keys. Reload it and send again."


class Muted(Forbidden):
    code = "muted"
    default_message = "You are muted in this group."


class Gone(InterludeError):
    code = "gone"
    default_message = "That is no longer available."


class RateLimited(InterludeError):
    code = "rate_limited"
    default_message = "Too many attempts; wait a little and try again."

    def __init__(self, retry_after_seconds: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class PayloadTooLarge(InterludeError):
    code = "payload_too_large"
    default_message = "That is too large."


class Unavailable(InterludeError):
    code = "unavailable"
    default_message = "The service is not ready."


class ConfigurationError(Exception):
    """Start-up configuration is wrong; the message names the variable and the problem."""


class PermanentJobFailure(Exception):
    """Raised by a job handler when retrying cannot help (e.g. SMTP 5xx for a recipient):
    the job goes dead at once with this message as its reason."""


class JobNotDueYet(Exception):
    """Raised by a job handler that finds its job should run later (e.g. during the
    recipient's quiet hours): the job is put back for `run_at` without using an attempt."""

    def __init__(self, run_at: datetime) -> None:
        super().__init__(f"not due until {run_at.isoformat()}")
        self.run_at = run_at
