"""Clinic administration: invitations, people, care teams, disabling, the audit trail."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from messaging import audit, clinics
from web import parsing
from web.auth import authenticated, request_origin
from web.context import app_context
from web.serializers import audit_json, care_json, invitation_json, user_json


async def invite(request: Request) -> Response:
    actor = await authenticated(request)
    body = await parsing.read_json(request)
    email = parsing.text(body, "email", max_length=320)
    display_name = parsing.text(body, "display_name", max_length=200)
    role = parsing.text(body, "role", max_length=20)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        issued = await clinics.invite(
            uow, context.services, actor, email, display_name, role, request_origin(request)
        )
    return JSONResponse(
        {**invitation_json(issued.invitation), "link": issued.link}, status_code=201
    )


async def list_invitations(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await clinics.list_invitations(uow, context.services, actor)
    return JSONResponse({"invitations": [invitation_json(i) for i in found]})


async def revoke_invitation(request: Request) -> Response:
    actor = await authenticated(request)
    invitation_id = parsing.path_uuid(request, "invitation_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await clinics.revoke_invitation(
            uow, context.services, actor, invitation_id, request_origin(request)
        )
    return Response(status_code=204)


async def list_people(request: Request) -> Response:
    actor = await authenticated(request)
    after = parsing.query_text(request, "after")
    limit = parsing.query_int(
        request, "limit", clinics.MAX_PAGE, minimum=1, maximum=clinics.MAX_PAGE
    )
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        people = await clinics.list_people(uow, actor, after_email=after, limit=limit)
    return JSONResponse({"people": [user_json(p) for p in people]})


async def disable_person(request: Request) -> Response:
    actor = await authenticated(request)
    user_id = parsing.path_uuid(request, "user_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        ended = await clinics.disable_user(
            uow, context.services, actor, user_id, request_origin(request)
        )
    return JSONResponse({"sessions_ended": len(ended)})


async def list_care_team(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        assignments = await clinics.list_care_team(uow, actor)
    return JSONResponse({"assignments": [care_json(a) for a in assignments]})


async def assign(request: Request) -> Response:
    actor = await authenticated(request)
    therapist_id = parsing.path_uuid(request, "therapist_id")
    client_id = parsing.path_uuid(request, "client_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        assignment = await clinics.assign_therapist(
            uow, context.services, actor, therapist_id, client_id, request_origin(request)
        )
    return JSONResponse(care_json(assignment))


async def unassign(request: Request) -> Response:
    actor = await authenticated(request)
    therapist_id = parsing.path_uuid(request, "therapist_id")
    client_id = parsing.path_uuid(request, "client_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await clinics.unassign_therapist(
            uow, context.services, actor, therapist_id, client_id, request_origin(request)
        )
    return Response(status_code=204)


async def read_audit(request: Request) -> Response:
    actor = await authenticated(request)
    before = parsing.query_int(request, "before", 0, minimum=0) or None
    limit = parsing.query_int(request, "limit", 100, minimum=1, maximum=audit.MAX_PAGE)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        events = await audit.list_clinic_trail(uow, actor, before_id=before, limit=limit)
    return JSONResponse({"events": [audit_json(e) for e in events]})


routes = [
    Route("/api/clinic/invitations", invite, methods=["POST"]),
    Route("/api/clinic/invitations", list_invitations, methods=["GET"]),
    Route("/api/clinic/invitations/{invitation_id}", revoke_invitation, methods=["DELETE"]),
    Route("/api/clinic/people", list_people, methods=["GET"]),
    Route("/api/clinic/people/{user_id}/disable", disable_person, methods=["POST"]),
    Route("/api/clinic/care-team", list_care_team, methods=["GET"]),
    Route("/api/clinic/care-team/{therapist_id}/{client_id}", assign, methods=["PUT"]),
    Route("/api/clinic/care-team/{therapist_id}/{client_id}", unassign, methods=["DELETE"]),
    Route("/api/clinic/audit", read_audit, methods=["GET"]),
]
