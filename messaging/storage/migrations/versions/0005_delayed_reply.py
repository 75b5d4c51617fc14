"""Delayed-reply mode: therapists' working hours, reply-by times, live sessions.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from messaging.storage.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "therapist_schedules",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("weekly_hours", sa.JSON(), nullable=False),
        sa.Column("days_off", sa.JSON(), nullable=False),
        sa.Column("away_message", sa.Text(), nullable=False),
        sa.Column("commitment_amount", sa.Integer(), nullable=False),
        sa.Column("commitment_unit", sa.String(length=8), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "commitment_unit IN ('hours', 'days')",
            name=op.f("ck_therapist_schedules_commitment_unit"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_therapist_schedules_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_therapist_schedules")),
    )
    op.create_table(
        "live_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_live_sessions_window")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_live_sessions_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name=op.f("fk_live_sessions_thread_id_threads")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_sessions")),
    )
    op.create_index(
        "ix_live_sessions_thread_id_starts_at",
        "live_sessions",
        ["thread_id", "starts_at"],
        unique=False,
    )
    op.create_index(
        "ix_messages_thread_id_state_deliver_at",
        "messages",
        ["thread_id", "state", "deliver_at"],
        unique=False,
    )
    with op.batch_alter_table("threads") as threads:
        threads.add_column(sa.Column("awaiting_since", UTCDateTime(), nullable=True))
        threads.add_column(sa.Column("reply_due_at", UTCDateTime(), nullable=True))
    op.create_index(op.f("ix_threads_reply_due_at"), "threads", ["reply_due_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_threads_reply_due_at"), table_name="threads")
    with op.batch_alter_table("threads") as threads:
        threads.drop_column("reply_due_at")
        threads.drop_column("awaiting_since")
    op.drop_index("ix_messages_thread_id_state_deliver_at", table_name="messages")
    op.drop_index("ix_live_sessions_thread_id_starts_at", table_name="live_sessions")
    op.drop_table("live_sessions")
    op.drop_table("therapist_schedules")
