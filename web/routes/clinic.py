"""Clinic administration: invitations, people, care teams, disabling, the audit trail."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from messaging import audit, clinics, errors, operations
from messaging.actors import Actor
from web import parsing
from web.api import ApiRoute, Contract
from web.auth import request_origin
from web.context import app_context
from web.models import clinic as wire
from web.serializers import audit_json, care_json, invitation_json, user_json

Json = dict[str, Any]


async def invite(
    request: Request, actor: Actor | None, body: wire.NewInvitation
) -> wire.IssuedInvitation:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        issued = await clinics.invite(
            uow,
            context.services,
            actor,
            body.email,
            body.display_name,
            body.role,
            request_origin(request),
        )
    return {**invitation_json(issued.invitation), "link": issued.link}


async def list_invitations(request: Request, actor: Actor | None) -> wire.InvitationList:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await clinics.list_invitations(uow, context.services, actor)
    return {"invitations": [invitation_json(i) for i in found]}


async def revoke_invitation(request: Request, actor: Actor | None) -> None:
    invitation_id = parsing.path_uuid(request, "invitation_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await clinics.revoke_invitation(
            uow, context.services, actor, invitation_id, request_origin(request)
        )


async def list_people(
    request: Request, actor: Actor | None, query: wire.PeoplePage
) -> wire.PeopleList:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        people = await clinics.list_people(uow, actor, after_email=query.after, limit=query.limit)
    return {"people": [user_json(p) for p in people]}


async def disable_person(request: Request, actor: Actor | None) -> wire.SessionsEndedCount:
    user_id = parsing.path_uuid(request, "user_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        ended = await clinics.disable_user(
            uow, context.services, actor, user_id, request_origin(request)
        )
    return {"sessions_ended": len(ended)}


async def list_care_team(request: Request, actor: Actor | None) -> wire.CareTeam:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        assignments = await clinics.list_care_team(uow, actor)
    return {"assignments": [care_json(a) for a in assignments]}


async def assign(request: Request, actor: Actor | None) -> wire.CareAssignment:
    therapist_id = parsing.path_uuid(request, "therapist_id")
    client_id = parsing.path_uuid(request, "client_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        assignment = await clinics.assign_therapist(
            uow, context.services, actor, therapist_id, client_id, request_origin(request)
        )
    return care_json(assignment)


async def unassign(request: Request, actor: Actor | None) -> None:
    therapist_id = parsing.path_uuid(request, "therapist_id")
    client_id = parsing.path_uuid(request, "client_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await clinics.unassign_therapist(
            uow, context.services, actor, therapist_id, client_id, request_origin(request)
        )


async def read_audit(
    request: Request, actor: Actor | None, query: wire.AuditPage
) -> wire.AuditTrail:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        events = await audit.list_clinic_trail(
            uow, actor, before_id=query.before or None, limit=query.limit
        )
    return {"events": [audit_json(e) for e in events]}


async def read_operations(request: Request, actor: Actor | None) -> wire.OperationsJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await operations.clinic_operations(uow, context.services, actor)
    return {
        "jobs": [
            {"kind": kind, "state": state, "count": count}
            for (kind, state), count in sorted(found.jobs.items())
        ],
        "active_sessions": found.active_sessions,
        "storage": {
            "messages": found.storage.messages,
            "message_bytes": found.storage.message_bytes,
            "commit_bytes": found.storage.commit_bytes,
        },
    }


routes = [
    ApiRoute(
        "/api/clinic/invitations",
        invite,
        "POST",
        Contract(
            "Invite someone to the clinic (the link goes by email)",
            body=wire.NewInvitation,
            response=wire.IssuedInvitation,
            status=201,
            errors=(errors.Conflict, errors.RateLimited),
        ),
    ),
    ApiRoute(
        "/api/clinic/invitations",
        list_invitations,
        "GET",
        Contract("Open invitations of my clinic", response=wire.InvitationList),
    ),
    ApiRoute(
        "/api/clinic/invitations/{invitation_id}",
        revoke_invitation,
        "DELETE",
        Contract("Withdraw an invitation", errors=(errors.Gone,)),
    ),
    ApiRoute(
        "/api/clinic/people",
        list_people,
        "GET",
        Contract(
            "People of my clinic, by email (keyset: after=)",
            query=wire.PeoplePage,
            response=wire.PeopleList,
        ),
    ),
    ApiRoute(
        "/api/clinic/people/{user_id}/disable",
        disable_person,
        "POST",
        Contract(
            "Disable an account (its sessions end)",
            response=wire.SessionsEndedCount,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        "/api/clinic/care-team",
        list_care_team,
        "GET",
        Contract("Therapist-client assignments of my clinic", response=wire.CareTeam),
    ),
    ApiRoute(
        "/api/clinic/care-team/{therapist_id}/{client_id}",
        assign,
        "PUT",
        Contract(
            "Assign a therapist to a client",
            response=wire.CareAssignment,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        "/api/clinic/care-team/{therapist_id}/{client_id}",
        unassign,
        "DELETE",
        Contract("Remove a therapist from a client's care team", errors=(errors.Conflict,)),
    ),
    ApiRoute(
        "/api/clinic/audit",
        read_audit,
        "GET",
        Contract(
            "The clinic's audit trail, newest first (keyset: before=)",
            query=wire.AuditPage,
            response=wire.AuditTrail,
        ),
    ),
    ApiRoute(
        "/api/clinic/operations",
        read_operations,
        "GET",
        Contract(
            "My clinic's job queue by state, active sessions and storage used (no content)",
            response=wire.OperationsJson,
        ),
    ),
]
