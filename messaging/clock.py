"""Time comes in as a parameter so tests can move it instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol, overload


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@overload
def iso_utc(moment: datetime) -> str: ...


@overload
def iso_utc(moment: datetime | None) -> str | None: ...


def iso_utc(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, the form every API answer uses; None stays None."""
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
