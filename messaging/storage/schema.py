"""Schema version management: upgrade, downgrade and "is the schema at head?"."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision stored in the database, or None for an empty database."""

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)


async def is_at_head(engine: AsyncEngine) -> bool:
    return await current_revision(engine) == head_revision()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    def run(connection: Connection) -> None:
        command.upgrade(_config(connection), revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    def run(connection: Connection) -> None:
        command.downgrade(_config(connection), revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)
