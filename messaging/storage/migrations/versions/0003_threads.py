"""Direct threads: threads, members, epoch commits and messages.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from messaging.storage.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "threads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("current_epoch", sa.BigInteger(), nullable=False),
        sa.Column("needs_rekey", sa.Boolean(), nullable=False),
        sa.Column("title_envelope", sa.LargeBinary(), nullable=True),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_message_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('direct', 'group')", name=op.f("ck_threads_kind")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["users.id"], name=op.f("fk_threads_client_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_threads_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_threads_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threads")),
        sa.UniqueConstraint("client_id", name=op.f("uq_threads_client_id")),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.Column("client_message_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("envelope", sa.LargeBinary(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("deliver_at", UTCDateTime(), nullable=True),
        sa.Column("edited_at", UTCDateTime(), nullable=True),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "state IN ('visible', 'held', 'scheduled', 'removed')", name=op.f("ck_messages_state")
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["users.id"], name=op.f("fk_messages_sender_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name=op.f("fk_messages_thread_id_threads")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint(
            "sender_id", "client_message_id", name="uq_messages_sender_id_client_message_id"
        ),
        sa.UniqueConstraint("thread_id", "seq", name="uq_messages_thread_id_seq"),
    )
    op.create_table(
        "thread_commits",
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("commit", sa.LargeBinary(), nullable=False),
        sa.Column("commit_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_thread_commits_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name=op.f("fk_thread_commits_thread_id_threads")
        ),
        sa.PrimaryKeyConstraint("thread_id", "epoch", name=op.f("pk_thread_commits")),
    )
    op.create_table(
        "thread_members",
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("joined_epoch", sa.BigInteger(), nullable=False),
        sa.Column("left_at", UTCDateTime(), nullable=True),
        sa.Column("read_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name=op.f("fk_thread_members_thread_id_threads")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_thread_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("thread_id", "user_id", name=op.f("pk_thread_members")),
    )
    op.create_index(op.f("ix_thread_members_user_id"), "thread_members", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_thread_members_user_id"), table_name="thread_members")
    op.drop_table("thread_members")
    op.drop_table("thread_commits")
    op.drop_table("messages")
    op.drop_table("threads")
