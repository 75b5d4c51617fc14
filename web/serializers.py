"""Records to JSON. Binary values are base64url without padding; times are ISO 8601 UTC.
Each serializer returns the response shape declared in `web.models` (checked by mypy), the
same shape the OpenAPI document gives for the routes that answer it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from crypto import b64encode
from messaging import urgent
from messaging.authentication import AccountView, SessionGrant
from messaging.clock import iso_utc
from messaging.consultations import PublicPage
from messaging.crisis_resources import CrisisResource
from messaging.deletion import DeletionRequested
from messaging.export import ExportRecorded
from messaging.replies import Expectations
from messaging.retention import RetentionView
from messaging.schedules import Schedule
from messaging.storage.jobs import JobRecord
from messaging.storage.records import (
    AuditEventRecord,
    CareAssignmentRecord,
    ClinicPolicyRecord,
    ConsultationRecord,
    IdentityKeyRecord,
    InvitationRecord,
    LiveSessionRecord,
    PreferencesRecord,
    SessionRecord,
    ThreadMemberRecord,
    ThreadRecord,
    UrgentFlagRecord,
    UserRecord,
)
from messaging.threads import Roster, SignedCommit, ThreadSummary
from messaging.working_time import format_weekly
from web.models import (
    accounts,
    clinic,
    crisis,
    delayed_reply,
    notifications,
    records,
    threads,
)

Json = dict[str, Any]


timestamp = iso_utc


def user_json(user: UserRecord) -> accounts.UserJson:
    return {
        "id": str(user.id),
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "status": user.status,
        "created_at": timestamp(user.created_at),
        "time_zone": user.time_zone,
    }


def session_json(session: SessionRecord, current: uuid.UUID | None) -> accounts.SessionJson:
    return {
        "id": str(session.id),
        "device_label": session.device_label,
        "created_at": timestamp(session.created_at),
        "last_seen_at": timestamp(session.last_seen_at),
        "expires_at": timestamp(session.expires_at),
        "current": session.id == current,
    }


def grant_json(grant: SessionGrant) -> accounts.GrantJson:
    return {
        "token": grant.token,
        "session": session_json(grant.session, grant.session.id),
        "user": user_json(grant.user),
    }


def account_json(view: AccountView) -> accounts.AccountJson:
    stored = view.credentials
    return {
        "user": user_json(view.user),
        "clinic": {"id": str(view.clinic.id), "name": view.clinic.name},
        "kdf": {"version": stored.kdf_version, "ops": stored.kdf_ops, "mem": stored.kdf_mem},
        "salt": b64encode(stored.kdf_salt),
        "wrapped_account_key": b64encode(stored.wrapped_account_key),
        "keyring": b64encode(stored.keyring),
        "public_bundle": b64encode(view.identity.public_bundle),
    }


def invitation_json(invitation: InvitationRecord) -> clinic.InvitationJson:
    return {
        "id": str(invitation.id),
        "email": invitation.email,
        "display_name": invitation.display_name,
        "role": invitation.role,
        "created_at": timestamp(invitation.created_at),
        "expires_at": timestamp(invitation.expires_at),
    }


def care_json(assignment: CareAssignmentRecord) -> clinic.CareAssignment:
    return {
        "therapist_id": str(assignment.therapist_id),
        "client_id": str(assignment.client_id),
        "created_at": timestamp(assignment.created_at),
    }


def audit_json(event: AuditEventRecord) -> clinic.AuditEvent:
    return {
        "id": event.id,
        "action": event.action,
        "actor_id": str(event.actor_id) if event.actor_id else None,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "detail": event.detail,
        "ip": event.ip,
        "created_at": timestamp(event.created_at),
        "hash": b64encode(event.hash),
    }


def thread_json(summary: ThreadSummary) -> threads.ThreadJson:
    thread, member = summary.thread, summary.membership
    return {
        **thread_core_json(thread),
        "read_seq": member.read_seq,
        "unread": summary.unread,
        "my_role": member.role,
        "members": [
            {"user_id": str(user_id), "role": role, "display_name": name}
            for user_id, role, name in summary.members
        ],
    }


def thread_core_json(thread: ThreadRecord) -> threads.ThreadCore:
    return {
        "id": str(thread.id),
        "kind": thread.kind,
        "client_id": str(thread.client_id) if thread.client_id else None,
        "epoch": thread.current_epoch,
        "needs_rekey": thread.needs_rekey,
        "last_seq": thread.last_seq,
        "last_message_at": timestamp(thread.last_message_at),
        "created_at": timestamp(thread.created_at),
        "title_envelope": b64encode(thread.title_envelope) if thread.title_envelope else None,
    }


def member_json(member: ThreadMemberRecord) -> threads.MemberJson:
    return {
        "user_id": str(member.user_id),
        "role": member.role,
        "joined_epoch": member.joined_epoch,
        "read_seq": member.read_seq,
    }


def roster_json(roster: Roster) -> threads.RosterJson:
    return {
        "client_id": str(roster.client.id),
        "thread_id": str(roster.thread.id) if roster.thread else None,
        "epoch": roster.thread.current_epoch if roster.thread else None,
        "members": [
            {
                "user_id": str(m.user.id),
                "role": m.role,
                "display_name": m.user.display_name,
                "public_bundle": b64encode(m.key.public_bundle),
            }
            for m in roster.members
        ],
    }


def commit_json(signed: SignedCommit) -> threads.CommitJson:
    commit, key = signed.record, signed.author_key
    return {
        "epoch": commit.epoch,
        "commit": b64encode(commit.commit),
        "author_id": str(commit.author_id),
        "author_bundle": b64encode(key.public_bundle) if key else None,
        "created_at": timestamp(commit.created_at),
    }


def public_key_json(key: IdentityKeyRecord) -> accounts.PublicKeyJson:
    return {
        "user_id": str(key.user_id),
        "key_id": b64encode(key.key_id),
        "public_bundle": b64encode(key.public_bundle),
        "created_at": timestamp(key.created_at),
    }


def _clock_time(minutes: int | None) -> str | None:
    return None if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}"


def preferences_json(record: PreferencesRecord) -> notifications.PreferencesJson:
    quiet: notifications.QuietHoursJson | None = None
    if record.quiet_start is not None and record.quiet_end is not None:
        quiet = {"start": _clock_time(record.quiet_start), "end": _clock_time(record.quiet_end)}
    return {
        "message_mode": record.message_mode,
        "digest": {
            "frequency": record.digest_frequency,
            "hour": record.digest_hour,
            "weekday": record.digest_weekday,
        },
        "reminders": record.reminders,
        "time_zone": record.time_zone,
        "quiet_hours": quiet,
        "notice_delay_minutes": record.notice_delay_minutes,
    }


def failed_email_json(job: JobRecord) -> clinic.FailedEmail:
    return {
        "id": job.id,
        "kind": job.kind,
        "attempts": job.attempts,
        "last_error": job.last_error,
        "created_at": timestamp(job.created_at),
        "updated_at": timestamp(job.updated_at),
    }


def schedule_json(schedule: Schedule) -> delayed_reply.ScheduleJson:
    return {
        "time_zone": schedule.hours.time_zone,
        "hours": format_weekly(schedule.hours.weekly),
        "days_off": sorted(day.isoformat() for day in schedule.hours.days_off),
        "away_message": schedule.away_message,
        "commitment": {"amount": schedule.commitment.amount, "unit": schedule.commitment.unit},
    }


def live_session_json(session: LiveSessionRecord) -> delayed_reply.LiveSessionJson:
    return {
        "id": str(session.id),
        "thread_id": str(session.thread_id),
        "starts_at": timestamp(session.starts_at),
        "ends_at": timestamp(session.ends_at),
        "cancelled": session.cancelled_at is not None,
    }


def expectations_json(found: Expectations) -> delayed_reply.ExpectationsJson:
    return {
        "awaiting_since": timestamp(found.awaiting_since),
        "reply_due_at": timestamp(found.reply_due_at),
        "therapists_working": found.therapists_working,
        "back_at": timestamp(found.back_at),
        "away_message": found.away_message,
        "live_now": found.live_now,
        "live_sessions": [live_session_json(s) for s in found.live_sessions],
    }


def inbox_json(
    thread: ThreadRecord, now: datetime, urgent_since: datetime | None = None
) -> delayed_reply.InboxThread:
    return {
        **thread_core_json(thread),
        "awaiting_since": timestamp(thread.awaiting_since),
        "reply_due_at": timestamp(thread.reply_due_at),
        "overdue": thread.reply_due_at is not None and thread.reply_due_at <= now,
        "urgent_since": timestamp(urgent_since),
    }


def urgent_flag_json(flag: UrgentFlagRecord) -> records.UrgentFlagJson:
    return urgent.flag_payload(flag)


def flagged_json(flagged: urgent.Flagged) -> records.FlaggedJson:
    outlook = flagged.outlook
    return {
        "flag": urgent_flag_json(flagged.flag),
        "crisis_resources": crisis_resources_json(list(flagged.resources))["resources"],
        "outlook": {
            "therapists_working": outlook.therapists_working,
            "therapists_told": outlook.therapists_told,
            "on_call_told": outlook.on_call_told,
            "back_at": timestamp(outlook.back_at),
        },
    }


def deletion_json(requested: DeletionRequested) -> records.DeletionJson:
    return {
        "user_id": str(requested.user_id),
        "requested_at": timestamp(requested.requested_at),
        "already_requested": requested.already_requested,
    }


def public_page_json(page: PublicPage) -> records.PublicPageJson:
    return {
        "clinic_name": page.clinic_name,
        "text": page.text,
        "intake_public_key": b64encode(page.intake_public_key),
        "challenge": page.challenge,
        "pow_bits": page.pow_bits,
    }


def record_policy_json(policy: ClinicPolicyRecord) -> records.RecordPolicyJson:
    return {
        "retention_years": policy.retention_years,
        "consultation_open": policy.consultation_open,
        "consultation_text": policy.consultation_text,
        "consultation_retention_days": policy.consultation_retention_days,
        "intake_public_key": (
            b64encode(policy.intake_public_key) if policy.intake_public_key else None
        ),
    }


def intake_key_json(public: bytes | None, sealed: bytes | None) -> records.IntakeKeyJson:
    return {
        "public_key": None if public is None else b64encode(public),
        "sealed_private_key": None if sealed is None else b64encode(sealed),
    }


def consultation_json(request: ConsultationRecord) -> records.ConsultationJson:
    return {
        "id": str(request.id),
        "sealed": b64encode(request.sealed),
        "state": request.state,
        "created_at": timestamp(request.created_at),
        "expires_at": timestamp(request.expires_at),
        "decided_at": timestamp(request.decided_at),
        "invitation_id": str(request.invitation_id) if request.invitation_id else None,
        "handed_over": request.handover_note is not None,
    }


def intake_note_json(request: ConsultationRecord | None) -> records.IntakeNoteJson:
    if request is None or request.handover_note is None:
        return {"request_id": None, "sealed_note": None}
    return {"request_id": str(request.id), "sealed_note": b64encode(request.handover_note)}


def export_json(recorded: ExportRecorded) -> records.ExportJson:
    return {
        "thread_id": str(recorded.thread_id),
        "exported_by": str(recorded.exported_by),
        "exported_at": timestamp(recorded.exported_at),
        "audit_event_id": recorded.audit_event_id,
    }


def retention_json(view: RetentionView) -> records.RetentionJson:
    return {
        "years": view.years,
        "next_sweep_at": timestamp(view.next_sweep_at),
        "upcoming": [
            {
                "thread_id": str(u.thread_id),
                "last_activity_at": timestamp(u.last_activity_at),
                "delete_at": timestamp(u.delete_at),
            }
            for u in view.upcoming
        ],
    }


def crisis_resources_json(resources: list[CrisisResource]) -> crisis.CrisisResourcesJson:
    return {
        "resources": [
            {"name": r.name, "phone": r.phone, "text": r.text, "url": r.url, "hours": r.hours}
            for r in resources
        ]
    }
