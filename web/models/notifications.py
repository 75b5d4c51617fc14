"""Notification preferences on the wire."""

from __future__ import annotations

from typing import Annotated

from typing_extensions import TypedDict

from web.models.fields import ClockTime, Flag, Input, Text, Whole


class Digest(Input):
    frequency: Annotated[str, Text(16)]
    hour: Annotated[int, Whole(0, 23)]
    weekday: Annotated[int, Whole(0, 6)]


class QuietHours(Input):
    start: ClockTime
    end: ClockTime


class PreferenceChoices(Input):
    message_mode: Annotated[str, Text(16)]
    digest: Digest
    reminders: Flag
    time_zone: Annotated[str, Text(64)]
    quiet_hours: QuietHours | None = None
    notice_delay_minutes: Annotated[int, Whole(1, 1440)]


class DigestJson(TypedDict):
    frequency: str
    hour: int
    weekday: int


class QuietHoursJson(TypedDict):
    start: str | None
    end: str | None


class PreferencesJson(TypedDict):
    message_mode: str
    digest: DigestJson
    reminders: bool
    time_zone: str
    quiet_hours: QuietHoursJson | None
    notice_delay_minutes: int
