"""The embedded database is as private on disk as the secret key beside it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from messaging.storage import schema
from messaging.storage.database import Database


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_new_sqlite_database_and_its_journal_are_readable_by_the_owner_only(
    tmp_path: Path,
) -> None:
    previous = os.umask(0o022)
    try:
        path = tmp_path / "interlude.db"
        database = Database.from_url(f"sqlite+aiosqlite:///{path}")
        try:
            await schema.upgrade(database.engine)
            async with database.unit_of_work() as uow:
                await uow.commit()
            files = [p for p in tmp_path.iterdir() if p.name.startswith("interlude.db")]
            assert path in files
            assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
        finally:
            await database.dispose()
    finally:
        os.umask(previous)


async def test_an_existing_world_readable_database_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "interlude.db"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    database = Database.from_url(f"sqlite+aiosqlite:///{path}")
    await database.dispose()
    assert mode(path) == 0o600
