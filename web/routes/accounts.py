"""Login, sessions, password change, recovery and accepting invitations."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crypto import KdfParams, b64encode
from messaging import (
    authentication,
    credentials,
    profile,
    registration,
    sign_ins,
    trust_marks,
)
from messaging.key_material import PasswordMaterial, RecoveryMaterial, RegistrationMaterial
from web import parsing
from web.auth import authenticated, request_origin
from web.context import app_context
from web.parsing import Body
from web.serializers import account_json, grant_json, session_json, timestamp, user_json

KEY = 32
SALT = 16
WRAPPED = 74
MAX_KEYRING = 64 * 64 + 64
MAX_BUNDLE = 145


def password_material(body: Body) -> PasswordMaterial:
    kdf = parsing.obj(body, "kdf")
    return PasswordMaterial(
        auth_key=parsing.binary(body, "auth_key", size=KEY),
        kdf=KdfParams(
            parsing.integer(kdf, "version", maximum=255),
            parsing.integer(kdf, "ops", maximum=2**32 - 1),
            parsing.integer(kdf, "mem", maximum=2**63 - 1),
        ),
        salt=parsing.binary(body, "salt", size=SALT),
        wrapped_account_key=parsing.binary(body, "wrapped_account_key", size=WRAPPED),
    )


def recovery_material(body: Body) -> RecoveryMaterial:
    return RecoveryMaterial(
        recovery_auth_key=parsing.binary(body, "recovery_auth_key", size=KEY),
        recovery_wrapped_account_key=parsing.binary(
            body, "recovery_wrapped_account_key", size=WRAPPED
        ),
    )


def device_label(body: Body) -> str:
    return parsing.text(body, "device_label", max_length=100, optional=True)


def device_id(body: Body) -> str:
    """The random id a browser keeps for itself, so it is announced as new only once."""
    return parsing.text(body, "device_id", max_length=sign_ins.MAX_DEVICE_ID, optional=True)


async def prelogin(request: Request) -> Response:
    body = await parsing.read_json(request)
    email = parsing.text(body, "email", max_length=320)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        answer = await authentication.prelogin(uow, context.services, email)
    return JSONResponse(
        {
            "salt": b64encode(answer.salt),
            "kdf": {"version": answer.kdf.version, "ops": answer.kdf.ops, "mem": answer.kdf.mem},
        }
    )


async def login(request: Request) -> Response:
    body = await parsing.read_json(request)
    email = parsing.text(body, "email", max_length=320)
    auth_key = parsing.binary(body, "auth_key", size=KEY)
    origin = request_origin(request, device_label(body))
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        grant = await authentication.login(
            uow, context.services, email, auth_key, origin, device_id(body)
        )
    return JSONResponse(grant_json(grant), status_code=201)


async def logout(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await authentication.logout(uow, context.services, actor)
    return Response(status_code=204)


async def me(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        view = await authentication.my_account(uow, actor)
    return JSONResponse(account_json(view))


async def change_name(request: Request) -> Response:
    actor = await authenticated(request)
    name = parsing.text(await parsing.read_json(request), "display_name", max_length=400)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        user = await profile.change_display_name(
            uow, context.services, actor, name, request_origin(request)
        )
    return JSONResponse(user_json(user))


def _marks_json(marks: trust_marks.TrustMarks) -> dict[str, object]:
    return {
        "trust": None if marks.blob is None else b64encode(marks.blob),
        "version": marks.version,
    }


async def read_trust_marks(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        marks = await trust_marks.my_marks(uow, actor)
    return JSONResponse(_marks_json(marks))


async def save_trust_marks(request: Request) -> Response:
    actor = await authenticated(request)
    body = await parsing.read_json(request)
    blob = parsing.binary(body, "trust", max_size=trust_marks.MAX_BLOB)
    version = parsing.integer(body, "version", maximum=2**31 - 1)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        marks = await trust_marks.save_marks(uow, context.services, actor, blob, version)
    return JSONResponse(_marks_json(marks))


async def list_sessions(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await authentication.list_sessions(uow, context.services, actor)
    current = actor.session_id if actor else None
    return JSONResponse({"sessions": [session_json(s, current) for s in found]})


async def end_session(request: Request) -> Response:
    actor = await authenticated(request)
    session_id = parsing.path_uuid(request, "session_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await authentication.end_session(uow, context.services, actor, session_id)
    return Response(status_code=204)


async def end_other_sessions(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        ended = await authentication.end_other_sessions(uow, context.services, actor)
    return JSONResponse({"ended": len(ended)})


async def change_password(request: Request) -> Response:
    actor = await authenticated(request)
    body = await parsing.read_json(request)
    current = parsing.binary(body, "current_auth_key", size=KEY)
    new = password_material(parsing.obj(body, "new"))
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        ended = await credentials.change_password(
            uow, context.services, actor, current, new, request_origin(request)
        )
    return JSONResponse({"other_sessions_ended": ended})


async def begin_recovery(request: Request) -> Response:
    body = await parsing.read_json(request)
    email = parsing.text(body, "email", max_length=320)
    recovery_auth_key = parsing.binary(body, "recovery_auth_key", size=KEY)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        user_id, wrapped = await credentials.begin_recovery(
            uow, context.services, email, recovery_auth_key, request_origin(request)
        )
    return JSONResponse(
        {"user_id": str(user_id), "recovery_wrapped_account_key": b64encode(wrapped)}
    )


async def complete_recovery(request: Request) -> Response:
    body = await parsing.read_json(request)
    email = parsing.text(body, "email", max_length=320)
    recovery = recovery_material(body)
    new = password_material(parsing.obj(body, "new"))
    origin = request_origin(request, device_label(body))
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        grant = await credentials.complete_recovery(
            uow, context.services, email, recovery, new, origin
        )
    return JSONResponse(grant_json(grant), status_code=201)


async def show_invitation(request: Request) -> Response:
    token = str(request.path_params["token"])
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        view = await registration.describe_invitation(uow, context.services, token)
    invitation = view.invitation
    return JSONResponse(
        {
            "user_id": str(invitation.user_id),
            "email": invitation.email,
            "display_name": invitation.display_name,
            "role": invitation.role,
            "clinic": {"name": view.clinic.name},
            "expires_at": timestamp(invitation.expires_at),
        }
    )


async def accept_invitation(request: Request) -> Response:
    token = str(request.path_params["token"])
    body = await parsing.read_json(request)
    material = RegistrationMaterial(
        password=password_material(body),
        recovery=recovery_material(body),
        public_bundle=parsing.binary(body, "public_bundle", size=MAX_BUNDLE),
        keyring=parsing.binary(body, "keyring", max_size=MAX_KEYRING),
    )
    time_zone = parsing.text(body, "time_zone", max_length=64, optional=True) or "UTC"
    origin = request_origin(request, device_label(body))
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        grant = await registration.accept_invitation(
            uow, context.services, token, material, origin, time_zone, device_id(body)
        )
    return JSONResponse(grant_json(grant), status_code=201)


routes = [
    Route("/api/prelogin", prelogin, methods=["POST"]),
    Route("/api/login", login, methods=["POST"]),
    Route("/api/logout", logout, methods=["POST"]),
    Route("/api/me", me, methods=["GET"]),
    Route("/api/me/password", change_password, methods=["POST"]),
    Route("/api/me/name", change_name, methods=["PUT"]),
    Route("/api/me/trust", read_trust_marks, methods=["GET"]),
    Route("/api/me/trust", save_trust_marks, methods=["PUT"]),
    Route("/api/sessions", list_sessions, methods=["GET"]),
    Route("/api/sessions/end-others", end_other_sessions, methods=["POST"]),
    Route("/api/sessions/{session_id}", end_session, methods=["DELETE"]),
    Route("/api/recovery/begin", begin_recovery, methods=["POST"]),
    Route("/api/recovery/complete", complete_recovery, methods=["POST"]),
    Route("/api/invitations/{token}", show_invitation, methods=["GET"]),
    Route("/api/invitations/{token}/accept", accept_invitation, methods=["POST"]),
]
