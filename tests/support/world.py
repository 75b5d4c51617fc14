"""A small populated world for API tests: two clinics and people in every role, all
registered through the SDK exactly as real clients do."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx

from crypto import KDF_INTERACTIVE
from messaging import clinics
from messaging.context import ServiceContext
from messaging.storage.database import Database
from web.client import InterludeClient, invitation_token

PASSWORD = "correct horse battery staple"


def unique_email(role: str) -> str:
    return f"{role}-{uuid.uuid4().hex[:10]}@example.org"


@dataclass
class Person:
    client: InterludeClient
    email: str
    password: str
    user_id: str
    recovery_code: str


@dataclass
class Api:
    """An in-process app with a factory of SDK clients talking to it."""

    base_url: str
    database: Database
    context: ServiceContext
    # Tests that record traffic route every client through one transport.
    transport: httpx.AsyncBaseTransport | None = None
    clients: list[InterludeClient] = field(default_factory=list)

    def new_client(self, device_label: str = "test device") -> InterludeClient:
        client = InterludeClient(
            self.base_url,
            kdf=KDF_INTERACTIVE,
            allow_interactive_kdf=True,
            transport=self.transport,
            device_label=device_label,
        )
        self.clients.append(client)
        return client

    async def create_clinic(self, name: str = "Riverside Practice") -> Person:
        """A clinic (as the CLI makes it) and its registered, logged-in first admin."""
        email = unique_email("admin")
        async with self.database.unit_of_work() as uow:
            _, issued = await clinics.create_clinic(uow, self.context, name, email, "Avery Admin")
        return await self.register(invitation_token(issued.link), email)

    async def register(self, token: str, email: str, password: str = PASSWORD) -> Person:
        client = self.new_client()
        registration = await client.register(token, password)
        return Person(client, email, password, registration.user["id"], registration.recovery_code)

    async def invite_and_register(self, admin: Person, role: str, name: str) -> Person:
        email = unique_email(role)
        invitation = await admin.client.invite(email, name, role)
        return await self.register(invitation_token(invitation["link"]), email)

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()


@asynccontextmanager
async def api_for(base_url: str, database: Database, context: ServiceContext) -> AsyncIterator[Api]:
    api = Api(base_url, database, context)
    try:
        yield api
    finally:
        await api.aclose()
