"""Free first consultations: the clinic's public page (no login) and the admins' queue."""

from __future__ import annotations

from starlette.requests import Request

from messaging import consultations, errors
from messaging.actors import Actor
from web import parsing
from web.api import ApiRoute, Contract
from web.auth import request_origin
from web.context import app_context
from web.models import clinic as clinic_wire
from web.models import records as wire
from web.serializers import (
    consultation_json,
    intake_key_json,
    intake_note_json,
    invitation_json,
    public_page_json,
    record_policy_json,
)


async def consultation_page(request: Request) -> wire.PublicPageJson:
    clinic_id = parsing.path_uuid(request, "clinic_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        page = await consultations.public_page(uow, context.services, clinic_id)
    return public_page_json(page)


async def request_consultation(request: Request, body: wire.ConsultationForm) -> wire.Received:
    clinic_id = parsing.path_uuid(request, "clinic_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await consultations.submit(
            uow,
            context.services,
            clinic_id,
            body.sealed,
            body.challenge,
            body.nonce,
            body.website or "",
            request_origin(request),
        )
    return {"received": True}


async def read_consultation_page(request: Request, actor: Actor | None) -> wire.RecordPolicyJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        policy = await consultations.settings_of(uow, context.services, actor)
    return record_policy_json(policy)


async def change_consultation_page(
    request: Request, actor: Actor | None, body: wire.ConsultationPageChoices
) -> wire.RecordPolicyJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        policy = await consultations.set_page(
            uow,
            context.services,
            actor,
            open_page=body.open,
            text=body.text or "",
            retention_days=body.retention_days,
        )
    return record_policy_json(policy)


async def read_intake_key(request: Request, actor: Actor | None) -> wire.IntakeKeyJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        public, sealed = await consultations.my_intake_key(uow, context.services, actor)
    return intake_key_json(public, sealed)


async def replace_intake_key(
    request: Request, actor: Actor | None, body: wire.IntakeKeyReplacement
) -> wire.RecordPolicyJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        policy = await consultations.set_intake_key(
            uow, context.services, actor, body.public_key, dict(body.seals)
        )
    return record_policy_json(policy)


async def consultation_queue(request: Request, actor: Actor | None) -> wire.ConsultationList:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await consultations.request_queue(uow, context.services, actor)
    return {"requests": [consultation_json(r) for r in found]}


async def decline_consultation(request: Request, actor: Actor | None) -> wire.ConsultationJson:
    request_id = parsing.path_uuid(request, "request_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await consultations.decline(uow, context.services, actor, request_id)
    return consultation_json(found)


async def invite_from_consultation(
    request: Request, actor: Actor | None, body: wire.ConsultationInvitation
) -> clinic_wire.IssuedInvitation:
    request_id = parsing.path_uuid(request, "request_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        issued = await consultations.invite(
            uow,
            context.services,
            actor,
            request_id,
            body.email,
            body.display_name,
            request_origin(request),
        )
    return {**invitation_json(issued.invitation), "link": issued.link}


async def hand_over_consultation(
    request: Request, actor: Actor | None, body: wire.Handover
) -> wire.ConsultationJson:
    request_id = parsing.path_uuid(request, "request_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await consultations.hand_over(
            uow, context.services, actor, request_id, body.sealed_note
        )
    return consultation_json(found)


async def my_intake_note(request: Request, actor: Actor | None) -> wire.IntakeNoteJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await consultations.my_intake_note(uow, actor)
    return intake_note_json(found)


async def intake_note_posted(request: Request, actor: Actor | None) -> None:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await consultations.intake_note_posted(uow, actor)


routes = [
    ApiRoute(
        "/api/public/clinics/{clinic_id}/consultation",
        consultation_page,
        "GET",
        Contract(
            "A clinic's public consultation page: its words, intake key and a fresh "
            "proof-of-work challenge (not found while closed)",
            response=wire.PublicPageJson,
            errors=(errors.NotFound,),
            public=True,
        ),
    ),
    ApiRoute(
        "/api/public/clinics/{clinic_id}/consultation",
        request_consultation,
        "POST",
        Contract(
            "Send a consultation request sealed to the clinic's intake key, with the proof "
            "of work over the page's challenge",
            body=wire.ConsultationForm,
            response=wire.Received,
            status=202,
            errors=(errors.NotFound, errors.Conflict, errors.RateLimited),
            public=True,
        ),
    ),
    ApiRoute(
        "/api/clinic/consultation-page",
        read_consultation_page,
        "GET",
        Contract("The consultation page's settings", response=wire.RecordPolicyJson),
    ),
    ApiRoute(
        "/api/clinic/consultation-page",
        change_consultation_page,
        "PUT",
        Contract(
            "Open or close the consultation page, its text and how long requests are kept",
            body=wire.ConsultationPageChoices,
            response=wire.RecordPolicyJson,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        "/api/clinic/intake-key",
        read_intake_key,
        "GET",
        Contract(
            "The clinic's intake public key and its secret half sealed to me",
            response=wire.IntakeKeyJson,
        ),
    ),
    ApiRoute(
        "/api/clinic/intake-key",
        replace_intake_key,
        "PUT",
        Contract(
            "Replace the intake key, its secret half sealed to each active admin",
            body=wire.IntakeKeyReplacement,
            response=wire.RecordPolicyJson,
        ),
    ),
    ApiRoute(
        "/api/clinic/consultations",
        consultation_queue,
        "GET",
        Contract("The clinic's consultation requests, open first", response=wire.ConsultationList),
    ),
    ApiRoute(
        "/api/clinic/consultations/{request_id}/decline",
        decline_consultation,
        "POST",
        Contract(
            "Decline a consultation request",
            response=wire.ConsultationJson,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        "/api/clinic/consultations/{request_id}/invite",
        invite_from_consultation,
        "POST",
        Contract(
            "Answer a consultation request with an invitation to join as a client",
            body=wire.ConsultationInvitation,
            response=clinic_wire.IssuedInvitation,
            status=201,
            errors=(errors.Conflict, errors.RateLimited),
        ),
    ),
    ApiRoute(
        "/api/clinic/consultations/{request_id}/handover",
        hand_over_consultation,
        "PUT",
        Contract(
            "Leave the request's text sealed to the invited client (once they joined)",
            body=wire.Handover,
            response=wire.ConsultationJson,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        "/api/me/intake-note",
        my_intake_note,
        "GET",
        Contract(
            "My consultation request's text waiting to be posted in my thread",
            response=wire.IntakeNoteJson,
        ),
    ),
    ApiRoute(
        "/api/me/intake-note",
        intake_note_posted,
        "DELETE",
        Contract("My consultation request's text was posted: drop it"),
    ),
]
