"""Records and safety: urgent flags, on-call contacts, account deletion, clinic record
policies (retention, consultation page, intake key) and consultation requests.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from messaging.storage.types import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{referred}"))


def upgrade() -> None:
    op.create_table(
        "urgent_flags",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.Uuid(), nullable=True),
        _fk("urgent_flags", "message_id", "messages.id"),
        _fk("urgent_flags", "thread_id", "threads.id"),
        _fk("urgent_flags", "clinic_id", "clinics.id"),
        _fk("urgent_flags", "sender_id", "users.id"),
        _fk("urgent_flags", "acknowledged_by", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_urgent_flags")),
        sa.UniqueConstraint("message_id", name=op.f("uq_urgent_flags_message_id")),
    )
    op.create_index("ix_urgent_flags_thread_id", "urgent_flags", ["thread_id"])
    op.create_index(
        "ix_urgent_flags_sender_id_created_at", "urgent_flags", ["sender_id", "created_at"]
    )
    op.create_table(
        "on_call_contacts",
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("on_call_contacts", "clinic_id", "clinics.id"),
        _fk("on_call_contacts", "user_id", "users.id"),
        sa.PrimaryKeyConstraint("clinic_id", "user_id", name=op.f("pk_on_call_contacts")),
    )
    op.create_table(
        "account_deletions",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        _fk("account_deletions", "user_id", "users.id"),
        _fk("account_deletions", "clinic_id", "clinics.id"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_account_deletions")),
    )
    op.create_table(
        "clinic_policies",
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("retention_years", sa.Integer(), nullable=True),
        sa.Column("consultation_open", sa.Boolean(), nullable=False),
        sa.Column("consultation_text", sa.Text(), nullable=False),
        sa.Column("consultation_retention_days", sa.Integer(), nullable=False),
        sa.Column("intake_public_key", sa.LargeBinary(length=32), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        _fk("clinic_policies", "clinic_id", "clinics.id"),
        sa.PrimaryKeyConstraint("clinic_id", name=op.f("pk_clinic_policies")),
    )
    op.create_table(
        "intake_key_seals",
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("admin_id", sa.Uuid(), nullable=False),
        sa.Column("sealed_private_key", sa.LargeBinary(), nullable=False),
        _fk("intake_key_seals", "clinic_id", "clinics.id"),
        _fk("intake_key_seals", "admin_id", "users.id"),
        sa.PrimaryKeyConstraint("clinic_id", "admin_id", name=op.f("pk_intake_key_seals")),
    )
    op.create_table(
        "consultation_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("challenge_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("invitation_id", sa.Uuid(), nullable=True),
        sa.Column("handover_note", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint(
            "state IN ('open', 'invited', 'declined')",
            name=op.f("ck_consultation_requests_state"),
        ),
        _fk("consultation_requests", "clinic_id", "clinics.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_requests")),
        sa.UniqueConstraint("challenge_hash", name=op.f("uq_consultation_requests_challenge_hash")),
    )
    op.create_index("ix_consultation_requests_expires_at", "consultation_requests", ["expires_at"])
    op.create_index(
        "ix_consultation_requests_clinic_id_created_at",
        "consultation_requests",
        ["clinic_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_consultation_requests_clinic_id_created_at", table_name="consultation_requests"
    )
    op.drop_index("ix_consultation_requests_expires_at", table_name="consultation_requests")
    op.drop_table("consultation_requests")
    op.drop_table("intake_key_seals")
    op.drop_table("clinic_policies")
    op.drop_table("account_deletions")
    op.drop_table("on_call_contacts")
    op.drop_index("ix_urgent_flags_sender_id_created_at", table_name="urgent_flags")
    op.drop_index("ix_urgent_flags_thread_id", table_name="urgent_flags")
    op.drop_table("urgent_flags")
