"""Notification preferences, pending (coalesced) notices, and the clinic of a job.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from messaging.storage.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("message_mode", sa.String(length=16), nullable=False),
        sa.Column("digest_frequency", sa.String(length=16), nullable=False),
        sa.Column("digest_hour", sa.Integer(), nullable=False),
        sa.Column("digest_weekday", sa.Integer(), nullable=False),
        sa.Column("reminders", sa.Boolean(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("quiet_start", sa.Integer(), nullable=True),
        sa.Column("quiet_end", sa.Integer(), nullable=True),
        sa.Column("notice_delay_minutes", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "digest_frequency IN ('daily', 'weekly')",
            name=op.f("ck_notification_preferences_digest_frequency"),
        ),
        sa.CheckConstraint(
            "message_mode IN ('immediate', 'digest', 'off')",
            name=op.f("ck_notification_preferences_message_mode"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_preferences_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_preferences")),
    )
    op.create_table(
        "pending_notices",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_pending_notices_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_pending_notices")),
    )
    with op.batch_alter_table("jobs") as jobs:
        jobs.add_column(sa.Column("clinic_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as jobs:
        jobs.drop_column("clinic_id")
    op.drop_table("pending_notices")
    op.drop_table("notification_preferences")
