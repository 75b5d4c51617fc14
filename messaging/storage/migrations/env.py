"""Alembic environment. Migrations always run on a connection handed in by
`messaging.storage.schema`, which opens it from the async engine (both dialects)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from messaging.storage.tables import metadata


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `interlude migrate`, not the alembic command")
run_migrations(connection)
