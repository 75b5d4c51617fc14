"""Counting the SQL a piece of work runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from messaging.storage.database import Database


@contextmanager
def statements_run(database: Database) -> Iterator[list[str]]:
    """The SQL statements (text only, parameters left out) run on `database` in the block."""
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
