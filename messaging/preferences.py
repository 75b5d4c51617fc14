"""Notification preferences, and one-click unsubscribe links (RFC 8058).

Per user: new-message emails immediate, as a daily or weekly digest at a chosen local
time, or off; reminders on or off; quiet hours; the delay before a notice. Local times are
in the person's one time zone (users.time_zone), the same one their working hours use.
Security notices ignore all of it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, time

from messaging import jobs
from messaging.actors import Actor
from messaging.context import ServiceContext
from messaging.errors import InvalidInput, NotFound
from messaging.local_time import MINUTES_PER_DAY, next_occurrence, zone
from messaging.policy import Action, authorize, own
from messaging.storage import accounts
from messaging.storage import notifications as store
from messaging.storage.database import UnitOfWork
from messaging.storage.records import PreferencesRecord

CATEGORIES = ("messages", "reminders")
MAX_DELAY_MINUTES = 24 * 60


def defaults(user_id: uuid.UUID, now: datetime, time_zone: str = "UTC") -> PreferencesRecord:
    return PreferencesRecord(
        user_id=user_id,
        message_mode="immediate",
        digest_frequency="daily",
        digest_hour=8,
        digest_weekday=0,
        reminders=True,
        time_zone=time_zone,
        quiet_start=None,
        quiet_end=None,
        notice_delay_minutes=10,
        updated_at=now,
    )


async def preferences_of(uow: UnitOfWork, user_id: uuid.UUID, now: datetime) -> PreferencesRecord:
    found = await store.get_preferences(uow.session, user_id)
    if found is not None:
        return found
    return defaults(user_id, now, await accounts.time_zone_of(uow.session, user_id))


async def my_preferences(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None
) -> PreferencesRecord:
    allowed = authorize(actor, Action.READ_OWN_ACCOUNT, own(actor))
    return await preferences_of(uow, allowed.user_id, ctx.clock.now())


@dataclass(frozen=True, slots=True)
class PreferenceChoices:
    message_mode: str
    digest_frequency: str
    digest_hour: int
    digest_weekday: int
    reminders: bool
    time_zone: str
    quiet_start: int | None
    quiet_end: int | None
    notice_delay_minutes: int

    def validated(self) -> PreferenceChoices:
        if self.message_mode not in ("immediate", "digest", "off"):
            raise InvalidInput("message_mode: choose immediate, digest or off.")
        if self.digest_frequency not in ("daily", "weekly"):
            raise InvalidInput("digest_frequency: choose daily or weekly.")
        if not 0 <= self.digest_hour <= 23:
            raise InvalidInput("digest_hour: an hour from 0 to 23.")
        if not 0 <= self.digest_weekday <= 6:
            raise InvalidInput("digest_weekday: a day from 0 (Monday) to 6 (Sunday).")
        zone(self.time_zone)
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise InvalidInput("quiet_hours: give both a start and an end, or neither.")
        for edge in (self.quiet_start, self.quiet_end):
            if edge is not None and not 0 <= edge < MINUTES_PER_DAY:
                raise InvalidInput("quiet_hours: minutes after midnight, from 0 to 1439.")
        if not 1 <= self.notice_delay_minutes <= MAX_DELAY_MINUTES:
            raise InvalidInput("notice_delay_minutes: from 1 to 1440.")
        return self


async def update_preferences(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, choices: PreferenceChoices
) -> PreferencesRecord:
    """Save the actor's choices; choosing a digest schedules the next one."""
    allowed = authorize(actor, Action.READ_OWN_ACCOUNT, own(actor))
    choices.validated()
    now = ctx.clock.now()
    record = PreferencesRecord(
        user_id=allowed.user_id,
        message_mode=choices.message_mode,
        digest_frequency=choices.digest_frequency,
        digest_hour=choices.digest_hour,
        digest_weekday=choices.digest_weekday,
        reminders=choices.reminders,
        time_zone=choices.time_zone,
        quiet_start=choices.quiet_start,
        quiet_end=choices.quiet_end,
        notice_delay_minutes=choices.notice_delay_minutes,
        updated_at=now,
    )
    await store.save_preferences(uow.session, record)
    if record.message_mode == "digest":
        await schedule_next_digest(uow, record, now, allowed.clinic_id)
    await uow.commit()
    return record


def next_digest_at(record: PreferencesRecord, after: datetime) -> datetime:
    weekday = record.digest_weekday if record.digest_frequency == "weekly" else None
    return next_occurrence(after, zone(record.time_zone), time(record.digest_hour), weekday)


async def schedule_next_digest(
    uow: UnitOfWork, record: PreferencesRecord, after: datetime, clinic_id: uuid.UUID
) -> None:
    """Queue the digest due next (once: the dedupe key names the user and the instant)."""
    run_at = next_digest_at(record, after)
    await jobs.enqueue(
        uow,
        "email.digest",
        {"user_id": str(record.user_id), "due": run_at.isoformat()},
        now=after,
        run_at=run_at,
        dedupe_key=f"digest:{record.user_id}:{run_at.isoformat()}",
        clinic_id=clinic_id,
    )


def unsubscribe_token(ctx: ServiceContext, user_id: uuid.UUID, category: str) -> str:
    message = f"unsubscribe:{user_id}:{category}"
    return f"{user_id}.{category}.{ctx.keys.sign_link(message)}"


def unsubscribe_url(ctx: ServiceContext, user_id: uuid.UUID, category: str) -> str:
    return f"{ctx.public_url}/api/unsubscribe/{unsubscribe_token(ctx, user_id, category)}"


def _parse_token(ctx: ServiceContext, token: str) -> tuple[uuid.UUID, str]:
    parts = token.split(".")
    if not token.isascii() or len(parts) != 3 or parts[1] not in CATEGORIES:
        raise NotFound("This unsubscribe link is not valid.")
    try:
        user_id = uuid.UUID(parts[0])
    except ValueError:
        raise NotFound("This unsubscribe link is not valid.") from None
    if not ctx.keys.verify_link(f"unsubscribe:{user_id}:{parts[1]}", parts[2]):
        raise NotFound("This unsubscribe link is not valid.")
    return user_id, parts[1]


async def check_unsubscribe(ctx: ServiceContext, token: str) -> str:
    """The category a genuine link would turn off (for the confirmation page)."""
    return _parse_token(ctx, token)[1]


async def unsubscribe(uow: UnitOfWork, ctx: ServiceContext, token: str) -> str:
    """Turn off the one category the signed link names (no login needed); returns it."""
    user_id, category = _parse_token(ctx, token)
    if await accounts.get_user(uow.session, user_id) is None:
        raise NotFound("This unsubscribe link is not valid.")
    now = ctx.clock.now()
    current = await preferences_of(uow, user_id, now)
    if category == "messages":
        changed = replace(current, message_mode="off", updated_at=now)
    else:
        changed = replace(current, reminders=False, updated_at=now)
    await store.save_preferences(uow.session, changed)
    await uow.commit()
    return category
