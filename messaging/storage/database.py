"""The async engine and the unit of work, for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import os
from collections.abc import Hashable
from types import TracebackType
from typing import Any, Self

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from messaging import metrics
from messaging.storage.commit_order import AfterCommit, CommitOrder, Place

SQLITE_BUSY_TIMEOUT_MS = 15_000
POOL_SIZE = 20


def create_engine(url: str) -> AsyncEngine:
    """An engine for `url` with the per-dialect settings Interlude relies on. Statement
    parameters are never put into error messages or logs (they hold people's data).

    SQLite: WAL (readers never block the writer), foreign keys enforced, a busy timeout,
    and every transaction opened with BEGIN IMMEDIATE so writers queue on the database
    lock instead of failing on a read-to-write upgrade. That makes SQLite a safe single
    claimer for jobs and a serial allocator of sequence numbers.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _keep_private(parsed.database)
        engine = create_async_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, hide_parameters=True
        )
        _configure_sqlite(engine)
    else:
        # No pre-ping: it costs round trips on every checkout; a connection the server
        # dropped fails one statement, is invalidated and replaced on the next checkout.
        # Twenty kept connections and no overflow: overflow connections are closed as soon
        # as they are checked in, so a burst (a thousand sockets reconnecting) would open
        # and close a PostgreSQL connection, a backend process, for every few requests.
        engine = create_async_engine(
            url, pool_size=POOL_SIZE, max_overflow=0, pool_recycle=1800, hide_parameters=True
        )
    _count_connections_in_use(engine)
    return engine


def _count_connections_in_use(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(*_: Any) -> None:
        metrics.pool_in_use.inc()

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(*_: Any) -> None:
        metrics.pool_in_use.dec()


def _keep_private(path: str | None) -> None:
    """The database file readable by its owner only (0600, like the secret key): it holds
    who is in therapy with whom. SQLite gives its -wal and -shm files the same mode."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    descriptor = os.open(path, os.O_RDONLY | os.O_CREAT, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
    finally:
        os.close(descriptor)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """Owns the engine; hands out units of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.commit_order = CommitOrder()
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        # Statements that commit one by one (PostgreSQL): no BEGIN and ROLLBACK round trips
        # around a lone read. SQLite keeps its transactions: they cost no round trip there.
        autocommitting = (
            engine
            if engine.dialect.name == "sqlite"
            else engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self._autocommit_sessions = async_sessionmaker(
            autocommitting, expire_on_commit=False, autoflush=False
        )

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(create_engine(url))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self._sessions, self.commit_order)

    def autocommit(self) -> UnitOfWork:
        """A unit of work in which every statement commits on its own (on PostgreSQL; on
        SQLite an ordinary one). Only for reads that write at most one statement whose
        effect stands alone, such as checking a session (which may end it or note that it
        was seen): no BEGIN and ROLLBACK around them."""
        return UnitOfWork(self._autocommit_sessions, self.commit_order)

    async def dispose(self) -> None:
        await self.engine.dispose()


class UnitOfWork:
    """One transaction: `async with db.unit_of_work() as uow: ...; await uow.commit()`.

    Leaving the block without `commit()` rolls back. Callbacks registered with
    `after_commit` run only once the commit has succeeded (e.g. realtime events), so no
    one is told about a change that was not stored. Those registered `in_order_of` a key
    run after the callbacks of that key registered earlier by other units of work in this
    process (`commit_order.py`).
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], order: CommitOrder) -> None:
        self._sessions = sessions
        self._order = order
        self._after_commit: list[tuple[AfterCommit, Place | None]] = []
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open")
        return self._session

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        await self._session.begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        abandoned = self._give_up_places()
        try:
            if session.in_transaction():
                await session.rollback()
        finally:
            try:
                await session.close()
            finally:
                self._session = None
                for key in abandoned:
                    self._order.drain_soon(key)

    def after_commit(self, callback: AfterCommit, *, in_order_of: Hashable | None = None) -> None:
        place = None if in_order_of is None else self._order.take_place(in_order_of)
        self._after_commit.append((callback, place))

    async def commit(self) -> None:
        await self.session.commit()
        registered, self._after_commit = self._after_commit, []
        # Every place is filled before anything runs, so an interruption below (a failing
        # callback, a cancelled request) leaves no committed event's place open.
        for callback, place in registered:
            if place is not None:
                self._order.fill(place, callback)
        undrained = [place.key for _, place in registered if place is not None]
        try:
            for callback, place in registered:
                if place is None:
                    await callback()
                else:
                    await self._order.drain(place.key)
                    undrained.remove(place.key)
        finally:
            for key in dict.fromkeys(undrained):
                self._order.drain_soon(key)

    async def rollback(self) -> None:
        abandoned = self._give_up_places()
        try:
            await self.session.rollback()
        finally:
            for key in abandoned:
                self._order.drain_soon(key)

    def _give_up_places(self) -> list[Hashable]:
        """What was registered but will not run (a rollback, or leaving without a commit)
        leaves its places at once, so later ones in those lanes are not held up; returns
        the lanes to drain."""
        registered, self._after_commit = self._after_commit, []
        abandoned = [place for _, place in registered if place is not None]
        for place in abandoned:
            self._order.fill(place, None)
        return list(dict.fromkeys(place.key for place in abandoned))
