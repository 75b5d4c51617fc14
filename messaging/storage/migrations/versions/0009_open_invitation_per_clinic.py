"""One open invitation per email *per clinic*: another clinic's invitation must neither
block nor reveal anything (docs/security.md, "Clinics are walled off").

Revision ID: 0009
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0012"
branch_labels = None
depends_on = None

OPEN = sa.text("accepted_at IS NULL AND revoked_at IS NULL")


def upgrade() -> None:
    op.drop_index("uq_invitations_open_email", table_name="invitations")
    op.create_index(
        "uq_invitations_open_clinic_email",
        "invitations",
        ["clinic_id", "email"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    # The stricter global rule cannot hold while two clinics invite one email; the older
    # of such open invitations is withdrawn so the old index can be rebuilt.
    op.execute(
        sa.text(
            "UPDATE invitations SET revoked_at = created_at "
            "WHERE accepted_at IS NULL AND revoked_at IS NULL AND EXISTS ("
            " SELECT 1 FROM invitations AS newer"
            " WHERE newer.email = invitations.email"
            " AND newer.accepted_at IS NULL AND newer.revoked_at IS NULL"
            " AND (newer.created_at > invitations.created_at"
            "  OR (newer.created_at = invitations.created_at AND newer.id > invitations.id)))"
        )
    )
    op.drop_index("uq_invitations_open_clinic_email", table_name="invitations")
    op.create_index(
        "uq_invitations_open_email",
        "invitations",
        ["email"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
