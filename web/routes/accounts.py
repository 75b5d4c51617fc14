"""Login, sessions, password change, recovery, accepting invitations, and what a person
keeps about themselves: their display name and their (encrypted) trust marks."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from crypto import KdfParams, b64encode
from messaging import authentication, credentials, errors, profile, registration, trust_marks
from messaging.actors import Actor
from messaging.key_material import PasswordMaterial, RecoveryMaterial, RegistrationMaterial
from web import parsing
from web.api import ApiRoute, Contract
from web.auth import request_origin
from web.context import app_context
from web.models import accounts as wire
from web.serializers import account_json, grant_json, session_json, timestamp, user_json

Json = dict[str, Any]


def password_material(given: wire.PasswordMaterial) -> PasswordMaterial:
    return PasswordMaterial(
        auth_key=given.auth_key,
        kdf=KdfParams(given.kdf.version, given.kdf.ops, given.kdf.mem),
        salt=given.salt,
        wrapped_account_key=given.wrapped_account_key,
    )


def recovery_material(given: wire.RecoveryMaterial) -> RecoveryMaterial:
    return RecoveryMaterial(
        recovery_auth_key=given.recovery_auth_key,
        recovery_wrapped_account_key=given.recovery_wrapped_account_key,
    )


async def prelogin(request: Request, body: wire.Prelogin) -> wire.PreloginJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        answer = await authentication.prelogin(
            uow, context.services, body.email, request_origin(request)
        )
    return {
        "salt": b64encode(answer.salt),
        "kdf": {"version": answer.kdf.version, "ops": answer.kdf.ops, "mem": answer.kdf.mem},
    }


async def login(request: Request, body: wire.Login) -> wire.GrantJson:
    origin = request_origin(request, body.device_label)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        grant = await authentication.login(
            uow, context.services, body.email, body.auth_key, origin, body.device_id or ""
        )
    return grant_json(grant)


async def logout(request: Request, actor: Actor | None) -> None:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await authentication.logout(uow, context.services, actor)


async def me(request: Request, actor: Actor | None) -> wire.AccountJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        view = await authentication.my_account(uow, actor)
    return account_json(view)


async def change_name(
    request: Request, actor: Actor | None, body: wire.DisplayNameChange
) -> wire.UserJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        user = await profile.change_display_name(
            uow, context.services, actor, body.display_name, request_origin(request)
        )
    return user_json(user)


def marks_json(marks: trust_marks.TrustMarks) -> wire.TrustMarksJson:
    return {
        "trust": None if marks.blob is None else b64encode(marks.blob),
        "version": marks.version,
    }


async def read_trust_marks(request: Request, actor: Actor | None) -> wire.TrustMarksJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        marks = await trust_marks.my_marks(uow, actor)
    return marks_json(marks)


async def save_trust_marks(
    request: Request, actor: Actor | None, body: wire.TrustMarksSave
) -> wire.TrustMarksJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        marks = await trust_marks.save_marks(uow, context.services, actor, body.trust, body.version)
    return marks_json(marks)


async def list_sessions(request: Request, actor: Actor | None) -> wire.SessionList:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await authentication.list_sessions(uow, context.services, actor)
    current = actor.session_id if actor else None
    return {"sessions": [session_json(s, current) for s in found]}


async def end_session(request: Request, actor: Actor | None) -> None:
    session_id = parsing.path_uuid(request, "session_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await authentication.end_session(uow, context.services, actor, session_id)


async def end_other_sessions(request: Request, actor: Actor | None) -> wire.SessionsEnded:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        ended = await authentication.end_other_sessions(uow, context.services, actor)
    return {"ended": len(ended)}


async def change_password(
    request: Request, actor: Actor | None, body: wire.PasswordChange
) -> wire.PasswordChanged:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        ended = await credentials.change_password(
            uow,
            context.services,
            actor,
            body.current_auth_key,
            password_material(body.new),
            request_origin(request),
        )
    return {"other_sessions_ended": ended}


async def begin_recovery(request: Request, body: wire.RecoveryBegin) -> wire.RecoveryStarted:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        user_id, wrapped = await credentials.begin_recovery(
            uow, context.services, body.email, body.recovery_auth_key, request_origin(request)
        )
    return {"user_id": str(user_id), "recovery_wrapped_account_key": b64encode(wrapped)}


async def complete_recovery(request: Request, body: wire.RecoveryComplete) -> wire.GrantJson:
    origin = request_origin(request, body.device_label)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        grant = await credentials.complete_recovery(
            uow,
            context.services,
            body.email,
            recovery_material(body),
            password_material(body.new),
            origin,
        )
    return grant_json(grant)


async def show_invitation(request: Request) -> wire.InvitationView:
    token = str(request.path_params["token"])
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        view = await registration.describe_invitation(uow, context.services, token)
    invitation = view.invitation
    return {
        "user_id": str(invitation.user_id),
        "email": invitation.email,
        "display_name": invitation.display_name,
        "role": invitation.role,
        "clinic": {"name": view.clinic.name},
        "expires_at": timestamp(invitation.expires_at),
    }


async def accept_invitation(request: Request, body: wire.InvitationAcceptance) -> wire.GrantJson:
    token = str(request.path_params["token"])
    material = RegistrationMaterial(
        password=password_material(body),
        recovery=recovery_material(body),
        public_bundle=body.public_bundle,
        keyring=body.keyring,
    )
    origin = request_origin(request, body.device_label)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        grant = await registration.accept_invitation(
            uow,
            context.services,
            token,
            material,
            origin,
            body.time_zone or "UTC",
            body.device_id or "",
        )
    return grant_json(grant)


LIMITED = (errors.RateLimited,)

routes = [
    ApiRoute(
        "/api/prelogin",
        prelogin,
        "POST",
        Contract(
            "Salt and KDF parameters for an email (a stable fake for unknown ones)",
            body=wire.Prelogin,
            response=wire.PreloginJson,
            public=True,
        ),
    ),
    ApiRoute(
        "/api/login",
        login,
        "POST",
        Contract(
            "Log in with the auth key derived from the password",
            body=wire.Login,
            response=wire.GrantJson,
            status=201,
            public=True,
            errors=(errors.NotAuthenticated, *LIMITED),
        ),
    ),
    ApiRoute("/api/logout", logout, "POST", Contract("End this session")),
    ApiRoute(
        "/api/me",
        me,
        "GET",
        Contract("My account, clinic, key material and public bundle", response=wire.AccountJson),
    ),
    ApiRoute(
        "/api/me/password",
        change_password,
        "POST",
        Contract(
            "Change my password (other sessions end)",
            body=wire.PasswordChange,
            response=wire.PasswordChanged,
            errors=LIMITED,
        ),
    ),
    ApiRoute(
        "/api/me/name",
        change_name,
        "PUT",
        Contract(
            "Change my display name",
            body=wire.DisplayNameChange,
            response=wire.UserJson,
        ),
    ),
    ApiRoute(
        "/api/me/trust",
        read_trust_marks,
        "GET",
        Contract(
            "My trust marks, encrypted under my account key (null before the first save)",
            response=wire.TrustMarksJson,
        ),
    ),
    ApiRoute(
        "/api/me/trust",
        save_trust_marks,
        "PUT",
        Contract(
            "Replace my trust marks read at `version` (409 if another device saved since)",
            body=wire.TrustMarksSave,
            response=wire.TrustMarksJson,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        "/api/sessions",
        list_sessions,
        "GET",
        Contract("My sessions (devices)", response=wire.SessionList),
    ),
    ApiRoute(
        "/api/sessions/end-others",
        end_other_sessions,
        "POST",
        Contract("End all my other sessions", response=wire.SessionsEnded),
    ),
    ApiRoute(
        "/api/sessions/{session_id}",
        end_session,
        "DELETE",
        Contract("End one of my sessions"),
    ),
    ApiRoute(
        "/api/recovery/begin",
        begin_recovery,
        "POST",
        Contract(
            "Start account recovery with the recovery code's auth key",
            body=wire.RecoveryBegin,
            response=wire.RecoveryStarted,
            public=True,
            errors=(errors.NotAuthenticated, *LIMITED),
        ),
    ),
    ApiRoute(
        "/api/recovery/complete",
        complete_recovery,
        "POST",
        Contract(
            "Set a new password from the recovery code; all sessions end",
            body=wire.RecoveryComplete,
            response=wire.GrantJson,
            status=201,
            public=True,
            errors=(errors.NotAuthenticated, *LIMITED),
        ),
    ),
    ApiRoute(
        "/api/invitations/{token}",
        show_invitation,
        "GET",
        Contract(
            "Who is invited, to which clinic",
            response=wire.InvitationView,
            public=True,
            errors=(errors.NotFound, errors.Gone),
        ),
    ),
    ApiRoute(
        "/api/invitations/{token}/accept",
        accept_invitation,
        "POST",
        Contract(
            "Accept an invitation: register the account's key material",
            body=wire.InvitationAcceptance,
            response=wire.GrantJson,
            status=201,
            public=True,
            errors=(errors.NotFound, errors.Gone, errors.Conflict),
        ),
    ),
]
