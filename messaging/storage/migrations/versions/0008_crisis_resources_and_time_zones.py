"""Crisis resources per clinic, set by its admins and shown on "Need help now?"; one time
zone per person (users.time_zone), used by both working hours and notification settings;
known devices and pending new-sign-in notices, so a device is new only once and a burst of
sign-ins makes one email; trust marks (verified safety numbers, encrypted in the browser);
history seals (earlier epoch keys a client shared with a therapist who joined later).

Revision ID: 0008
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from messaging.storage.types import UTCDateTime

revision = "0008"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crisis_resources",
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("resources", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_crisis_resources_clinic_id_clinics")
        ),
        sa.PrimaryKeyConstraint("clinic_id", name=op.f("pk_crisis_resources")),
    )
    # Every clinic has its row, so saving is always an update (no insert race).
    op.execute(
        "INSERT INTO crisis_resources (clinic_id, country, resources, updated_at) "
        "SELECT id, NULL, '[]', created_at FROM clinics"
    )
    op.add_column(
        "users", sa.Column("time_zone", sa.String(length=64), nullable=False, server_default="UTC")
    )
    # The zone of the working hours wins (therapists set it deliberately), then the
    # notification settings' zone.
    op.execute(
        "UPDATE users SET time_zone = COALESCE("
        "(SELECT s.time_zone FROM therapist_schedules s WHERE s.user_id = users.id), "
        "(SELECT p.time_zone FROM notification_preferences p WHERE p.user_id = users.id), "
        "'UTC')"
    )
    for table in ("therapist_schedules", "notification_preferences"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("time_zone")
    op.create_table(
        "known_devices",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("device_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_known_devices_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "device_hash", name=op.f("pk_known_devices")),
    )
    op.create_table(
        "pending_login_notices",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("sign_ins", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_pending_login_notices_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_pending_login_notices")),
    )
    op.create_table(
        "trust_marks",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_trust_marks_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_trust_marks")),
    )
    op.create_table(
        "history_seals",
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("seal", sa.LargeBinary(), nullable=False),
        sa.Column("granted_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name=op.f("fk_history_seals_thread_id_threads")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["users.id"], name=op.f("fk_history_seals_recipient_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["granted_by"], ["users.id"], name=op.f("fk_history_seals_granted_by_users")
        ),
        sa.PrimaryKeyConstraint(
            "thread_id", "recipient_id", "epoch", name=op.f("pk_history_seals")
        ),
    )


def downgrade() -> None:
    op.drop_table("history_seals")
    op.drop_table("trust_marks")
    op.drop_table("pending_login_notices")
    op.drop_table("known_devices")
    for table in ("therapist_schedules", "notification_preferences"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("time_zone", sa.String(length=64), nullable=False, server_default="UTC")
            )
        op.execute(
            f"UPDATE {table} SET time_zone = "  # noqa: S608 - a fixed table name
            f"(SELECT u.time_zone FROM users u WHERE u.id = {table}.user_id)"
        )
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a batch copy of `users`: with
    # foreign keys enforced, dropping the old copy fails while other tables point at it.
    op.drop_column("users", "time_zone")
    op.drop_table("crisis_resources")
