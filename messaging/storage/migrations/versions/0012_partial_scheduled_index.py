"""Index only scheduled messages for their release and the author's list of them.

The full (thread_id, state, deliver_at) index also matched a history page's filter, and a
planner without fresh statistics chose it over (thread_id, seq), reading a whole thread to
return 100 messages. A partial index cannot serve that query, and is smaller.

Revision ID: 0012
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0007"
branch_labels = None
depends_on = None

SCHEDULED = sa.text("state = 'scheduled'")


def upgrade() -> None:
    op.drop_index("ix_messages_thread_id_state_deliver_at", table_name="messages")
    op.create_index(
        "ix_messages_scheduled_thread_id_deliver_at",
        "messages",
        ["thread_id", "deliver_at"],
        unique=False,
        sqlite_where=SCHEDULED,
        postgresql_where=SCHEDULED,
    )


def downgrade() -> None:
    op.drop_index("ix_messages_scheduled_thread_id_deliver_at", table_name="messages")
    op.create_index(
        "ix_messages_thread_id_state_deliver_at",
        "messages",
        ["thread_id", "state", "deliver_at"],
        unique=False,
    )
