"""Journaling: encrypted entries and drafts, entry shares, prompts and their deliveries.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from messaging.storage.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "journal_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        _fk("journal_entries", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_entries")),
    )
    op.create_index(
        "ix_journal_entries_user_id_created_at_id",
        "journal_entries",
        ["user_id", "created_at", "id"],
    )
    op.create_table(
        "journal_drafts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        _fk("journal_drafts", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_drafts")),
    )
    op.create_index(op.f("ix_journal_drafts_user_id"), "journal_drafts", ["user_id"])
    op.create_table(
        "journal_shares",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("share", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("hidden_at", UTCDateTime(), nullable=True),
        _fk("journal_shares", "thread_id", "threads"),
        _fk("journal_shares", "author_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_shares")),
    )
    op.create_index(op.f("ix_journal_shares_entry_id"), "journal_shares", ["entry_id"])
    op.create_index(
        "ix_journal_shares_thread_id_created_at", "journal_shares", ["thread_id", "created_at"]
    )
    op.create_table(
        "journal_share_recipients",
        sa.Column("share_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=True),
        _fk("journal_share_recipients", "share_id", "journal_shares"),
        _fk("journal_share_recipients", "user_id", "users"),
        sa.PrimaryKeyConstraint("share_id", "user_id", name=op.f("pk_journal_share_recipients")),
    )
    op.create_index(
        op.f("ix_journal_share_recipients_user_id"), "journal_share_recipients", ["user_id"]
    )
    op.create_table(
        "journal_prompts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("envelope", sa.LargeBinary(), nullable=False),
        sa.Column("repeat", sa.String(length=16), nullable=False),
        sa.Column("local_minute", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.String(length=10), nullable=False),
        sa.Column("until_date", sa.String(length=10), nullable=True),
        sa.Column("max_count", sa.Integer(), nullable=True),
        sa.Column("fired_count", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("next_due_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "repeat IN ('once', 'daily', 'weekdays', 'weekly')",
            name=op.f("ck_journal_prompts_repeat"),
        ),
        sa.CheckConstraint(
            "state IN ('active', 'paused', 'stopped', 'finished')",
            name=op.f("ck_journal_prompts_state"),
        ),
        _fk("journal_prompts", "client_id", "users"),
        _fk("journal_prompts", "thread_id", "threads"),
        _fk("journal_prompts", "author_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_prompts")),
    )
    op.create_index(op.f("ix_journal_prompts_client_id"), "journal_prompts", ["client_id"])
    op.create_table(
        "journal_prompt_deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("prompt_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("delivered_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("answer_entry_id", sa.Uuid(), nullable=True),
        _fk("journal_prompt_deliveries", "prompt_id", "journal_prompts"),
        _fk("journal_prompt_deliveries", "client_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_prompt_deliveries")),
        sa.UniqueConstraint(
            "prompt_id", "due_at", name="uq_journal_prompt_deliveries_prompt_id_due_at"
        ),
    )
    op.create_index(
        "ix_journal_prompt_deliveries_client_id_delivered_at",
        "journal_prompt_deliveries",
        ["client_id", "delivered_at"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_journal_prompt_deliveries_client_id_delivered_at",
        table_name="journal_prompt_deliveries",
    )
    op.drop_table("journal_prompt_deliveries")
    op.drop_index(op.f("ix_journal_prompts_client_id"), table_name="journal_prompts")
    op.drop_table("journal_prompts")
    op.drop_index(
        op.f("ix_journal_share_recipients_user_id"), table_name="journal_share_recipients"
    )
    op.drop_table("journal_share_recipients")
    op.drop_index("ix_journal_shares_thread_id_created_at", table_name="journal_shares")
    op.drop_index(op.f("ix_journal_shares_entry_id"), table_name="journal_shares")
    op.drop_table("journal_shares")
    op.drop_index(op.f("ix_journal_drafts_user_id"), table_name="journal_drafts")
    op.drop_table("journal_drafts")
    op.drop_index("ix_journal_entries_user_id_created_at_id", table_name="journal_entries")
    op.drop_table("journal_entries")
