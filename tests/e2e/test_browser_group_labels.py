"""Labels for admins in Chromium against a real server: an administrator gives a new group
a label; an administrator invited afterwards reads it in the clinic's group list once the
first administrator's browser has shared the admin key with them; a group without a label
shows as "Unnamed group"."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import ConsoleLog
from tests.e2e.test_browser_accounts import PASSWORD, SLOW, create_clinic, real_errors
from tests.e2e.test_browser_chat import browser_page
from tests.e2e.test_browser_groups import ADMIN_EMAIL, DESKTOP, GUIDELINES, clinic, open_groups
from tests.support.live_server import LiveServer
from tests.support.services import run_coroutine
from web.client import InterludeClient, invitation_token

SECOND_ADMIN_EMAIL = "noor@harbour.example"


def invite_second_admin(server: LiveServer) -> None:
    async def invite() -> None:
        async with InterludeClient(server.url) as admin, InterludeClient(server.url) as noor:
            await admin.login(ADMIN_EMAIL, PASSWORD)
            invitation = await admin.invite(SECOND_ADMIN_EMAIL, "Noor Admin", "admin")
            await noor.register(invitation_token(invitation["link"]), PASSWORD)

    run_coroutine(invite())


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_an_administrator_invited_later_reads_the_label_of_a_group_they_are_not_in(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    clinic(server, create_clinic(server, tmp_path, database_url), sdk_group=True)
    log = ConsoleLog()

    admin = browser_page(browser, log, viewport=DESKTOP)
    open_groups(admin, server, ADMIN_EMAIL)
    expect(admin.locator(".group-label")).to_have_text(
        "Label for admins: Unnamed group", timeout=SLOW
    )
    admin.get_by_role("link", name="Create a group").click()
    admin.get_by_label("Title").fill("Evening circle")
    admin.get_by_label("Label for admins").fill("Evening — grief")
    admin.get_by_label("Guidelines").fill(GUIDELINES)
    admin.get_by_label("Dr. Rivera (therapist)").check(timeout=SLOW)
    admin.get_by_role("button", name="Create the group").click()
    expect(admin.get_by_text("The group is created.")).to_be_visible(timeout=SLOW)
    card = admin.locator(".group-card", has_text="Evening circle")
    expect(card.locator(".group-label")).to_have_text(
        "Label for admins: Evening — grief", timeout=SLOW
    )

    invite_second_admin(server)
    # The first administrator's browser shares the admin key with the newcomer.
    admin.reload()
    admin.get_by_label("Password", exact=True).fill(PASSWORD)
    admin.get_by_role("button", name="Unlock").click()
    expect(card.locator(".group-label")).to_have_text(
        "Label for admins: Evening — grief", timeout=SLOW
    )

    noor = browser_page(browser, log, viewport=DESKTOP)
    open_groups(noor, server, SECOND_ADMIN_EMAIL)
    labels = noor.locator(".group-card .group-label")
    expect(labels).to_have_text(
        ["Label for admins: Unnamed group", "Label for admins: Evening — grief"], timeout=SLOW
    )
    expect(noor.get_by_role("heading", name="Evening circle")).to_have_count(0)
    assert real_errors(log) == []
