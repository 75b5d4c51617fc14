"""What the app's lifespan owns, reachable from a request."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from messaging.clock import Clock
from messaging.context import ServiceContext
from messaging.settings import Settings
from messaging.storage.database import Database


@dataclass(frozen=True, slots=True)
class AppContext:
    settings: Settings
    database: Database
    clock: Clock
    services: ServiceContext


def app_context(connection: HTTPConnection) -> AppContext:
    context: AppContext = connection.app.state.context
    return context
