from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from messaging.storage import schema
from messaging.storage.database import create_engine
from messaging.storage.tables import metadata


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def test_upgrade_to_head_creates_every_table_then_downgrade_to_base_removes_them(
    empty_database_url: str,
) -> None:
    engine = create_engine(empty_database_url)
    try:
        assert await schema.current_revision(engine) is None
        assert not await schema.is_at_head(engine)

        await schema.upgrade(engine)
        assert await schema.is_at_head(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_table_names) == set(metadata.tables)

        await schema.downgrade(engine, "base")
        assert await schema.current_revision(engine) is None
        async with engine.connect() as connection:
            assert await connection.run_sync(_table_names) == set()

        await schema.upgrade(engine)
        assert await schema.is_at_head(engine)
    finally:
        await engine.dispose()


async def test_every_revision_downgrades_and_upgrades_one_step_at_a_time(
    empty_database_url: str,
) -> None:
    engine = create_engine(empty_database_url)
    try:
        await schema.upgrade(engine)
        revisions = []
        while (current := await schema.current_revision(engine)) is not None:
            revisions.append(current)
            await schema.downgrade(engine, "-1")
        for revision in reversed(revisions):
            await schema.upgrade(engine, "+1")
            assert await schema.current_revision(engine) == revision
    finally:
        await engine.dispose()
