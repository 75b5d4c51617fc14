"""Delayed-reply mode: working hours, expectations, the inbox, live sessions, send later."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import crypto
from messaging import live_sessions, messages, replies, schedules, send_later
from web import parsing
from web.auth import authenticated
from web.context import app_context
from web.serializers import (
    expectations_json,
    inbox_json,
    live_session_json,
    schedule_json,
)

MAX_ENVELOPE = crypto.MAX_ENVELOPE_BYTES + 1


async def read_schedule(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        schedule = await schedules.my_schedule(uow, actor)
    return JSONResponse(schedule_json(schedule))


async def update_schedule(request: Request) -> Response:
    actor = await authenticated(request)
    body = await parsing.read_json(request)
    commitment = parsing.obj(body, "commitment")
    hours = parsing.obj(body, "hours")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        schedule = await schedules.set_my_schedule(
            uow,
            context.services,
            actor,
            time_zone=parsing.text(body, "time_zone", max_length=64),
            weekly=hours,
            days_off=parsing.string_list(body, "days_off"),
            away_message=parsing.text(
                body, "away_message", max_length=schedules.MAX_AWAY_MESSAGE * 2
            ),
            commitment_amount=parsing.integer(commitment, "amount", maximum=1000),
            commitment_unit=parsing.text(commitment, "unit", max_length=8),
        )
    return JSONResponse(schedule_json(schedule))


async def read_expectations(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await replies.expectations(uow, context.services, actor, thread_id)
    return JSONResponse(expectations_json(found))


async def read_inbox(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        waiting = await replies.inbox(uow, context.services, actor)
    now = context.clock.now()
    return JSONResponse(
        {"threads": [inbox_json(thread, now, flagged) for thread, flagged in waiting]}
    )


async def read_overdue_counts(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        counts = await replies.overdue_counts(uow, context.services, actor)
    return JSONResponse(
        {
            "therapists": [
                {"therapist_id": str(therapist), "display_name": name, "overdue": overdue}
                for therapist, name, overdue in counts
            ]
        }
    )


async def list_live_sessions(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await live_sessions.sessions_of(uow, context.services, actor, thread_id)
    return JSONResponse({"live_sessions": [live_session_json(s) for s in found]})


async def schedule_live_session(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    body = await parsing.read_json(request)
    starts_at, ends_at = parsing.instant(body, "starts_at"), parsing.instant(body, "ends_at")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        session = await live_sessions.schedule_session(
            uow, context.services, actor, thread_id, starts_at, ends_at
        )
    return JSONResponse(live_session_json(session), status_code=201)


async def move_live_session(request: Request) -> Response:
    actor = await authenticated(request)
    session_id = parsing.path_uuid(request, "session_id")
    body = await parsing.read_json(request)
    starts_at, ends_at = parsing.instant(body, "starts_at"), parsing.instant(body, "ends_at")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        session = await live_sessions.move_session(
            uow, context.services, actor, session_id, starts_at, ends_at
        )
    return JSONResponse(live_session_json(session))


async def cancel_live_session(request: Request) -> Response:
    actor = await authenticated(request)
    session_id = parsing.path_uuid(request, "session_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        session = await live_sessions.cancel_session(uow, context.services, actor, session_id)
    return JSONResponse(live_session_json(session))


async def schedule_message(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    body = await parsing.read_json(request)
    envelope = parsing.binary(body, "envelope", max_size=MAX_ENVELOPE)
    deliver_at = parsing.instant(body, "deliver_at")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        message = await send_later.schedule_message(
            uow, context.services, actor, thread_id, envelope, deliver_at
        )
    return JSONResponse(messages.message_payload(message), status_code=201)


async def list_scheduled(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        waiting = await send_later.list_scheduled(uow, actor, thread_id)
    return JSONResponse({"messages": [messages.message_payload(m) for m in waiting]})


async def replace_scheduled(request: Request) -> Response:
    actor = await authenticated(request)
    message_id = parsing.path_uuid(request, "message_id")
    body = await parsing.read_json(request)
    envelope = parsing.binary(body, "envelope", max_size=MAX_ENVELOPE)
    deliver_at = parsing.instant(body, "deliver_at")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        message = await send_later.replace_scheduled(
            uow, context.services, actor, message_id, envelope, deliver_at
        )
    return JSONResponse(messages.message_payload(message))


async def cancel_scheduled(request: Request) -> Response:
    actor = await authenticated(request)
    message_id = parsing.path_uuid(request, "message_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await send_later.cancel_scheduled(uow, context.services, actor, message_id)
    return Response(status_code=204)


routes = [
    Route("/api/me/schedule", read_schedule, methods=["GET"]),
    Route("/api/me/schedule", update_schedule, methods=["PUT"]),
    Route("/api/inbox", read_inbox, methods=["GET"]),
    Route("/api/clinic/overdue", read_overdue_counts, methods=["GET"]),
    Route("/api/threads/{thread_id}/expectations", read_expectations, methods=["GET"]),
    Route("/api/threads/{thread_id}/live-sessions", list_live_sessions, methods=["GET"]),
    Route("/api/threads/{thread_id}/live-sessions", schedule_live_session, methods=["POST"]),
    Route("/api/live-sessions/{session_id}", move_live_session, methods=["PUT"]),
    Route("/api/live-sessions/{session_id}", cancel_live_session, methods=["DELETE"]),
    Route("/api/threads/{thread_id}/scheduled", list_scheduled, methods=["GET"]),
    Route("/api/threads/{thread_id}/scheduled", schedule_message, methods=["POST"]),
    Route("/api/scheduled/{message_id}", replace_scheduled, methods=["PUT"]),
    Route("/api/scheduled/{message_id}", cancel_scheduled, methods=["DELETE"]),
]
