"""Keep the author's copy of a held group post's key beside the post.

A held post's message key is sealed to the moderators only; the author's copy
(docs/crypto.md section 12) lets its author read it from any device while it waits. It is
nullable: delivered posts have none, and it is cleared on approval, rejection and erasure.

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("group_posts") as group_posts:
        group_posts.add_column(sa.Column("author_copy", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("group_posts") as group_posts:
        group_posts.drop_column("author_copy")
