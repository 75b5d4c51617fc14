"""Labels for admins: the clinic's admin key, its secret sealed to each admin, and a
label per group sealed to it.

The label (docs/crypto.md section 12) is an opaque name that every admin of the clinic
reads, member of the group or not; the server stores it and the admin key's public half
and cannot read either. `groups.label` is nullable: a group may have none.
`admin_keys.maker_id` and `signature`: the admin who made or last resealed the key and
their signature over it, which every client checks.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from messaging.storage.types import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{referred}"))


def upgrade() -> None:
    with op.batch_alter_table("groups") as groups:
        groups.add_column(sa.Column("label", sa.LargeBinary(), nullable=True))
    op.create_table(
        "admin_keys",
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("replace_due", sa.Boolean(), nullable=False),
        sa.Column("maker_id", sa.Uuid(), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        _fk("admin_keys", "clinic_id", "clinics.id"),
        sa.PrimaryKeyConstraint("clinic_id", name=op.f("pk_admin_keys")),
    )
    op.create_table(
        "admin_key_seals",
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("admin_id", sa.Uuid(), nullable=False),
        sa.Column("seal", sa.LargeBinary(), nullable=False),
        _fk("admin_key_seals", "clinic_id", "clinics.id"),
        _fk("admin_key_seals", "admin_id", "users.id"),
        sa.PrimaryKeyConstraint("clinic_id", "admin_id", name=op.f("pk_admin_key_seals")),
    )


def downgrade() -> None:
    op.drop_table("admin_key_seals")
    op.drop_table("admin_keys")
    with op.batch_alter_table("groups") as groups:
        groups.drop_column("label")
