"""A therapist's working hours, days off, away message and reply commitment."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime

from messaging.actors import Actor
from messaging.context import ServiceContext
from messaging.errors import InvalidInput
from messaging.policy import Action, authorize, own
from messaging.storage import accounts
from messaging.storage import delayed_reply as store
from messaging.storage.database import UnitOfWork
from messaging.storage.records import ScheduleRecord
from messaging.working_time import (
    DEFAULT_COMMITMENT,
    DEFAULT_HOURS,
    Commitment,
    WorkingHours,
    format_weekly,
    parse_weekly,
)

MAX_AWAY_MESSAGE = 500
MAX_DAYS_OFF = 366
DEFAULT_AWAY_MESSAGE = "I'm away right now. I'll reply during my working hours."


@dataclass(frozen=True, slots=True)
class Schedule:
    hours: WorkingHours
    commitment: Commitment
    away_message: str


def default_schedule(time_zone: str = "UTC") -> Schedule:
    hours = replace(DEFAULT_HOURS, time_zone=time_zone)
    return Schedule(hours, DEFAULT_COMMITMENT, DEFAULT_AWAY_MESSAGE)


def _from_record(record: ScheduleRecord) -> Schedule:
    return Schedule(
        WorkingHours(
            record.time_zone,
            parse_weekly(record.weekly_hours),
            frozenset(date.fromisoformat(d) for d in record.days_off),
        ),
        Commitment(record.commitment_amount, record.commitment_unit),
        record.away_message,
    )


async def schedule_of(uow: UnitOfWork, therapist_id: uuid.UUID) -> Schedule:
    """The therapist's schedule, or the default (weekdays 09:00-17:00 in their time zone,
    one working day)."""
    record = await store.get_schedule(uow.session, therapist_id)
    if record is None:
        return default_schedule(await accounts.time_zone_of(uow.session, therapist_id))
    return _from_record(record)


async def schedules_of(uow: UnitOfWork, therapist_ids: list[uuid.UUID]) -> list[Schedule]:
    """`schedule_of` for each of these therapists, in that order, with one query."""
    found = await store.schedules_with_zones(uow.session, therapist_ids)
    return [
        default_schedule(zone) if record is None else _from_record(record)
        for record, zone in (found[therapist] for therapist in therapist_ids)
    ]


async def my_schedule(uow: UnitOfWork, actor: Actor | None) -> Schedule:
    allowed = authorize(actor, Action.MANAGE_OWN_SCHEDULE, own(actor))
    return await schedule_of(uow, allowed.user_id)


def parse_days_off(raw: list[str]) -> frozenset[date]:
    if len(raw) > MAX_DAYS_OFF:
        raise InvalidInput(f"days_off: at most {MAX_DAYS_OFF} dates.")
    try:
        return frozenset(date.fromisoformat(day) for day in raw)
    except (TypeError, ValueError):
        raise InvalidInput("days_off: dates like 2026-12-24.") from None


async def set_my_schedule(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    *,
    time_zone: str,
    weekly: dict[str, list[list[str]]],
    days_off: list[str],
    away_message: str,
    commitment_amount: int,
    commitment_unit: str,
) -> Schedule:
    """Save the therapist's schedule. Replies already due keep their times; the next
    awaited message is measured against the new hours."""
    allowed = authorize(actor, Action.MANAGE_OWN_SCHEDULE, own(actor))
    hours = WorkingHours(time_zone, parse_weekly(weekly), parse_days_off(days_off))
    commitment = Commitment(commitment_amount, commitment_unit)
    away = " ".join(away_message.split())
    if len(away) > MAX_AWAY_MESSAGE:
        raise InvalidInput(f"away_message: at most {MAX_AWAY_MESSAGE} characters.")
    now: datetime = ctx.clock.now()
    await store.save_schedule(
        uow.session,
        ScheduleRecord(
            user_id=allowed.user_id,
            time_zone=hours.time_zone,
            weekly_hours=format_weekly(hours.weekly),
            days_off=sorted(d.isoformat() for d in hours.days_off),
            away_message=away,
            commitment_amount=commitment.amount,
            commitment_unit=commitment.unit,
            updated_at=now,
        ),
    )
    await uow.commit()
    return Schedule(hours, commitment, away)
