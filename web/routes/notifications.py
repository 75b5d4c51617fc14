"""Notification preferences, one-click unsubscribe, and failed emails for admins."""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from messaging import job_admin, preferences
from messaging.errors import InvalidInput
from web import parsing
from web.auth import authenticated
from web.context import app_context
from web.serializers import failed_email_json, preferences_json

CATEGORY_WORDS = {"messages": "emails about new messages", "reminders": "reminder emails"}


def _minutes(value: object, name: str) -> int:
    """ "HH:MM" to minutes after midnight."""
    if isinstance(value, str) and len(value) == 5 and value[2] == ":":
        hours, minutes = value[:2], value[3:]
        if (
            parsing.digits(hours)
            and parsing.digits(minutes)
            and int(hours) < 24
            and int(minutes) < 60
        ):
            return int(hours) * 60 + int(minutes)
    raise InvalidInput(f"{name}: a time like 22:00 is required.")


def _choices(body: parsing.Body) -> preferences.PreferenceChoices:
    digest = parsing.obj(body, "digest")
    quiet = body.get("quiet_hours")
    if quiet is not None and not isinstance(quiet, dict):
        raise InvalidInput("quiet_hours: an object with start and end, or null.")
    reminders = body.get("reminders")
    if not isinstance(reminders, bool):
        raise InvalidInput("reminders: true or false.")
    return preferences.PreferenceChoices(
        message_mode=parsing.text(body, "message_mode", max_length=16),
        digest_frequency=parsing.text(digest, "frequency", max_length=16),
        digest_hour=parsing.integer(digest, "hour", maximum=23),
        digest_weekday=parsing.integer(digest, "weekday", maximum=6),
        reminders=reminders,
        time_zone=parsing.text(body, "time_zone", max_length=64),
        quiet_start=None if quiet is None else _minutes(quiet.get("start"), "quiet_hours.start"),
        quiet_end=None if quiet is None else _minutes(quiet.get("end"), "quiet_hours.end"),
        notice_delay_minutes=parsing.integer(body, "notice_delay_minutes", minimum=1, maximum=1440),
    )


async def read_preferences(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        record = await preferences.my_preferences(uow, context.services, actor)
    return JSONResponse(preferences_json(record))


async def update_preferences(request: Request) -> Response:
    actor = await authenticated(request)
    choices = _choices(await parsing.read_json(request))
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        record = await preferences.update_preferences(uow, context.services, actor, choices)
    return JSONResponse(preferences_json(record))


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html lang=en><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f'<title>{html.escape(title)}</title><link rel=stylesheet href="/static/css/app.css">'
        f"<main><section class=card><h1>{html.escape(title)}</h1>{body}</section></main></html>"
    )


async def confirm_unsubscribe(request: Request) -> Response:
    """A link opened in a browser changes nothing until the button is pressed."""
    token = str(request.path_params["token"])
    category = await preferences.check_unsubscribe(app_context(request).services, token)
    words = CATEGORY_WORDS[category]
    return _page(
        "Stop these emails?",
        f"<p>You will no longer get {words}. Security notices still arrive.</p>"
        f'<form method=post action="/api/unsubscribe/{html.escape(token)}">'
        f"<button type=submit>Stop {words}</button></form>",
    )


async def unsubscribe(request: Request) -> Response:
    """RFC 8058 one-click unsubscribe: a POST turns off exactly that category."""
    token = str(request.path_params["token"])
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        category = await preferences.unsubscribe(uow, context.services, token)
    words = CATEGORY_WORDS[category]
    return _page(
        "You are unsubscribed",
        f"<p>You will no longer get {words}. You can turn them back on in the app's "
        "notification settings.</p>",
    )


async def failed_emails(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await job_admin.failed_emails(uow, actor)
    return JSONResponse({"emails": [failed_email_json(job) for job in found]})


async def retry_email(request: Request) -> Response:
    actor = await authenticated(request)
    job_id = parsing.path_int(request, "job_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await job_admin.retry_email(uow, context.services, actor, job_id)
    return Response(status_code=204)


routes = [
    Route("/api/me/notifications", read_preferences, methods=["GET"]),
    Route("/api/me/notifications", update_preferences, methods=["PUT"]),
    Route("/api/unsubscribe/{token}", confirm_unsubscribe, methods=["GET"]),
    Route("/api/unsubscribe/{token}", unsubscribe, methods=["POST"]),
    Route("/api/clinic/failed-emails", failed_emails, methods=["GET"]),
    Route("/api/clinic/failed-emails/{job_id}/retry", retry_email, methods=["POST"]),
]
