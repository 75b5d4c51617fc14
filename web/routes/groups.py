"""Group threads: creating, inviting, joining, posting, reading and moderating."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from messaging import admin_keys, errors, group_invitations, group_posts, groups, moderation
from messaging.actors import Actor
from messaging.clock import iso_utc
from web import parsing
from web.api import ApiRoute, Contract
from web.context import app_context
from web.group_serializers import (
    admin_key_json,
    clinic_group_json,
    group_commit_json,
    group_view_json,
    me_json,
    my_group_json,
    queue_json,
    report_json,
)
from web.models import groups as wire
from web.models.threads import CommitsPage


async def create_group(
    request: Request, actor: Actor | None, body: wire.GroupCreation
) -> wire.GroupCreated:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        thread = await groups.create_group(
            uow,
            context.services,
            actor,
            body.thread_id,
            body.policy,
            body.info,
            dict(body.admin_seals),
            dict(body.moderators),
            body.label,
        )
    return {"thread_id": str(thread.id), "policy": body.policy}


async def list_my_groups(request: Request, actor: Actor | None) -> wire.MyGroupList:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await groups.my_groups(uow, actor)
    return {"groups": [my_group_json(g) for g in found]}


async def list_clinic_groups(request: Request, actor: Actor | None) -> wire.ClinicGroupList:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await groups.clinic_groups(uow, actor)
    admin_id = str(actor.user_id) if actor else ""
    return {"groups": [clinic_group_json(g, admin_id) for g in found]}


async def read_admin_key(request: Request, actor: Actor | None) -> wire.AdminKeyJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        view = await admin_keys.my_admin_key(uow, actor)
    return admin_key_json(view)


async def change_admin_key(
    request: Request, actor: Actor | None, body: wire.AdminKeyChange
) -> wire.AdminKeyJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        view = await admin_keys.set_admin_key(
            uow,
            context.services,
            actor,
            body.generation,
            body.public_key,
            dict(body.seals),
            dict(body.labels),
            body.signature,
        )
    return admin_key_json(view)


async def group_detail(request: Request, actor: Actor | None) -> wire.GroupViewJson:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        view = await groups.group_view(uow, actor, thread_id)
    return group_view_json(view)


async def group_commits(
    request: Request, actor: Actor | None, query: CommitsPage
) -> wire.GroupCommitList:
    thread_id = parsing.path_uuid(request, "thread_id")
    after = -1 if query.after_epoch is None else query.after_epoch
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await groups.group_commits(uow, actor, thread_id, after)
    return {"commits": [group_commit_json(c) for c in found]}


async def name_moderator(
    request: Request, actor: Actor | None, body: wire.GroupInvitation
) -> wire.MemberCreated:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        member = await groups.name_moderator(
            uow, context.services, actor, thread_id, body.user_id, body.info_seal
        )
    return {"member_id": str(member.id)}


async def invite_member(
    request: Request, actor: Actor | None, body: wire.GroupInvitation
) -> wire.MemberCreated:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        member = await groups.invite_member(
            uow, context.services, actor, thread_id, body.user_id, body.info_seal
        )
    return {"member_id": str(member.id)}


async def join_group(request: Request, actor: Actor | None, body: wire.GroupJoining) -> wire.MeJson:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        member = await groups.join_group(
            uow,
            context.services,
            actor,
            thread_id,
            body.pseudonym,
            body.certificate,
            body.commit,
            body.moderator_key,
        )
    return me_json(member)


async def send_post(request: Request, actor: Actor | None, body: wire.NewGroupPost) -> Response:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        sent = await group_posts.send_post(
            uow, context.services, actor, thread_id, body.envelope, body.author_copy
        )
    answer: wire.GroupPostSent = {
        "post": group_posts.own_post_payload(sent.post),
        "duplicate": sent.duplicate,
    }
    return JSONResponse(answer, status_code=200 if sent.duplicate else 201)


async def list_posts(
    request: Request, actor: Actor | None, query: wire.GroupPostsPage
) -> wire.GroupPostList:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await group_posts.history(
            uow,
            actor,
            thread_id,
            after_seq=query.after_seq,
            before_seq=query.before_seq,
            limit=query.limit,
        )
    return {"posts": [group_posts.post_payload(p) for p in found]}


async def my_moderated_posts(request: Request, actor: Actor | None) -> wire.OwnGroupPostList:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await group_posts.my_moderated_posts(uow, actor, thread_id)
    return {"posts": [group_posts.own_post_payload(p) for p in found]}


async def mark_group_read(
    request: Request, actor: Actor | None, body: wire.GroupReadPosition
) -> None:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await group_posts.mark_read(uow, context.services, actor, thread_id, body.seq)


async def moderation_queue(request: Request, actor: Actor | None) -> wire.ModerationQueueJson:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await moderation.queue(uow, actor, thread_id)
    return queue_json(found)


async def approve_post(
    request: Request, actor: Actor | None, body: wire.PostApproval
) -> wire.GroupPostAnswer:
    message_id = parsing.path_uuid(request, "message_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        post = await moderation.approve(uow, context.services, actor, message_id, body.release)
    return {"post": group_posts.post_payload(post)}


async def reject_post(request: Request, actor: Actor | None, body: wire.ModerationReason) -> None:
    message_id = parsing.path_uuid(request, "message_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await moderation.reject(uow, context.services, actor, message_id, body.reason)


async def remove_post(
    request: Request, actor: Actor | None, body: wire.ModerationReason
) -> wire.GroupPostAnswer:
    message_id = parsing.path_uuid(request, "message_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        post = await moderation.remove_post(uow, context.services, actor, message_id, body.reason)
    return {"post": group_posts.post_payload(post)}


async def report_post(
    request: Request, actor: Actor | None, body: wire.PostReport
) -> wire.ReportJson:
    message_id = parsing.path_uuid(request, "message_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        report = await moderation.report(
            uow, context.services, actor, message_id, body.category, body.seal
        )
    return report_json(report)


async def resolve_report(request: Request, actor: Actor | None) -> None:
    report_id = parsing.path_uuid(request, "report_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await moderation.resolve_report(uow, context.services, actor, report_id)


async def mute_member(
    request: Request, actor: Actor | None, body: wire.MemberMute
) -> wire.MutedJson:
    thread_id = parsing.path_uuid(request, "thread_id")
    member_id = parsing.path_uuid(request, "member_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        muted = await moderation.mute(
            uow, context.services, actor, thread_id, member_id, body.until
        )
    return {"muted_until": iso_utc(muted)}


async def remove_member(
    request: Request, actor: Actor | None, body: wire.MemberRemoval
) -> wire.RemovalJson:
    thread_id = parsing.path_uuid(request, "thread_id")
    member_id = parsing.path_uuid(request, "member_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        epoch = await moderation.remove_member(
            uow, context.services, actor, thread_id, member_id, body.commit, body.forbid_rejoin
        )
    return {"epoch": epoch}


async def invite_candidates(request: Request, actor: Actor | None) -> wire.CandidateList:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await group_invitations.candidates(uow, actor, thread_id)
    return {
        "candidates": [{"user_id": str(c.user_id), "display_name": c.display_name} for c in found]
    }


async def withdraw_invitation(request: Request, actor: Actor | None) -> None:
    thread_id = parsing.path_uuid(request, "thread_id")
    member_id = parsing.path_uuid(request, "member_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await group_invitations.withdraw_invitation(
            uow, context.services, actor, thread_id, member_id
        )


async def rekey_group(
    request: Request, actor: Actor | None, body: wire.GroupRekey
) -> wire.RekeyedJson:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        epoch = await moderation.rekey(uow, context.services, actor, thread_id, body.commit)
    return {"epoch": epoch}


GROUP = "/api/groups/{thread_id}"
POST = "/api/group-posts/{message_id}"
MEMBER = "/api/groups/{thread_id}/members/{member_id}"

routes = [
    ApiRoute(
        "/api/groups",
        list_my_groups,
        "GET",
        Contract("My group invitations and groups, with unread counts", response=wire.MyGroupList),
    ),
    ApiRoute(
        "/api/groups",
        create_group,
        "POST",
        Contract(
            "Create a group (admins): its encrypted info, policy and first moderators",
            body=wire.GroupCreation,
            response=wire.GroupCreated,
            status=201,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        "/api/clinic/groups",
        list_clinic_groups,
        "GET",
        Contract("The clinic's groups (admins), with counts", response=wire.ClinicGroupList),
    ),
    ApiRoute(
        GROUP,
        group_detail,
        "GET",
        Contract(
            "A group as I may see it: members by pseudonym, epoch, moderators' keys",
            response=wire.GroupViewJson,
        ),
    ),
    ApiRoute(
        f"{GROUP}/commits",
        group_commits,
        "GET",
        Contract(
            "The group's epoch commits after an epoch",
            query=CommitsPage,
            response=wire.GroupCommitList,
        ),
    ),
    ApiRoute(
        f"{GROUP}/moderators",
        name_moderator,
        "POST",
        Contract(
            "Name another moderator (admins): a therapist or admin of the clinic",
            body=wire.GroupInvitation,
            response=wire.MemberCreated,
            status=201,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        f"{GROUP}/invitations",
        invite_member,
        "POST",
        Contract(
            "Invite a client of the clinic (moderators); they accept by joining",
            body=wire.GroupInvitation,
            response=wire.MemberCreated,
            status=201,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        f"{GROUP}/join",
        join_group,
        "POST",
        Contract(
            "Join a group I was invited to, under a pseudonym, with the next epoch's commit",
            body=wire.GroupJoining,
            response=wire.MeJson,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        f"{GROUP}/posts",
        list_posts,
        "GET",
        Contract(
            "Delivered posts and tombstones by seq",
            query=wire.GroupPostsPage,
            response=wire.GroupPostList,
        ),
    ),
    ApiRoute(
        f"{GROUP}/posts",
        send_post,
        "POST",
        Contract(
            "Post (delivered at once, or held for a moderator; idempotent: 200 when retried)",
            body=wire.NewGroupPost,
            response=wire.GroupPostSent,
            status=201,
            also=(200,),
            errors=(errors.Conflict, errors.StaleEpoch, errors.RekeyRequired),
        ),
    ),
    ApiRoute(
        f"{GROUP}/my-posts",
        my_moderated_posts,
        "GET",
        Contract(
            "My held, rejected and removed posts, with what moderation did and why",
            response=wire.OwnGroupPostList,
        ),
    ),
    ApiRoute(
        f"{GROUP}/read",
        mark_group_read,
        "POST",
        Contract("Move my read position in the group", body=wire.GroupReadPosition),
    ),
    ApiRoute(
        f"{GROUP}/queue",
        moderation_queue,
        "GET",
        Contract(
            "Held posts and open reports, one queue (moderators)",
            response=wire.ModerationQueueJson,
        ),
    ),
    ApiRoute(
        f"{MEMBER}/mute",
        mute_member,
        "POST",
        Contract(
            "Mute a member until a time (moderators; at most 90 days)",
            body=wire.MemberMute,
            response=wire.MutedJson,
        ),
    ),
    ApiRoute(
        f"{MEMBER}/remove",
        remove_member,
        "POST",
        Contract(
            "Remove a member with the next epoch's commit, optionally forbidding rejoining",
            body=wire.MemberRemoval,
            response=wire.RemovalJson,
            errors=(errors.Conflict, errors.StaleEpoch),
        ),
    ),
    ApiRoute(
        f"{POST}/approve",
        approve_post,
        "POST",
        Contract(
            "Approve a held post: publish its key for the current epoch (moderators)",
            body=wire.PostApproval,
            response=wire.GroupPostAnswer,
            errors=(errors.Conflict, errors.StaleEpoch),
        ),
    ),
    ApiRoute(
        f"{POST}/reject",
        reject_post,
        "POST",
        Contract(
            "Reject a held post: its ciphertext is deleted, the author told why (moderators)",
            body=wire.ModerationReason,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        f"{POST}/remove",
        remove_post,
        "POST",
        Contract(
            "Remove a delivered post, leaving a tombstone; the author is told why (moderators)",
            body=wire.ModerationReason,
            response=wire.GroupPostAnswer,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        f"{POST}/report",
        report_post,
        "POST",
        Contract(
            "Report a delivered post to the moderators, sealing only its key",
            body=wire.PostReport,
            response=wire.ReportJson,
            status=201,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        "/api/group-reports/{report_id}/resolve",
        resolve_report,
        "POST",
        Contract("Mark a report handled (moderators)", errors=(errors.Conflict,)),
    ),
    ApiRoute(
        f"{GROUP}/candidates",
        invite_candidates,
        "GET",
        Contract(
            "The clinic's active clients I may invite, by name (moderators)",
            response=wire.CandidateList,
        ),
    ),
    ApiRoute(
        f"{GROUP}/invitations/{{member_id}}/withdraw",
        withdraw_invitation,
        "POST",
        Contract("Withdraw a client's invitation not yet accepted (moderators)"),
    ),
    ApiRoute(
        f"{GROUP}/rekey",
        rekey_group,
        "POST",
        Contract(
            "Start a new epoch for the active members (moderators; needed after a deletion)",
            body=wire.GroupRekey,
            response=wire.RekeyedJson,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        "/api/clinic/admin-key",
        read_admin_key,
        "GET",
        Contract(
            "The clinic's admin key (admins): its public half, its secret sealed to me, "
            "and whom it is sealed to",
            response=wire.AdminKeyJson,
        ),
    ),
    ApiRoute(
        "/api/clinic/admin-key",
        change_admin_key,
        "PUT",
        Contract(
            "Make, reseal or replace the admin key (admins): sealed to every active admin; "
            "a replacement reseals every group's label",
            body=wire.AdminKeyChange,
            response=wire.AdminKeyJson,
            errors=(errors.Conflict,),
        ),
    ),
]
