"""Crisis resources per clinic, set by its admins and shown on "Need help now?".

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from messaging.storage.types import UTCDateTime

revision = "0008"
down_revision = "0006"
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


def downgrade() -> None:
    op.drop_table("crisis_resources")
