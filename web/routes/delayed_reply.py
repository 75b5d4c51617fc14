"""Delayed-reply mode: working hours, expectations, the inbox, live sessions, send later."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from messaging import errors, live_sessions, messages, replies, schedules, send_later
from messaging.actors import Actor
from web import parsing
from web.api import ApiRoute, Contract
from web.context import app_context
from web.models import clinic as clinic_wire
from web.models import delayed_reply as wire
from web.models import threads as thread_wire
from web.serializers import (
    expectations_json,
    inbox_json,
    live_session_json,
    schedule_json,
)

Json = dict[str, Any]


async def read_schedule(request: Request, actor: Actor | None) -> wire.ScheduleJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        schedule = await schedules.my_schedule(uow, actor)
    return schedule_json(schedule)


async def update_schedule(
    request: Request, actor: Actor | None, body: wire.ScheduleChoices
) -> wire.ScheduleJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        schedule = await schedules.set_my_schedule(
            uow,
            context.services,
            actor,
            time_zone=body.time_zone,
            weekly=body.hours,
            days_off=body.days_off,
            away_message=body.away_message,
            commitment_amount=body.commitment.amount,
            commitment_unit=body.commitment.unit,
        )
    return schedule_json(schedule)


async def read_expectations(request: Request, actor: Actor | None) -> wire.ExpectationsJson:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await replies.expectations(uow, context.services, actor, thread_id)
    return expectations_json(found)


async def read_inbox(request: Request, actor: Actor | None) -> wire.Inbox:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        waiting = await replies.inbox(uow, context.services, actor)
    now = context.clock.now()
    return {"threads": [inbox_json(thread, now, flagged) for thread, flagged in waiting]}


async def read_overdue_counts(request: Request, actor: Actor | None) -> clinic_wire.OverdueCounts:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        counts = await replies.overdue_counts(uow, context.services, actor)
    return {
        "therapists": [
            {"therapist_id": str(therapist), "display_name": name, "overdue": overdue}
            for therapist, name, overdue in counts
        ]
    }


async def list_live_sessions(request: Request, actor: Actor | None) -> wire.LiveSessionList:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await live_sessions.sessions_of(uow, context.services, actor, thread_id)
    return {"live_sessions": [live_session_json(s) for s in found]}


async def schedule_live_session(
    request: Request, actor: Actor | None, body: wire.Window
) -> wire.LiveSessionJson:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        session = await live_sessions.schedule_session(
            uow, context.services, actor, thread_id, body.starts_at, body.ends_at
        )
    return live_session_json(session)


async def move_live_session(
    request: Request, actor: Actor | None, body: wire.Window
) -> wire.LiveSessionJson:
    session_id = parsing.path_uuid(request, "session_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        session = await live_sessions.move_session(
            uow, context.services, actor, session_id, body.starts_at, body.ends_at
        )
    return live_session_json(session)


async def cancel_live_session(request: Request, actor: Actor | None) -> wire.LiveSessionJson:
    session_id = parsing.path_uuid(request, "session_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        session = await live_sessions.cancel_session(uow, context.services, actor, session_id)
    return live_session_json(session)


async def schedule_message(
    request: Request, actor: Actor | None, body: wire.LaterMessage
) -> thread_wire.MessageJson:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        message = await send_later.schedule_message(
            uow, context.services, actor, thread_id, body.envelope, body.deliver_at
        )
    return messages.message_payload(message)


async def list_scheduled(request: Request, actor: Actor | None) -> thread_wire.MessageList:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        waiting = await send_later.list_scheduled(uow, actor, thread_id)
    return {"messages": [messages.message_payload(m) for m in waiting]}


async def replace_scheduled(
    request: Request, actor: Actor | None, body: wire.LaterMessage
) -> thread_wire.MessageJson:
    message_id = parsing.path_uuid(request, "message_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        message = await send_later.replace_scheduled(
            uow, context.services, actor, message_id, body.envelope, body.deliver_at
        )
    return messages.message_payload(message)


async def cancel_scheduled(request: Request, actor: Actor | None) -> None:
    message_id = parsing.path_uuid(request, "message_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await send_later.cancel_scheduled(uow, context.services, actor, message_id)


LATER_ERRORS = (errors.Conflict, errors.Gone)

routes = [
    ApiRoute(
        "/api/me/schedule",
        read_schedule,
        "GET",
        Contract("My working hours and reply commitment (therapists)", response=wire.ScheduleJson),
    ),
    ApiRoute(
        "/api/me/schedule",
        update_schedule,
        "PUT",
        Contract(
            "Set my working hours, days off, away message and commitment",
            body=wire.ScheduleChoices,
            response=wire.ScheduleJson,
        ),
    ),
    ApiRoute(
        "/api/inbox",
        read_inbox,
        "GET",
        Contract("Threads awaiting my reply, soonest due first", response=wire.Inbox),
    ),
    ApiRoute(
        "/api/clinic/overdue",
        read_overdue_counts,
        "GET",
        Contract("Overdue replies per therapist (counts only)", response=clinic_wire.OverdueCounts),
    ),
    ApiRoute(
        "/api/threads/{thread_id}/expectations",
        read_expectations,
        "GET",
        Contract("When to expect a reply in a thread", response=wire.ExpectationsJson),
    ),
    ApiRoute(
        "/api/threads/{thread_id}/live-sessions",
        list_live_sessions,
        "GET",
        Contract("A thread's live sessions", response=wire.LiveSessionList),
    ),
    ApiRoute(
        "/api/threads/{thread_id}/live-sessions",
        schedule_live_session,
        "POST",
        Contract(
            "Schedule a live session (therapists of the thread)",
            body=wire.Window,
            response=wire.LiveSessionJson,
            status=201,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        "/api/live-sessions/{session_id}",
        move_live_session,
        "PUT",
        Contract(
            "Move a live session",
            body=wire.Window,
            response=wire.LiveSessionJson,
            errors=(errors.Conflict, errors.Gone),
        ),
    ),
    ApiRoute(
        "/api/live-sessions/{session_id}",
        cancel_live_session,
        "DELETE",
        Contract(
            "Cancel a live session",
            response=wire.LiveSessionJson,
            errors=(errors.Conflict, errors.Gone),
        ),
    ),
    ApiRoute(
        "/api/threads/{thread_id}/scheduled",
        list_scheduled,
        "GET",
        Contract("My messages waiting to be sent later", response=thread_wire.MessageList),
    ),
    ApiRoute(
        "/api/threads/{thread_id}/scheduled",
        schedule_message,
        "POST",
        Contract(
            "Hold an envelope until deliver_at",
            body=wire.LaterMessage,
            response=thread_wire.MessageJson,
            status=201,
            errors=LATER_ERRORS,
        ),
    ),
    ApiRoute(
        "/api/scheduled/{message_id}",
        replace_scheduled,
        "PUT",
        Contract(
            "Replace a held message or its time, until it is released",
            body=wire.LaterMessage,
            response=thread_wire.MessageJson,
            errors=LATER_ERRORS,
        ),
    ),
    ApiRoute(
        "/api/scheduled/{message_id}",
        cancel_scheduled,
        "DELETE",
        Contract("Cancel a held message, until it is released", errors=LATER_ERRORS),
    ),
]
