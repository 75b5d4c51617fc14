"""Group threads: creating, inviting, joining, posting, reading and moderating."""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import crypto
from crypto import groups as gcrypto
from messaging import group_posts, groups, moderation
from messaging.errors import InvalidInput
from web import parsing
from web.auth import authenticated
from web.context import app_context
from web.group_serializers import (
    clinic_group_json,
    group_commit_json,
    group_view_json,
    me_json,
    my_group_json,
    queue_json,
    report_json,
)

MAX_ENVELOPE = crypto.MAX_ENVELOPE_BYTES + 1
SEAL = gcrypto.GROUP_SECRET_SEAL_BYTES


def _seals(body: parsing.Body, name: str, max_items: int) -> dict[uuid.UUID, bytes]:
    raw = parsing.obj(body, name)
    if len(raw) > max_items:
        raise InvalidInput(f"{name}: too many.")
    return {
        parsing.uuid_field({"id": key}, "id"): parsing.binary(raw, key, max_size=SEAL)
        for key in raw
    }


async def create_group(request: Request) -> Response:
    actor = await authenticated(request)
    body = await parsing.read_json(request)
    thread_id = parsing.uuid_field(body, "thread_id")
    policy = parsing.text(body, "policy", max_length=16)
    info = parsing.binary(body, "info", max_size=gcrypto.MAX_INFO_BYTES + 512)
    admin_seals = _seals(body, "admin_seals", 200)
    moderators = _seals(body, "moderators", gcrypto.MAX_MODERATORS)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        thread = await groups.create_group(
            uow,
            context.services,
            actor,
            thread_id,
            policy,
            info,
            admin_seals,
            moderators,
        )
    return JSONResponse({"thread_id": str(thread.id), "policy": policy}, status_code=201)


async def list_my_groups(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await groups.my_groups(uow, actor)
    return JSONResponse({"groups": [my_group_json(g) for g in found]})


async def list_clinic_groups(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await groups.clinic_groups(uow, actor)
    admin_id = str(actor.user_id) if actor else ""
    return JSONResponse({"groups": [clinic_group_json(g, admin_id) for g in found]})


async def group_detail(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        view = await groups.group_view(uow, actor, thread_id)
    return JSONResponse(group_view_json(view))


async def group_commits(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    after = parsing.query_int(request, "after_epoch", -1, minimum=-1)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await groups.group_commits(uow, actor, thread_id, after)
    return JSONResponse({"commits": [group_commit_json(c) for c in found]})


async def name_moderator(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    body = await parsing.read_json(request)
    user_id = parsing.uuid_field(body, "user_id")
    seal = parsing.binary(body, "info_seal", size=SEAL)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        member = await groups.name_moderator(uow, context.services, actor, thread_id, user_id, seal)
    return JSONResponse({"member_id": str(member.id)}, status_code=201)


async def invite_member(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    body = await parsing.read_json(request)
    user_id = parsing.uuid_field(body, "user_id")
    seal = parsing.binary(body, "info_seal", size=SEAL)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        member = await groups.invite_member(uow, context.services, actor, thread_id, user_id, seal)
    return JSONResponse({"member_id": str(member.id)}, status_code=201)


async def join_group(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    body = await parsing.read_json(request)
    pseudonym = parsing.text(body, "pseudonym", max_length=groups.MAX_PSEUDONYM)
    certificate = parsing.binary(body, "certificate", size=gcrypto.CERTIFICATE_BYTES)
    commit = parsing.binary(body, "commit", max_size=groups.MAX_GROUP_COMMIT_BYTES)
    moderator_key = (
        parsing.binary(body, "moderator_key", max_size=64 * 1024)
        if body.get("moderator_key") is not None
        else None
    )
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        member = await groups.join_group(
            uow, context.services, actor, thread_id, pseudonym, certificate, commit, moderator_key
        )
    return JSONResponse(me_json(member))


async def send_post(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    body = await parsing.read_json(request)
    envelope = parsing.binary(body, "envelope", max_size=MAX_ENVELOPE)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        sent = await group_posts.send_post(uow, context.services, actor, thread_id, envelope)
    return JSONResponse(
        {"post": group_posts.own_post_payload(sent.post), "duplicate": sent.duplicate},
        status_code=200 if sent.duplicate else 201,
    )


async def list_posts(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    after = parsing.optional_query_int(request, "after_seq")
    before = parsing.optional_query_int(request, "before_seq")
    limit = parsing.query_int(request, "limit", 50, minimum=1, maximum=100)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await group_posts.history(
            uow, actor, thread_id, after_seq=after, before_seq=before, limit=limit
        )
    return JSONResponse({"posts": [group_posts.post_payload(p) for p in found]})


async def my_moderated_posts(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await group_posts.my_moderated_posts(uow, actor, thread_id)
    return JSONResponse({"posts": [group_posts.own_post_payload(p) for p in found]})


async def mark_read(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    body = await parsing.read_json(request)
    seq = parsing.integer(body, "seq")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await group_posts.mark_read(uow, context.services, actor, thread_id, seq)
    return Response(status_code=204)


async def moderation_queue(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await moderation.queue(uow, actor, thread_id)
    return JSONResponse(queue_json(found))


async def approve_post(request: Request) -> Response:
    actor = await authenticated(request)
    message_id = parsing.path_uuid(request, "message_id")
    body = await parsing.read_json(request)
    release = parsing.binary(body, "release", size=gcrypto.RELEASE_BYTES)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        post = await moderation.approve(uow, context.services, actor, message_id, release)
    return JSONResponse({"post": group_posts.post_payload(post)})


async def reject_post(request: Request) -> Response:
    actor = await authenticated(request)
    message_id = parsing.path_uuid(request, "message_id")
    body = await parsing.read_json(request)
    reason = parsing.text(body, "reason", max_length=moderation.MAX_REASON)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await moderation.reject(uow, context.services, actor, message_id, reason)
    return Response(status_code=204)


async def remove_post(request: Request) -> Response:
    actor = await authenticated(request)
    message_id = parsing.path_uuid(request, "message_id")
    body = await parsing.read_json(request)
    reason = parsing.text(body, "reason", max_length=moderation.MAX_REASON)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        post = await moderation.remove_post(uow, context.services, actor, message_id, reason)
    return JSONResponse({"post": group_posts.post_payload(post)})


async def report_post(request: Request) -> Response:
    actor = await authenticated(request)
    message_id = parsing.path_uuid(request, "message_id")
    body = await parsing.read_json(request)
    category = parsing.integer(body, "category", minimum=1, maximum=255)
    seal = parsing.binary(body, "seal", max_size=moderation.MAX_REPORT_SEAL)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        report = await moderation.report(uow, context.services, actor, message_id, category, seal)
    return JSONResponse(report_json(report), status_code=201)


async def resolve_report(request: Request) -> Response:
    actor = await authenticated(request)
    report_id = parsing.path_uuid(request, "report_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await moderation.resolve_report(uow, context.services, actor, report_id)
    return Response(status_code=204)


async def mute_member(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    member_id = parsing.path_uuid(request, "member_id")
    body = await parsing.read_json(request)
    until = parsing.instant(body, "until")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        muted = await moderation.mute(uow, context.services, actor, thread_id, member_id, until)
    return JSONResponse({"muted_until": muted.isoformat().replace("+00:00", "Z")})


async def remove_member(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    member_id = parsing.path_uuid(request, "member_id")
    body = await parsing.read_json(request)
    commit = parsing.binary(body, "commit", max_size=groups.MAX_GROUP_COMMIT_BYTES)
    forbid = body.get("forbid_rejoin", False)
    if not isinstance(forbid, bool):
        raise InvalidInput("forbid_rejoin: true or false.")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        epoch = await moderation.remove_member(
            uow, context.services, actor, thread_id, member_id, commit, forbid
        )
    return JSONResponse({"epoch": epoch})


routes = [
    Route("/api/groups", list_my_groups, methods=["GET"]),
    Route("/api/groups", create_group, methods=["POST"]),
    Route("/api/clinic/groups", list_clinic_groups, methods=["GET"]),
    Route("/api/groups/{thread_id}", group_detail, methods=["GET"]),
    Route("/api/groups/{thread_id}/commits", group_commits, methods=["GET"]),
    Route("/api/groups/{thread_id}/moderators", name_moderator, methods=["POST"]),
    Route("/api/groups/{thread_id}/invitations", invite_member, methods=["POST"]),
    Route("/api/groups/{thread_id}/join", join_group, methods=["POST"]),
    Route("/api/groups/{thread_id}/posts", list_posts, methods=["GET"]),
    Route("/api/groups/{thread_id}/posts", send_post, methods=["POST"]),
    Route("/api/groups/{thread_id}/my-posts", my_moderated_posts, methods=["GET"]),
    Route("/api/groups/{thread_id}/read", mark_read, methods=["POST"]),
    Route("/api/groups/{thread_id}/queue", moderation_queue, methods=["GET"]),
    Route("/api/groups/{thread_id}/members/{member_id}/mute", mute_member, methods=["POST"]),
    Route("/api/groups/{thread_id}/members/{member_id}/remove", remove_member, methods=["POST"]),
    Route("/api/group-posts/{message_id}/approve", approve_post, methods=["POST"]),
    Route("/api/group-posts/{message_id}/reject", reject_post, methods=["POST"]),
    Route("/api/group-posts/{message_id}/remove", remove_post, methods=["POST"]),
    Route("/api/group-posts/{message_id}/report", report_post, methods=["POST"]),
    Route("/api/group-reports/{report_id}/resolve", resolve_report, methods=["POST"]),
]
