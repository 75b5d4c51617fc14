"""Notification preferences, one-click unsubscribe, and failed emails for admins."""

from __future__ import annotations

import html
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from messaging import errors, job_admin, preferences
from messaging.actors import Actor
from web import parsing
from web.api import ApiRoute, Contract
from web.context import app_context
from web.models import clinic as clinic_wire
from web.models import notifications as wire
from web.serializers import failed_email_json, preferences_json

Json = dict[str, Any]
CATEGORY_WORDS = {"messages": "emails about new messages", "reminders": "reminder emails"}


def _choices(given: wire.PreferenceChoices) -> preferences.PreferenceChoices:
    quiet = given.quiet_hours
    return preferences.PreferenceChoices(
        message_mode=given.message_mode,
        digest_frequency=given.digest.frequency,
        digest_hour=given.digest.hour,
        digest_weekday=given.digest.weekday,
        reminders=given.reminders,
        time_zone=given.time_zone,
        quiet_start=None if quiet is None else quiet.start,
        quiet_end=None if quiet is None else quiet.end,
        notice_delay_minutes=given.notice_delay_minutes,
    )


async def read_preferences(request: Request, actor: Actor | None) -> wire.PreferencesJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        record = await preferences.my_preferences(uow, context.services, actor)
    return preferences_json(record)


async def update_preferences(
    request: Request, actor: Actor | None, body: wire.PreferenceChoices
) -> wire.PreferencesJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        record = await preferences.update_preferences(uow, context.services, actor, _choices(body))
    return preferences_json(record)


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


async def failed_emails(request: Request, actor: Actor | None) -> clinic_wire.FailedEmails:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await job_admin.failed_emails(uow, actor)
    return {"emails": [failed_email_json(job) for job in found]}


async def retry_email(request: Request, actor: Actor | None) -> None:
    job_id = parsing.path_int(request, "job_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await job_admin.retry_email(uow, context.services, actor, job_id)


UNSUBSCRIBE_ERRORS = (errors.NotFound,)

routes = [
    ApiRoute(
        "/api/me/notifications",
        read_preferences,
        "GET",
        Contract("My notification preferences", response=wire.PreferencesJson),
    ),
    ApiRoute(
        "/api/me/notifications",
        update_preferences,
        "PUT",
        Contract(
            "Change my notification preferences",
            body=wire.PreferenceChoices,
            response=wire.PreferencesJson,
        ),
    ),
    ApiRoute(
        "/api/unsubscribe/{token}",
        confirm_unsubscribe,
        "GET",
        Contract(
            "A page asking to confirm an email link's unsubscribe (changes nothing)",
            public=True,
            media_type="text/html",
            errors=UNSUBSCRIBE_ERRORS,
        ),
    ),
    ApiRoute(
        "/api/unsubscribe/{token}",
        unsubscribe,
        "POST",
        Contract(
            "RFC 8058 one-click unsubscribe from one category of email",
            public=True,
            media_type="text/html",
            errors=UNSUBSCRIBE_ERRORS,
        ),
    ),
    ApiRoute(
        "/api/clinic/failed-emails",
        failed_emails,
        "GET",
        Contract("Emails of my clinic that failed for good", response=clinic_wire.FailedEmails),
    ),
    ApiRoute(
        "/api/clinic/failed-emails/{job_id}/retry",
        retry_email,
        "POST",
        Contract("Send a failed email again from its first attempt", errors=(errors.Conflict,)),
    ),
]
