"""Journaling prompts reaching a client: the firing job and the neutral email.

Firing records a delivery once per (prompt, due time) under the prompt's row lock, queues
the next due time (from the schedule, in the client's zone as it is now), tells the
client's open pages, and queues the email if the client wants reminders (one an hour at
most, by the job's dedupe key). During the client's quiet hours both wait until they end.
A job for a prompt paused, stopped, edited to another time or already fired does nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from messaging import jobs
from messaging.context import ServiceContext
from messaging.errors import JobNotDueYet
from messaging.events import publish_after_commit
from messaging.local_time import quiet_hours_end, zone
from messaging.preferences import preferences_of, unsubscribe_url
from messaging.prompt_schedule import next_due
from messaging.prompts import delivery_payload, queue_firing, schedule_of
from messaging.storage import accounts
from messaging.storage import journal as store
from messaging.storage.database import UnitOfWork
from messaging.storage.records import PreferencesRecord, PromptDeliveryRecord

EMAIL_KIND = "email.journaling_prompt"
EMAIL_WORDING = "You have a journaling prompt from your care team."


def quiet_until(preferences: PreferencesRecord, now: datetime) -> datetime | None:
    """When the person's quiet hours end, if `now` falls in them."""
    if preferences.quiet_start is None or preferences.quiet_end is None:
        return None
    return quiet_hours_end(
        now, zone(preferences.time_zone), preferences.quiet_start, preferences.quiet_end
    )


async def fire(
    uow: UnitOfWork, ctx: ServiceContext, prompt_id: uuid.UUID, due: datetime
) -> PromptDeliveryRecord | None:
    """The firing job: deliver the prompt due at `due` once, queue the next due time and
    the email. Does nothing for a prompt paused, stopped, edited to another time, or
    already fired for `due`; ends it if its author left the client's care team. Raises
    JobNotDueYet during the client's quiet hours."""
    prompt = await store.get_prompt(uow.session, prompt_id, lock=True)
    if prompt is None or prompt.state != "active" or prompt.next_due_at != due:
        return None
    client = await accounts.get_user(uow.session, prompt.client_id)
    now = ctx.clock.now()
    therapists = await accounts.therapists_of_client(uow.session, prompt.client_id)
    if (
        client is None
        or client.status != "active"
        or prompt.author_id not in {t.id for t in therapists}
    ):
        # The client left, or the therapist who wrote it is no longer on their care team.
        await store.update_prompt(
            uow.session, prompt.id, state="finished", next_due_at=None, updated_at=now
        )
        await uow.commit()
        return None
    preferences = await preferences_of(uow, client.id, now)
    tz = zone(preferences.time_zone)
    held = quiet_until(preferences, now)
    if held is not None:
        raise JobNotDueYet(held)
    delivery = PromptDeliveryRecord(
        id=uuid.uuid4(),
        prompt_id=prompt.id,
        client_id=client.id,
        due_at=due,
        delivered_at=now,
        answered_at=None,
        answer_entry_id=None,
    )
    await store.insert_delivery(uow.session, delivery)
    fired = prompt.fired_count + 1
    following = next_due(schedule_of(prompt), tz, max(due, now), fired)
    await store.update_prompt(
        uow.session,
        prompt.id,
        fired_count=fired,
        next_due_at=following,
        state="active" if following is not None else "finished",
        updated_at=now,
    )
    if following is not None:
        await queue_firing(uow, ctx, prompt.id, following, client.clinic_id)
    if preferences.reminders:
        await jobs.enqueue(
            uow,
            EMAIL_KIND,
            {"user_id": str(client.id)},
            now=now,
            dedupe_key=f"journal-prompt-email:{client.id}:{now:%Y-%m-%dT%H}",
            clinic_id=client.clinic_id,
        )
    await publish_after_commit(
        uow,
        ctx.events,
        "journal_prompt",
        dict(delivery_payload(delivery, prompt)),
        [client.id],
        now=now,
    )
    await uow.commit()
    return delivery


@dataclass(frozen=True, slots=True)
class PromptEmail:
    to: str
    sender_name: str
    wording: str
    journal_url: str
    unsubscribe_url: str


async def prompt_email_to_send(
    uow: UnitOfWork, ctx: ServiceContext, user_id: uuid.UUID
) -> PromptEmail | None:
    """The neutral email for prompts that just reached a client (never the prompt's text),
    or None if they turned reminders off. Raises JobNotDueYet during their quiet hours."""
    now = ctx.clock.now()
    user = await accounts.get_user(uow.session, user_id)
    preferences = await preferences_of(uow, user_id, now)
    if user is None or user.status != "active" or not preferences.reminders:
        return None
    held = quiet_until(preferences, now)
    if held is not None:
        raise JobNotDueYet(held)
    clinic = await accounts.get_clinic(uow.session, user.clinic_id)
    return PromptEmail(
        to=user.email,
        sender_name=clinic.sender_name if clinic else "Interlude",
        wording=EMAIL_WORDING,
        journal_url=f"{ctx.public_url}/#/journal",
        unsubscribe_url=unsubscribe_url(ctx, user_id, "reminders"),
    )
