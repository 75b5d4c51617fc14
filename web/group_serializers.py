"""JSON for group threads. What a member receives names other members only by their
pseudonymous member id, pseudonym and membership bundle; user ids and certificates are
added for moderators only."""

from __future__ import annotations

from crypto import b64encode
from messaging.admin_keys import AdminKeyView
from messaging.clock import iso_utc
from messaging.group_posts import post_payload
from messaging.groups import ClinicGroup, GroupView, MyGroup
from messaging.moderation import Queue
from messaging.storage.groups import GroupMemberRecord, ModKeyRecord, ReportRecord
from messaging.storage.records import CommitRecord
from web.models import groups as wire


def _b64(value: bytes | None) -> str | None:
    return None if value is None else b64encode(value)


def member_json(
    member: GroupMemberRecord, *, sees_people: bool, name: str | None = None
) -> wire.GroupMemberJson:
    result: wire.GroupMemberJson = {
        "member_id": str(member.id),
        "role": member.role,
        "state": member.state,
        "pseudonym": member.pseudonym,
        "bundle": _b64(member.bundle),
    }
    if sees_people:
        result["user_id"] = str(member.user_id)
        result["display_name"] = name
        result["certificate"] = _b64(member.certificate)
        result["muted_until"] = iso_utc(member.muted_until)
    return result


def me_json(member: GroupMemberRecord) -> wire.MeJson:
    return {
        "member_id": str(member.id),
        "role": member.role,
        "state": member.state,
        "pseudonym": member.pseudonym,
        "info_seal": b64encode(member.info_seal),
        "muted_until": iso_utc(member.muted_until),
        "read_seq": member.read_seq,
    }


def mod_key_json(key: ModKeyRecord) -> wire.ModeratorKeyJson:
    return {"generation": key.generation, "package": b64encode(key.package)}


def group_view_json(view: GroupView) -> wire.GroupViewJson:
    result: wire.GroupViewJson = {
        "thread_id": str(view.thread.id),
        "policy": view.group.policy,
        "info": b64encode(view.group.info),
        "epoch": view.thread.current_epoch,
        "needs_rekey": view.thread.needs_rekey,
        "last_seq": view.thread.last_seq,
        "me": me_json(view.me),
        "members": [
            member_json(m, sees_people=view.sees_people, name=view.names.get(m.user_id))
            for m in view.members
        ],
        "moderator_keys": [mod_key_json(k) for k in view.mod_keys],
    }
    if view.sees_people:
        result["invited"] = [invitee_json(m, name) for m, name in view.invited]
    return result


def invitee_json(member: GroupMemberRecord, display_name: str) -> wire.InviteeJson:
    return {
        "member_id": str(member.id),
        "user_id": str(member.user_id),
        "role": member.role,
        "display_name": display_name,
        "invited_at": iso_utc(member.invited_at),
    }


def my_group_json(found: MyGroup) -> wire.MyGroupJson:
    return {
        "thread_id": str(found.group.thread_id),
        "policy": found.group.policy,
        "info": b64encode(found.group.info),
        "me": me_json(found.member),
        "last_seq": found.last_seq,
        "unread": found.unread,
    }


def clinic_group_json(found: ClinicGroup, admin_id: str) -> wire.ClinicGroupJson:
    return {
        "thread_id": str(found.thread.id),
        "policy": found.group.policy,
        "created_at": iso_utc(found.thread.created_at),
        "info": b64encode(found.group.info),
        "admin_seal": found.group.admin_seals.get(admin_id),
        "label": _b64(found.group.label),
        "moderators": found.moderators,
        "members": found.members,
    }


def group_commit_json(record: CommitRecord) -> wire.GroupCommitJson:
    """A commit names members by member id; the author's user id is left out."""
    return {"epoch": record.epoch, "commit": b64encode(record.commit)}


def report_json(report: ReportRecord) -> wire.ReportJson:
    return {
        "id": str(report.id),
        "message_id": str(report.message_id),
        "reporter_id": str(report.reporter_id),
        "category": report.category,
        "seal": b64encode(report.seal),
        "created_at": iso_utc(report.created_at),
    }


def queue_json(found: Queue) -> wire.ModerationQueueJson:
    return {
        "held": [post_payload(p) for p in found.held],
        "reports": [{**report_json(r), "post": post_payload(p)} for r, p in found.reports],
    }


def admin_key_json(view: AdminKeyView) -> wire.AdminKeyJson:
    return {
        "generation": view.generation,
        "public_key": _b64(view.public_key),
        "seal": _b64(view.seal),
        "sealed_to": [str(u) for u in view.sealed_to],
        "admins": [str(u) for u in view.admins],
        "replace_due": view.replace_due,
        "maker_id": None if view.maker_id is None else str(view.maker_id),
        "signature": _b64(view.signature),
    }
