"""Free first consultations: the clinic's public page (no login) and the admins' queue."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crypto import CryptoError, b64decode
from crypto.intake import MAX_REQUEST_BYTES, NONCE_BYTES
from messaging import consultations
from messaging.errors import InvalidInput
from web import parsing
from web.auth import authenticated, request_origin
from web.context import app_context
from web.serializers import (
    consultation_json,
    intake_key_json,
    intake_note_json,
    invitation_json,
    public_page_json,
    record_policy_json,
)

MAX_SEALED = MAX_REQUEST_BYTES + 1024


async def public_page(request: Request) -> Response:
    clinic_id = parsing.path_uuid(request, "clinic_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        page = await consultations.public_page(uow, context.services, clinic_id)
    return JSONResponse(public_page_json(page))


async def submit(request: Request) -> Response:
    clinic_id = parsing.path_uuid(request, "clinic_id")
    body = await parsing.read_json(request)
    sealed = parsing.binary(body, "sealed", max_size=MAX_SEALED)
    challenge = parsing.text(body, "challenge", max_length=200)
    nonce = parsing.binary(body, "nonce", size=NONCE_BYTES)
    honeypot = parsing.text(body, "website", max_length=200, optional=True)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await consultations.submit(
            uow,
            context.services,
            clinic_id,
            sealed,
            challenge,
            nonce,
            honeypot,
            request_origin(request),
        )
    return JSONResponse({"received": True}, status_code=202)


async def read_settings(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        policy = await consultations.settings_of(uow, context.services, actor)
    return JSONResponse(record_policy_json(policy))


async def change_page(request: Request) -> Response:
    actor = await authenticated(request)
    body = await parsing.read_json(request)
    open_page = body.get("open")
    if not isinstance(open_page, bool):
        raise InvalidInput("open: true or false.")
    text = parsing.text(body, "text", max_length=consultations.MAX_PAGE_TEXT, optional=True)
    days = parsing.integer(
        body, "retention_days", minimum=1, maximum=consultations.MAX_RETENTION_DAYS
    )
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        policy = await consultations.set_page(
            uow, context.services, actor, open_page=open_page, text=text, retention_days=days
        )
    return JSONResponse(record_policy_json(policy))


async def read_intake_key(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        public, sealed = await consultations.my_intake_key(uow, context.services, actor)
    return JSONResponse(intake_key_json(public, sealed))


async def replace_intake_key(request: Request) -> Response:
    actor = await authenticated(request)
    body = await parsing.read_json(request)
    public_key = parsing.binary(body, "public_key", size=32)
    raw_seals = parsing.obj(body, "seals")
    seals = {}
    for admin_id, sealed in raw_seals.items():
        if not isinstance(sealed, str) or len(sealed) > 200:
            raise InvalidInput("seals: one sealed key per admin id.")
        try:
            seals[parsing.uuid_field({"seals": admin_id}, "seals")] = b64decode(sealed)
        except CryptoError:
            raise InvalidInput("seals: one sealed key per admin id.") from None
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        policy = await consultations.set_intake_key(uow, context.services, actor, public_key, seals)
    return JSONResponse(record_policy_json(policy))


async def queue(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await consultations.request_queue(uow, context.services, actor)
    return JSONResponse({"requests": [consultation_json(r) for r in found]})


async def decline(request: Request) -> Response:
    actor = await authenticated(request)
    request_id = parsing.path_uuid(request, "request_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await consultations.decline(uow, context.services, actor, request_id)
    return JSONResponse(consultation_json(found))


async def invite(request: Request) -> Response:
    actor = await authenticated(request)
    request_id = parsing.path_uuid(request, "request_id")
    body = await parsing.read_json(request)
    email = parsing.text(body, "email", max_length=320)
    display_name = parsing.text(body, "display_name", max_length=200)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        issued = await consultations.invite(
            uow, context.services, actor, request_id, email, display_name, request_origin(request)
        )
    return JSONResponse(
        {**invitation_json(issued.invitation), "link": issued.link}, status_code=201
    )


async def hand_over(request: Request) -> Response:
    actor = await authenticated(request)
    request_id = parsing.path_uuid(request, "request_id")
    body = await parsing.read_json(request)
    note = parsing.binary(body, "sealed_note", max_size=consultations.MAX_NOTE_BYTES)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await consultations.hand_over(uow, context.services, actor, request_id, note)
    return JSONResponse(consultation_json(found))


async def my_intake_note(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await consultations.my_intake_note(uow, actor)
    return JSONResponse(intake_note_json(found))


async def intake_note_posted(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await consultations.intake_note_posted(uow, actor)
    return Response(status_code=204)


routes = [
    Route("/api/public/clinics/{clinic_id}/consultation", public_page, methods=["GET"]),
    Route("/api/public/clinics/{clinic_id}/consultation", submit, methods=["POST"]),
    Route("/api/clinic/consultation-page", read_settings, methods=["GET"]),
    Route("/api/clinic/consultation-page", change_page, methods=["PUT"]),
    Route("/api/clinic/intake-key", read_intake_key, methods=["GET"]),
    Route("/api/clinic/intake-key", replace_intake_key, methods=["PUT"]),
    Route("/api/clinic/consultations", queue, methods=["GET"]),
    Route("/api/clinic/consultations/{request_id}/decline", decline, methods=["POST"]),
    Route("/api/clinic/consultations/{request_id}/invite", invite, methods=["POST"]),
    Route("/api/clinic/consultations/{request_id}/handover", hand_over, methods=["PUT"]),
    Route("/api/me/intake-note", my_intake_note, methods=["GET"]),
    Route("/api/me/intake-note", intake_note_posted, methods=["DELETE"]),
]
