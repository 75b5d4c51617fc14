"""Group threads: groups, pseudonymous memberships, moderation, moderator keys, reports.

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from messaging.storage.types import UTCDateTime

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{referred}"))


def upgrade() -> None:
    op.create_table(
        "groups",
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.Column("policy", sa.String(length=16), nullable=False),
        sa.Column("info", sa.LargeBinary(), nullable=False),
        sa.Column("admin_seals", sa.JSON(), nullable=False),
        sa.Column("mod_generation", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "policy IN ('open', 'premoderated', 'announcements')",
            name=op.f("ck_groups_policy"),
        ),
        _fk("groups", "thread_id", "threads.id"),
        sa.PrimaryKeyConstraint("thread_id", name=op.f("pk_groups")),
    )
    op.create_table(
        "group_members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("pseudonym", sa.String(length=64), nullable=True),
        sa.Column("bundle", sa.LargeBinary(), nullable=True),
        sa.Column("sign_pk", sa.LargeBinary(length=32), nullable=True),
        sa.Column("box_pk", sa.LargeBinary(length=32), nullable=True),
        sa.Column("key_id", sa.LargeBinary(length=16), nullable=True),
        sa.Column("certificate", sa.LargeBinary(), nullable=True),
        sa.Column("info_seal", sa.LargeBinary(), nullable=False),
        sa.Column("invited_by", sa.Uuid(), nullable=False),
        sa.Column("invited_at", UTCDateTime(), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=True),
        sa.Column("removed_at", UTCDateTime(), nullable=True),
        sa.Column("muted_until", UTCDateTime(), nullable=True),
        sa.Column("rejoin_forbidden", sa.Boolean(), nullable=False),
        sa.Column("read_seq", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("role IN ('moderator', 'member')", name=op.f("ck_group_members_role")),
        sa.CheckConstraint(
            "state IN ('invited', 'active', 'removed')", name=op.f("ck_group_members_state")
        ),
        _fk("group_members", "thread_id", "threads.id"),
        _fk("group_members", "user_id", "users.id"),
        _fk("group_members", "invited_by", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_members")),
        sa.UniqueConstraint("thread_id", "user_id", name="uq_group_members_thread_id_user_id"),
    )
    op.create_index("ix_group_members_user_id", "group_members", ["user_id"])
    op.create_table(
        "group_posts",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("moderation", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("moderated_by", sa.Uuid(), nullable=True),
        sa.Column("moderated_at", UTCDateTime(), nullable=True),
        sa.Column("release", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint(
            "moderation IS NULL OR moderation IN ('approved', 'rejected', 'removed')",
            name=op.f("ck_group_posts_moderation"),
        ),
        _fk("group_posts", "message_id", "messages.id"),
        _fk("group_posts", "thread_id", "threads.id"),
        _fk("group_posts", "member_id", "group_members.id"),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_group_posts")),
    )
    op.create_index("ix_group_posts_member_id", "group_posts", ["member_id"])
    op.create_table(
        "group_mod_keys",
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("package", sa.LargeBinary(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("group_mod_keys", "thread_id", "threads.id"),
        sa.PrimaryKeyConstraint("thread_id", "generation", name=op.f("pk_group_mod_keys")),
    )
    op.create_table(
        "group_reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("reporter_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.Integer(), nullable=False),
        sa.Column("seal", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sa.Uuid(), nullable=True),
        _fk("group_reports", "thread_id", "threads.id"),
        _fk("group_reports", "message_id", "messages.id"),
        _fk("group_reports", "reporter_id", "group_members.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_reports")),
        sa.UniqueConstraint(
            "message_id", "reporter_id", name="uq_group_reports_message_id_reporter_id"
        ),
    )
    op.create_index(
        "ix_group_reports_thread_id_resolved_at", "group_reports", ["thread_id", "resolved_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_group_reports_thread_id_resolved_at", table_name="group_reports")
    op.drop_table("group_reports")
    op.drop_table("group_mod_keys")
    op.drop_index("ix_group_posts_member_id", table_name="group_posts")
    op.drop_table("group_posts")
    op.drop_index("ix_group_members_user_id", table_name="group_members")
    op.drop_table("group_members")
    op.drop_table("groups")
