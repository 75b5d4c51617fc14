"""The clinic admin's operations page and the API reference page in Chromium, under the
content security policy: counts only, a failed email retried from the page."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import update

from messaging import jobs
from messaging.clock import SystemClock
from messaging.storage.database import Database
from messaging.storage.tables import jobs as job_table
from messaging.storage.tables import users
from tests.e2e.conftest import ConsoleLog
from tests.e2e.test_browser_accounts import create_clinic, go_to, new_page, real_errors, register
from tests.support.live_server import LiveServer
from tests.support.services import run_coroutine


async def a_dead_email(database_url: str) -> None:
    """A security notice to the clinic's admin that failed for good."""
    database = Database.from_url(database_url)
    try:
        async with database.unit_of_work() as uow:
            admin = (await uow.session.execute(users.select())).mappings().one()
            job_id = await jobs.enqueue(
                uow,
                "email.security_notice",
                {"user_id": str(admin["id"]), "notice": "password_changed"},
                now=SystemClock().now(),
                clinic_id=uuid.UUID(str(admin["clinic_id"])),
            )
            await uow.session.execute(
                update(job_table)
                .where(job_table.c.id == job_id)
                .values(state="dead", last_error="550 mailbox unavailable")
            )
            await uow.commit()
    finally:
        await database.dispose()


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_an_admin_watches_operations_and_retries_a_failed_email(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    log = ConsoleLog()
    admin = new_page(browser, log)
    register(admin, create_clinic(server, tmp_path, database_url))
    run_coroutine(a_dead_email(database_url))

    go_to(admin, "Operations")
    expect(admin.get_by_role("heading", name="Operations")).to_be_visible()
    expect(admin.get_by_text("Active sessions")).to_be_visible()
    queue = admin.get_by_role("table", name="Background jobs by state")
    expect(queue.get_by_role("cell", name="Security notices")).to_be_visible()
    failed = admin.get_by_role("table", name="Emails that could not be sent")
    expect(failed.get_by_role("cell", name="550 mailbox unavailable")).to_be_visible()

    failed.get_by_role("button", name="Send again").click()
    expect(admin.get_by_text("The email will be sent again.")).to_be_visible()
    expect(admin.get_by_text("Every email went out.")).to_be_visible()
    assert real_errors(log) == []


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_the_api_reference_page_renders_the_document(server: LiveServer, browser: Browser) -> None:
    log = ConsoleLog()
    reader = new_page(browser, log)
    reader.goto(server.url + "/api/docs")
    expect(reader.get_by_role("heading", name="Interlude API reference")).to_be_visible()
    login = reader.locator("article", has_text="/api/login").first
    expect(login).to_contain_text("POST")
    expect(login).to_contain_text("Log in with the auth key")
    expect(reader.get_by_role("heading", name="Socket.IO")).to_be_visible()
    expect(reader.get_by_text("Send an envelope (idempotent by client message id)")).to_be_visible()
    assert log.errors == []
