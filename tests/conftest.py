"""Fixtures shared by every tier. Database-backed tests run once on SQLite and once on
PostgreSQL (test ids end in [sqlite] / [postgresql])."""

# ruff: noqa: E402 (the imports of tests.support must follow register_assert_rewrite)
from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

# Before tests.support is first imported: the assertions in its helpers then report what
# they compared, like a test's own, instead of a bare AssertionError.
pytest.register_assert_rewrite("tests.support")

from messaging.context import ServiceContext
from messaging.settings import Settings, load_settings
from messaging.storage import schema
from messaging.storage.database import Database, create_engine
from tests.support.asgi import serving
from tests.support.clock import FrozenClock
from tests.support.postgres import PostgresServer, postgres_server
from tests.support.redis_server import redis_server
from tests.support.services import free_port, run_coroutine
from tests.support.smtp import SmtpSink, smtp_sink
from tests.support.world import Api, api_for
from web.app import create_app
from web.realtime import SocketIOPublisher

DIALECTS = ["sqlite", "postgresql"]


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await schema.upgrade(engine)
    finally:
        await engine.dispose()


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_template(postgres: PostgresServer) -> str:
    """A database migrated to head once per run; each test clones it (fast)."""
    name = postgres.create_database()
    run_coroutine(_migrate(postgres.url_for(name)))
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    run_coroutine(_migrate(sqlite_url(path)))
    return path


@pytest.fixture(params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def database_url(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database at the newest schema, on each dialect in turn."""
    if dialect == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "interlude.db"
        shutil.copyfile(template, path)
        yield sqlite_url(path)
        return
    yield from _postgres_clone(request)


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh PostgreSQL database at the newest schema (PostgreSQL-only behaviour)."""
    yield from _postgres_clone(request)


def _postgres_clone(request: pytest.FixtureRequest) -> Iterator[str]:
    server: PostgresServer = request.getfixturevalue("postgres")
    template: str = request.getfixturevalue("postgres_template")
    name = server.create_database(template=template)
    try:
        yield server.url_for(name)
    finally:
        server.drop_database(name)


@pytest.fixture
def empty_database_url(
    dialect: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """A database with no schema at all, on each dialect in turn."""
    if dialect == "sqlite":
        yield sqlite_url(tmp_path / "empty.db")
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = server.create_database()
    try:
        yield server.url_for(name)
    finally:
        server.drop_database(name)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database.from_url(database_url)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def settings_env(tmp_path: Path) -> dict[str, str]:
    """The environment for a test's settings; tests add or change keys before use."""
    return {
        "INTERLUDE_DATA_DIR": str(tmp_path / "data"),
        "INTERLUDE_SECRET_KEY": "test-secret-key-" + "s" * 32,
    }


@pytest.fixture
def settings(settings_env: dict[str, str], database_url: str) -> Settings:
    return load_settings({**settings_env, "INTERLUDE_DATABASE_URL": database_url})


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with smtp_sink() as sink:
        yield sink


@pytest.fixture
async def api(
    settings_env: dict[str, str], database_url: str, clock: FrozenClock
) -> AsyncIterator[Api]:
    """The real app in-process on each dialect, with a factory of SDK clients."""
    port = free_port()
    settings = load_settings(
        {
            **settings_env,
            "INTERLUDE_DATABASE_URL": database_url,
            "INTERLUDE_ALLOW_INTERACTIVE_KDF": "true",
            "INTERLUDE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
    )
    database = Database.from_url(database_url)
    app = create_app(settings, clock=clock)
    # What the app's own job runner would publish through (the worker in embedded mode).
    events = SocketIOPublisher(app.engineio_server)  # type: ignore[attr-defined]
    try:
        async with (
            serving(app, port) as base_url,
            api_for(
                base_url, database, ServiceContext.from_settings(settings, clock, events)
            ) as running,
        ):
            yield running
    finally:
        await database.dispose()
