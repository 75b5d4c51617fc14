"""Labels for admins in Chromium against a real server: an administrator gives a new group
a label; an administrator invited afterwards reads it in the clinic's group list once the
first administrator's browser has shared the admin key with them; a group without a label
shows as "Unnamed group"; an admin key no administrator signed (one the server made) is
refused and no label is sealed to it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Request, Route, expect

from crypto import b64decode, b64encode, parse_public_bundle
from crypto import group_labels as labels
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


def minted_admin_key(server: LiveServer) -> dict[str, Any]:
    """The clinic's admin key as a malicious server would serve it: its own pair, the
    secret sealed to the administrator's account key, claiming the administrator as its
    maker (it cannot make their signature)."""

    async def mint() -> dict[str, Any]:
        async with InterludeClient(server.url) as admin:
            await admin.login(ADMIN_EMAIL, PASSWORD)
            me = await admin.me()
            assert admin.unlocked is not None
            admin_id = str(admin.unlocked.identity.user_id)
            found = await admin.request("GET", f"/api/users/{admin_id}/public-key")
            box_pk = parse_public_bundle(b64decode(found["public_bundle"])).box_pk
            public, secret = labels.create_admin_key()
            seal = labels.seal_admin_key(secret, uuid.UUID(me["clinic"]["id"]), 1, box_pk)
            return {
                "generation": 1,
                "public_key": b64encode(public),
                "seal": b64encode(seal),
                "sealed_to": [admin_id],
                "admins": [admin_id],
                "replace_due": False,
                "maker_id": admin_id,
                "signature": b64encode(bytes(64)),
            }

    return run_coroutine(mint())


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_a_browser_refuses_an_admin_key_the_server_made_and_seals_no_label_to_it(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    clinic(server, create_clinic(server, tmp_path, database_url), sdk_group=True)
    minted = minted_admin_key(server)
    log = ConsoleLog()
    admin = browser_page(browser, log, viewport=DESKTOP)

    def serve_minted(route: Route) -> None:
        if route.request.method != "GET":
            route.continue_()
            return
        route.fulfill(status=200, content_type="application/json", body=json.dumps(minted))

    admin.route("**/api/clinic/admin-key", serve_minted)
    writes: list[str] = []

    def on_request(request: Request) -> None:
        if request.method != "GET" and ("/api/groups" in request.url or "admin-key" in request.url):
            writes.append(f"{request.method} {request.url}")

    admin.on("request", on_request)
    open_groups(admin, server, ADMIN_EMAIL)
    admin.get_by_role("link", name="Create a group").click()
    admin.get_by_label("Title").fill("Evening circle")
    admin.get_by_label("Label for admins").fill("Evening — grief")
    admin.get_by_label("Guidelines").fill(GUIDELINES)
    admin.get_by_label("Dr. Rivera (therapist)").check(timeout=SLOW)
    admin.get_by_role("button", name="Create the group").click()
    expect(admin.get_by_text("The clinic's admin key cannot be verified")).to_be_visible(
        timeout=SLOW
    )
    assert writes == []
    assert real_errors(log) == []
