"""Table definitions. Migrations in `migrations/versions` create exactly these."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)

from messaging.storage.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")

JOB_STATES = ("queued", "running", "done", "dead")

jobs = Table(
    "jobs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("state", String(16), nullable=False),
    Column("run_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("dedupe_key", String(200), nullable=True, unique=True),
    # The clinic a job concerns (admins see their clinic's failed emails), if any.
    Column("clinic_id", Uuid, nullable=True),
    Column("claim_token", String(64), nullable=True),
    Column("lease_expires_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint(f"state IN {JOB_STATES!r}", name="state"),
    CheckConstraint("attempts >= 0 AND max_attempts >= 1", name="attempts"),
)
# Claiming scans due queued jobs and expired leases in run_at order.
Index("ix_jobs_state_run_at", jobs.c.state, jobs.c.run_at)

ROLES = ("admin", "therapist", "client")
USER_STATUSES = ("active", "disabled")

clinics = Table(
    "clinics",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("sender_name", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("clinic_id", Uuid, ForeignKey("clinics.id"), nullable=False, index=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime, nullable=True),
    # The person's one time zone (IANA name): their working hours, notification times and
    # the times in their emails all use it. Set from the device at registration.
    Column("time_zone", String(64), nullable=False, server_default="UTC"),
    CheckConstraint(f"role IN {ROLES!r}", name="role"),
    CheckConstraint(f"status IN {USER_STATUSES!r}", name="status"),
)

credentials = Table(
    "credentials",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id"), primary_key=True),
    Column("auth_key_hash", LargeBinary(32), nullable=False),
    Column("kdf_version", Integer, nullable=False),
    Column("kdf_ops", Integer, nullable=False),
    Column("kdf_mem", BigInteger, nullable=False),
    Column("kdf_salt", LargeBinary(16), nullable=False),
    Column("wrapped_account_key", LargeBinary, nullable=False),
    Column("recovery_auth_hash", LargeBinary(32), nullable=False),
    Column("recovery_wrapped_account_key", LargeBinary, nullable=False),
    Column("keyring", LargeBinary, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

identity_keys = Table(
    "identity_keys",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id"), primary_key=True),
    Column("key_id", LargeBinary(16), primary_key=True),
    Column("public_bundle", LargeBinary, nullable=False),
    Column("sign_pk", LargeBinary(32), nullable=False),
    Column("box_pk", LargeBinary(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("retired_at", UTCDateTime, nullable=True),
)

invitations = Table(
    "invitations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("clinic_id", Uuid, ForeignKey("clinics.id"), nullable=False, index=True),
    Column("email", String(320), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("token_salt", LargeBinary(16), nullable=False),
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),
    Column("user_id", Uuid, nullable=False, unique=True),
    Column("invited_by", Uuid, ForeignKey("users.id"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("accepted_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
    CheckConstraint(f"role IN {ROLES!r}", name="role"),
)

# At most one open invitation per email in each clinic (expired ones are closed before a
# new one). Per clinic, so no clinic's invitation can block or reveal another's (0009).
OPEN_INVITATION = text("accepted_at IS NULL AND revoked_at IS NULL")
Index(
    "uq_invitations_open_clinic_email",
    invitations.c.clinic_id,
    invitations.c.email,
    unique=True,
    sqlite_where=OPEN_INVITATION,
    postgresql_where=OPEN_INVITATION,
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id"), nullable=False, index=True),
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),
    Column("device_label", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
)

care_team = Table(
    "care_team",
    metadata,
    Column("therapist_id", Uuid, ForeignKey("users.id"), primary_key=True),
    Column("client_id", Uuid, ForeignKey("users.id"), primary_key=True, index=True),
    Column("clinic_id", Uuid, ForeignKey("clinics.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("clinic_id", Uuid, nullable=True),
    Column("actor_id", Uuid, nullable=True),
    Column("action", String(64), nullable=False),
    Column("target_type", String(32), nullable=True),
    Column("target_id", String(64), nullable=True),
    Column("detail", JSON, nullable=False),
    Column("ip", String(64), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("prev_hash", LargeBinary(32), nullable=False),
    Column("hash", LargeBinary(32), nullable=False),
)
Index("ix_audit_events_clinic_id_id", audit_events.c.clinic_id, audit_events.c.id)

# One row: the chain's head. Writers lock it, so concurrent appends cannot fork the chain.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("last_event_id", BigInteger, nullable=False),
    Column("last_hash", LargeBinary(32), nullable=False),
)

login_throttle = Table(
    "login_throttle",
    metadata,
    Column("key_hash", LargeBinary(32), primary_key=True),
    Column("window_started_at", UTCDateTime, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
)

THREAD_KINDS = ("direct", "group")
MESSAGE_STATES = ("visible", "held", "scheduled", "removed")

threads = Table(
    "threads",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("clinic_id", Uuid, ForeignKey("clinics.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    # For a direct thread, its client: one direct thread per client and their care team.
    Column("client_id", Uuid, ForeignKey("users.id"), nullable=True, unique=True),
    Column("created_by", Uuid, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("current_epoch", BigInteger, nullable=False),
    # Set when membership or a member's key changed and no member has rekeyed yet: sends
    # in the old epoch are refused until a new commit lands.
    Column("needs_rekey", Boolean, nullable=False),
    Column("title_envelope", LargeBinary, nullable=True),
    Column("last_seq", BigInteger, nullable=False),
    Column("last_message_at", UTCDateTime, nullable=True),
    # Delayed-reply mode: set while a client's message awaits a therapist's reply.
    Column("awaiting_since", UTCDateTime, nullable=True),
    Column("reply_due_at", UTCDateTime, nullable=True, index=True),
    CheckConstraint(f"kind IN {THREAD_KINDS!r}", name="kind"),
)

thread_members = Table(
    "thread_members",
    metadata,
    Column("thread_id", Uuid, ForeignKey("threads.id"), primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id"), primary_key=True, index=True),
    Column("role", String(16), nullable=False),
    Column("joined_epoch", BigInteger, nullable=False),
    Column("left_at", UTCDateTime, nullable=True),
    Column("read_seq", BigInteger, nullable=False),
)

thread_commits = Table(
    "thread_commits",
    metadata,
    Column("thread_id", Uuid, ForeignKey("threads.id"), primary_key=True),
    Column("epoch", BigInteger, primary_key=True),
    Column("commit", LargeBinary, nullable=False),
    Column("commit_hash", LargeBinary(32), nullable=False),
    Column("author_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("thread_id", Uuid, ForeignKey("threads.id"), nullable=False),
    # Gap-free per thread; NULL while a message is scheduled (assigned at release).
    Column("seq", BigInteger, nullable=True),
    Column("sender_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("client_message_id", LargeBinary(16), nullable=False),
    Column("epoch", BigInteger, nullable=False),
    Column("envelope", LargeBinary, nullable=True),
    Column("state", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("deliver_at", UTCDateTime, nullable=True),
    Column("edited_at", UTCDateTime, nullable=True),
    Column("deleted_at", UTCDateTime, nullable=True),
    CheckConstraint(f"state IN {MESSAGE_STATES!r}", name="state"),
    UniqueConstraint("thread_id", "seq", name="uq_messages_thread_id_seq"),
    UniqueConstraint(
        "sender_id", "client_message_id", name="uq_messages_sender_id_client_message_id"
    ),
)

NOTICE_MODES = ("immediate", "digest", "off")
DIGEST_FREQUENCIES = ("daily", "weekly")

notification_preferences = Table(
    "notification_preferences",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id"), primary_key=True),
    Column("message_mode", String(16), nullable=False),
    Column("digest_frequency", String(16), nullable=False),
    Column("digest_hour", Integer, nullable=False),
    Column("digest_weekday", Integer, nullable=False),
    Column("reminders", Boolean, nullable=False),
    # Quiet hours as minutes after local midnight; both NULL when there are none.
    Column("quiet_start", Integer, nullable=True),
    Column("quiet_end", Integer, nullable=True),
    Column("notice_delay_minutes", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint(f"message_mode IN {NOTICE_MODES!r}", name="message_mode"),
    CheckConstraint(f"digest_frequency IN {DIGEST_FREQUENCIES!r}", name="digest_frequency"),
)

# One row while a new-message notice is pending for a user: messages arriving meanwhile
# are covered by that one notice (coalescing).
pending_notices = Table(
    "pending_notices",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id"), primary_key=True),
    Column("since", UTCDateTime, nullable=False),
    Column("job_id", BigInteger, nullable=False),
)

therapist_schedules = Table(
    "therapist_schedules",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id"), primary_key=True),
    # {"mon": [["09:00", "17:00"]], ...}: local wall-clock intervals per weekday.
    Column("weekly_hours", JSON, nullable=False),
    # ["2026-12-24", ...]: local dates without working time.
    Column("days_off", JSON, nullable=False),
    # Plain text, shown to clients outside working hours (not end-to-end encrypted).
    Column("away_message", Text, nullable=False),
    Column("commitment_amount", Integer, nullable=False),
    Column("commitment_unit", String(8), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("commitment_unit IN ('hours', 'days')", name="commitment_unit"),
)

live_sessions = Table(
    "live_sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("thread_id", Uuid, ForeignKey("threads.id"), nullable=False),
    Column("created_by", Uuid, ForeignKey("users.id"), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("cancelled_at", UTCDateTime, nullable=True),
    CheckConstraint("ends_at > starts_at", name="window"),
)
Index("ix_live_sessions_thread_id_starts_at", live_sessions.c.thread_id, live_sessions.c.starts_at)
# The worker finds scheduled messages through their release jobs; this index serves the
# author's list of them and the in-order release of a thread's due messages. It is partial
# so that it holds only messages waiting to go out, and so that no planner, even one
# without statistics, can take it for a history page (which must walk (thread_id, seq)).
SCHEDULED = text("state = 'scheduled'")
Index(
    "ix_messages_scheduled_thread_id_deliver_at",
    messages.c.thread_id,
    messages.c.deliver_at,
    sqlite_where=SCHEDULED,
    postgresql_where=SCHEDULED,
)

# Journaling. Items are ciphertext the server cannot read (docs/crypto.md §10); it keeps
# only ids, owners, times and the padded blobs.
journal_entries = Table(
    "journal_entries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("blob", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
# Listing by date, newest first, keyset on (created_at, id).
Index(
    "ix_journal_entries_user_id_created_at_id",
    journal_entries.c.user_id,
    journal_entries.c.created_at,
    journal_entries.c.id,
)

journal_drafts = Table(
    "journal_drafts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id"), nullable=False, index=True),
    Column("blob", LargeBinary, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# One entry shared into the client's direct thread: the signed share (seals + snapshot) is
# deleted outright on revoke (the row goes) or on hide (the row stays, `share` is NULL).
journal_shares = Table(
    "journal_shares",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("entry_id", Uuid, nullable=False, index=True),
    Column("thread_id", Uuid, ForeignKey("threads.id"), nullable=False),
    Column("author_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("share", LargeBinary, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("hidden_at", UTCDateTime, nullable=True),
)
Index(
    "ix_journal_shares_thread_id_created_at",
    journal_shares.c.thread_id,
    journal_shares.c.created_at,
)

journal_share_recipients = Table(
    "journal_share_recipients",
    metadata,
    Column("share_id", Uuid, ForeignKey("journal_shares.id"), primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id"), primary_key=True, index=True),
    Column("opened_at", UTCDateTime, nullable=True),
)

PROMPT_REPEATS = ("once", "daily", "weekdays", "weekly")
PROMPT_STATES = ("active", "paused", "stopped", "finished")

# A therapist's journaling prompt for a client: the text is a message envelope sealed in
# the client's direct thread; the schedule is wall-clock time in the client's zone.
journal_prompts = Table(
    "journal_prompts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("client_id", Uuid, ForeignKey("users.id"), nullable=False, index=True),
    Column("thread_id", Uuid, ForeignKey("threads.id"), nullable=False),
    Column("author_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("envelope", LargeBinary, nullable=False),
    Column("repeat", String(16), nullable=False),
    # Minutes after local midnight; weekday (Monday = 0) for weekly prompts.
    Column("local_minute", Integer, nullable=False),
    Column("weekday", Integer, nullable=True),
    # Local dates (ISO): the first day it may fire, and the last (inclusive) if any.
    Column("start_date", String(10), nullable=False),
    Column("until_date", String(10), nullable=True),
    Column("max_count", Integer, nullable=True),
    Column("fired_count", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("next_due_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint(f"repeat IN {PROMPT_REPEATS!r}", name="repeat"),
    CheckConstraint(f"state IN {PROMPT_STATES!r}", name="state"),
)

# Each time a prompt fired: once per (prompt, due time), whichever worker got there.
journal_prompt_deliveries = Table(
    "journal_prompt_deliveries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("prompt_id", Uuid, ForeignKey("journal_prompts.id"), nullable=False),
    Column("client_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime, nullable=False),
    Column("answered_at", UTCDateTime, nullable=True),
    Column("answer_entry_id", Uuid, nullable=True),
    UniqueConstraint("prompt_id", "due_at", name="uq_journal_prompt_deliveries_prompt_id_due_at"),
)
Index(
    "ix_journal_prompt_deliveries_client_id_delivered_at",
    journal_prompt_deliveries.c.client_id,
    journal_prompt_deliveries.c.delivered_at,
)

# Records and safety (issue 15): urgent flags, on-call contacts, account deletion,
# per-clinic record policies and consultation requests.

urgent_flags = Table(
    "urgent_flags",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("message_id", Uuid, ForeignKey("messages.id"), nullable=False, unique=True),
    Column("thread_id", Uuid, ForeignKey("threads.id"), nullable=False, index=True),
    Column("clinic_id", Uuid, ForeignKey("clinics.id"), nullable=False),
    Column("sender_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("acknowledged_at", UTCDateTime, nullable=True),
    Column("acknowledged_by", Uuid, ForeignKey("users.id"), nullable=True),
)
# The hourly limit counts a sender's recent flags.
Index("ix_urgent_flags_sender_id_created_at", urgent_flags.c.sender_id, urgent_flags.c.created_at)

on_call_contacts = Table(
    "on_call_contacts",
    metadata,
    Column("clinic_id", Uuid, ForeignKey("clinics.id"), primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id"), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
)

account_deletions = Table(
    "account_deletions",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id"), primary_key=True),
    Column("clinic_id", Uuid, ForeignKey("clinics.id"), nullable=False),
    Column("requested_by", Uuid, nullable=True),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("completed_at", UTCDateTime, nullable=True),
)

clinic_policies = Table(
    "clinic_policies",
    metadata,
    Column("clinic_id", Uuid, ForeignKey("clinics.id"), primary_key=True),
    # NULL: keep threads until someone deletes them.
    Column("retention_years", Integer, nullable=True),
    Column("consultation_open", Boolean, nullable=False),
    Column("consultation_text", Text, nullable=False),
    Column("consultation_retention_days", Integer, nullable=False),
    # The clinic's X25519 intake key; its private half is sealed to each admin.
    Column("intake_public_key", LargeBinary(32), nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

intake_key_seals = Table(
    "intake_key_seals",
    metadata,
    Column("clinic_id", Uuid, ForeignKey("clinics.id"), primary_key=True),
    Column("admin_id", Uuid, ForeignKey("users.id"), primary_key=True),
    Column("sealed_private_key", LargeBinary, nullable=False),
)

CONSULTATION_STATES = ("open", "invited", "declined")

consultation_requests = Table(
    "consultation_requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("clinic_id", Uuid, ForeignKey("clinics.id"), nullable=False),
    Column("sealed", LargeBinary, nullable=False),
    # A proof-of-work challenge is good for one request.
    Column("challenge_hash", LargeBinary(32), nullable=False, unique=True),
    Column("state", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("invitation_id", Uuid, nullable=True),
    # The request's text sealed by an admin to the invited client once they joined; their
    # client posts it as the first message of their thread, then it is dropped.
    Column("handover_note", LargeBinary, nullable=True),
    CheckConstraint(f"state IN {CONSULTATION_STATES!r}", name="state"),
)
Index(
    "ix_consultation_requests_clinic_id_created_at",
    consultation_requests.c.clinic_id,
    consultation_requests.c.created_at,
)

# A clinic's crisis resources (issue 14): shown on "Need help now?" to anyone, even logged
# out, so they are plain public data, not end-to-end encrypted. `resources` is a list of
# {"name", "phone", "text", "url", "hours"}; `country` is what the defaults were chosen by.
crisis_resources = Table(
    "crisis_resources",
    metadata,
    Column("clinic_id", Uuid, ForeignKey("clinics.id"), primary_key=True),
    Column("country", String(2), nullable=True),
    Column("resources", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Devices a person has signed in from (issue 14): a device is new, and worth a security
# notice, only the first time. The browser keeps a random id; only its keyed hash is stored.
known_devices = Table(
    "known_devices",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id"), primary_key=True),
    Column("device_hash", LargeBinary(32), primary_key=True),
    Column("first_seen_at", UTCDateTime, nullable=False),
)

# One row while a new-sign-in notice is queued for a person: sign-ins from other new devices
# meanwhile join that one email (it says how many there were).
pending_login_notices = Table(
    "pending_login_notices",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id"), primary_key=True),
    Column("job_id", BigInteger, nullable=False),
    Column("sign_ins", Integer, nullable=False),
)

# A person's verified safety numbers (issue 14), encrypted in their browser under their
# account key like the keyring, so the marks follow the person to every device. Opaque here.
trust_marks = Table(
    "trust_marks",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id"), primary_key=True),
    Column("blob", LargeBinary, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Earlier epoch keys a client shared with a therapist who joined later (issue 14, care-team
# handover): one seal per epoch and recipient, from the client's signed history grant.
history_seals = Table(
    "history_seals",
    metadata,
    Column("thread_id", Uuid, ForeignKey("threads.id"), primary_key=True),
    Column("recipient_id", Uuid, ForeignKey("users.id"), primary_key=True),
    Column("epoch", BigInteger, primary_key=True),
    Column("seal", LargeBinary, nullable=False),
    Column("granted_by", Uuid, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Group threads (issue 11). The thread row (kind "group") keeps the epoch and seq; these
# tables keep what only groups have. No readable group name: `info` is encrypted for the
# members and `admin_seals` hold its key for the clinic's admins.
GROUP_POLICIES = ("open", "premoderated", "announcements")
GROUP_ROLES = ("moderator", "member")
GROUP_MEMBER_STATES = ("invited", "active", "removed")

groups = Table(
    "groups",
    metadata,
    Column("thread_id", Uuid, ForeignKey("threads.id"), primary_key=True),
    Column("policy", String(16), nullable=False),
    Column("info", LargeBinary, nullable=False),
    # {admin user id: info key sealed to their account key}
    Column("admin_seals", JSON, nullable=False),
    Column("mod_generation", BigInteger, nullable=False),
    CheckConstraint(f"policy IN {GROUP_POLICIES!r}", name="policy"),
    # Sealed to the clinic's admin key, signed by an admin (docs/crypto.md §12); or none.
    Column("label", LargeBinary, nullable=True),
)

# One row per person per group. `id` is the pseudonymous member id: other members see it,
# the pseudonym and the membership keys, never `user_id`.
group_members = Table(
    "group_members",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("thread_id", Uuid, ForeignKey("threads.id"), nullable=False),
    Column("user_id", Uuid, ForeignKey("users.id"), nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("pseudonym", String(64), nullable=True),
    Column("bundle", LargeBinary, nullable=True),
    Column("sign_pk", LargeBinary(32), nullable=True),
    Column("box_pk", LargeBinary(32), nullable=True),
    Column("key_id", LargeBinary(16), nullable=True),
    Column("certificate", LargeBinary, nullable=True),
    Column("info_seal", LargeBinary, nullable=False),
    Column("invited_by", Uuid, ForeignKey("users.id"), nullable=False),
    Column("invited_at", UTCDateTime, nullable=False),
    Column("joined_at", UTCDateTime, nullable=True),
    Column("removed_at", UTCDateTime, nullable=True),
    Column("muted_until", UTCDateTime, nullable=True),
    Column("rejoin_forbidden", Boolean, nullable=False),
    Column("read_seq", BigInteger, nullable=False),
    CheckConstraint(f"role IN {GROUP_ROLES!r}", name="role"),
    CheckConstraint(f"state IN {GROUP_MEMBER_STATES!r}", name="state"),
    UniqueConstraint("thread_id", "user_id", name="uq_group_members_thread_id_user_id"),
)

# Every group post's author membership and what moderation did to it.
group_posts = Table(
    "group_posts",
    metadata,
    Column("message_id", Uuid, ForeignKey("messages.id"), primary_key=True),
    Column("thread_id", Uuid, ForeignKey("threads.id"), nullable=False),
    Column("member_id", Uuid, ForeignKey("group_members.id"), nullable=False),
    Column("moderation", String(16), nullable=True),
    Column("reason", String(500), nullable=True),
    Column("moderated_by", Uuid, nullable=True),
    Column("moderated_at", UTCDateTime, nullable=True),
    Column("release", LargeBinary, nullable=True),
    Column("author_copy", LargeBinary, nullable=True),
    CheckConstraint(
        "moderation IS NULL OR moderation IN ('approved', 'rejected', 'removed')",
        name="moderation",
    ),
)
Index("ix_group_posts_member_id", group_posts.c.member_id)

group_mod_keys = Table(
    "group_mod_keys",
    metadata,
    Column("thread_id", Uuid, ForeignKey("threads.id"), primary_key=True),
    Column("generation", BigInteger, primary_key=True),
    Column("package", LargeBinary, nullable=False),
    Column("public_key", LargeBinary(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

group_reports = Table(
    "group_reports",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("thread_id", Uuid, ForeignKey("threads.id"), nullable=False),
    Column("message_id", Uuid, ForeignKey("messages.id"), nullable=False),
    Column("reporter_id", Uuid, ForeignKey("group_members.id"), nullable=False),
    Column("category", Integer, nullable=False),
    Column("seal", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("resolved_by", Uuid, nullable=True),
    UniqueConstraint("message_id", "reporter_id", name="uq_group_reports_message_id_reporter_id"),
)
Index(
    "ix_group_reports_thread_id_resolved_at", group_reports.c.thread_id, group_reports.c.resolved_at
)

# The clinic's admin key (docs/crypto.md §12, labels for admins): its public half and
# generation, and its secret sealed to each active admin.
admin_keys = Table(
    "admin_keys",
    metadata,
    Column("clinic_id", Uuid, ForeignKey("clinics.id"), primary_key=True),
    Column("generation", BigInteger, nullable=False),
    Column("public_key", LargeBinary(32), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # An admin who held a seal was deleted: the next client replaces the key.
    Column("replace_due", Boolean, nullable=False),
    # The admin who made or last resealed the key, and their signature over it.
    Column("maker_id", Uuid, nullable=False),
    Column("signature", LargeBinary(64), nullable=False),
)

admin_key_seals = Table(
    "admin_key_seals",
    metadata,
    Column("clinic_id", Uuid, ForeignKey("clinics.id"), primary_key=True),
    Column("admin_id", Uuid, ForeignKey("users.id"), primary_key=True),
    Column("seal", LargeBinary, nullable=False),
)
