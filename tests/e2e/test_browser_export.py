"""The browser's export of a group member, in Chromium against a real server: "Your data"
downloads every group the client is in, decrypted in the browser (title, their pseudonym,
every post they can read by its author's pseudonym, their removed post with the
moderator's reason, their held and rejected posts in a pre-moderated group), as JSON,
Markdown and HTML, and nothing of a group they are not in;
the JSON's sections are the same as the Python SDK's export of the same account. People
and groups are set up with the real CLI and the SDK, as in test_browser_groups.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ConsoleLog
from tests.e2e.test_browser_accounts import PASSWORD, create_clinic, go_to, real_errors
from tests.e2e.test_browser_chat import browser_page
from tests.e2e.test_browser_groups import (
    ADMIN_EMAIL,
    ALEX_EMAIL,
    PHONE,
    SAM_EMAIL,
    THERAPIST_EMAIL,
    Clinic,
    clinic,
    open_groups,
)
from tests.support.live_server import LiveServer
from tests.support.services import run_coroutine
from web.client import InterludeClient
from web.sdk_export import export_all

OTHER_GROUP = "Night owls"
OTHER_POST = "Only the owls read this."
REMOVED = "The name of my pills"
REASON = "Please leave out medicine names."
HELD_GROUP = "Evening circle"
REJECTED = "Please keep places private."
NOT_SAMS = [OTHER_GROUP, OTHER_POST, "Barn Owl", "Owl Keeper"]


def a_second_group_without_sam(server: LiveServer, made: Clinic) -> None:
    """Sam writes a post the moderator removes with a reason; Alex is in another group,
    "Night owls", that Sam is not in, and posts there; in a pre-moderated group Sam has
    one post rejected with a reason and one still held."""

    async def build() -> None:
        async with (
            InterludeClient(server.url) as admin,
            InterludeClient(server.url) as therapist,
            InterludeClient(server.url) as sam,
            InterludeClient(server.url) as alex,
        ):
            for person, email in [
                (admin, ADMIN_EMAIL),
                (therapist, THERAPIST_EMAIL),
                (sam, SAM_EMAIL),
                (alex, ALEX_EMAIL),
            ]:
                await person.login(email, PASSWORD)
            assert made.thread_id is not None
            removed = await sam.groups.post(made.thread_id, REMOVED)
            await therapist.groups.remove_post(removed["id"], REASON)
            owls = await admin.groups.create(
                policy="open",
                title=OTHER_GROUP,
                description="Late-night company.",
                guidelines="Be gentle.",
                moderators=[made.therapist_id],
            )
            await therapist.groups.join(owls, "Owl Keeper")
            await therapist.groups.invite(owls, made.alex_id)
            await alex.groups.join(owls, "Barn Owl")
            await alex.groups.post(owls, OTHER_POST)
            circle = await admin.groups.create(
                policy="premoderated",
                title=HELD_GROUP,
                description="Winding down together.",
                guidelines="Be kind.",
                moderators=[made.therapist_id],
            )
            await therapist.groups.join(circle, "Facilitator")
            await therapist.groups.invite(circle, made.sam_id)
            await sam.groups.join(circle, "Grey Heron")
            refused = await sam.groups.post(circle, "Words a moderator turns down")
            await therapist.groups.reject(refused["id"], REJECTED)
            await sam.groups.post(circle, "Words still waiting")

    run_coroutine(build())


def download(page: Page, button: str) -> str:
    with page.expect_download() as downloaded:
        page.get_by_role("button", name=button).click()
    return Path(downloaded.value.path()).read_text()


def sdk_export(server: LiveServer, email: str) -> dict[str, Any]:
    async def export() -> dict[str, Any]:
        async with InterludeClient(server.url) as person:
            await person.login(email, PASSWORD)
            return await export_all(person)

    return run_coroutine(export())


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_a_group_member_exports_their_groups_decrypted_and_nothing_of_other_groups(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    made = clinic(server, create_clinic(server, tmp_path, database_url), sdk_group=True)
    a_second_group_without_sam(server, made)
    log = ConsoleLog()
    sam = browser_page(browser, log, viewport=PHONE, accept_downloads=True)
    open_groups(sam, server, SAM_EMAIL)
    menu = sam.get_by_role("button", name="Menu")
    if menu.is_visible():  # on a phone the navigation folds away
        menu.click()
    go_to(sam, "Your data")
    expect(sam.get_by_role("heading", name="Your data", level=1)).to_be_visible()

    document = json.loads(download(sam, "Download as data (JSON)"))
    group, circle = sorted(
        document["sections"]["groups"], key=lambda g: g["title"] != "Morning walk"
    )
    assert (group["id"], group["title"], group["pseudonym"], group["role"]) == (
        made.thread_id,
        "Morning walk",
        "Blue Heron",
        "member",
    )
    shown = [(p["author"], p["mine"], p["state"], p["text"], p["reason"]) for p in group["posts"]]
    assert shown == [
        ("Blue Heron", True, "visible", "Good morning, everyone.", None),
        ("Guide", False, "visible", "Welcome, Blue Heron.", None),
        ("Blue Heron", True, "removed", None, REASON),
    ]
    assert [(p["moderation"], p["reason"]) for p in group["moderated_posts"]] == [
        ("removed", REASON)
    ]
    assert (circle["title"], circle["pseudonym"], circle["posts"]) == (HELD_GROUP, "Grey Heron", [])
    assert [(p["moderation"], p["reason"], p["text"]) for p in circle["moderated_posts"]] == [
        ("rejected", REJECTED, None),
        ("held", None, "Words still waiting"),
    ]
    raw = json.dumps(document)
    assert [t for t in NOT_SAMS if t in raw] == []
    assert REMOVED not in raw, "the removed post's words are gone"
    expect(sam.get_by_role("status").filter(has_text="Your export is ready")).to_be_visible()

    markdown = download(sam, "Download as text (Markdown)")
    assert "## Group: Morning walk (as Blue Heron)" in markdown
    assert "- **Guide**, " in markdown
    assert "Welcome, Blue Heron." in markdown
    assert "Good morning, everyone." in markdown
    assert f"_(removed by a moderator: {REASON})_" in markdown
    assert "## Group: Evening circle (as Grey Heron)" in markdown
    assert (
        f"- _A moderator did not approve your post of {circle['moderated_posts'][0]['sent_at']}"
        in markdown
    )
    assert "is waiting for a moderator._\n  Words still waiting" in markdown
    page = download(sam, "Download as a web page (HTML)")
    assert "<h2>Group: Morning walk</h2>" in page
    assert "Welcome, Blue Heron." in page
    assert REJECTED in page
    assert "Words still waiting" in page
    assert [t for t in NOT_SAMS if t in markdown or t in page] == []

    # The Python SDK exports the same sections for the same account.
    from_sdk = sdk_export(server, SAM_EMAIL)
    assert from_sdk["sections"] == document["sections"]
    assert real_errors(log) == []
