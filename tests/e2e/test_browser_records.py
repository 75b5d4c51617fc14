"""Records and safety in Chromium against a real server: a client marks a message urgent
and sees crisis resources and an honest outlook while the therapist's inbox flags it live
and the acknowledgement reaches the client; a client downloads everything decrypted, with
a progress bar, as JSON and Markdown equal to what was sent; an admin opens the public
consultation page, a visitor with no account sends a request sealed in their browser, and
the admin reads it in the queue and invites them.
The clinic is set up with the real CLI and the Python SDK over HTTP, as in
test_browser_chat.py."""

from __future__ import annotations

import json
import re
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import ConsoleLog
from tests.e2e.test_browser_accounts import (
    PASSWORD,
    SLOW,
    create_clinic,
    go_to,
    log_in,
    real_errors,
)
from tests.e2e.test_browser_chat import (
    CLIENT_EMAIL,
    LIVE,
    THERAPIST_EMAIL,
    browser_page,
    care_team,
    messages,
    open_messages,
    texts,
    write,
)
from tests.support.live_server import LiveServer
from tests.support.services import run_coroutine
from web.client import InterludeClient, invitation_token

ADMIN_EMAIL = "admin@harbour.example"


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_an_urgent_message_shows_help_heads_the_inbox_and_its_acknowledgement_returns(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    team = care_team(server, create_clinic(server, tmp_path, database_url), history=1)
    log = ConsoleLog()
    therapist = browser_page(browser, log, viewport={"width": 1280, "height": 800})
    client = browser_page(browser, log, viewport={"width": 360, "height": 740})

    open_messages(therapist, server, THERAPIST_EMAIL, "/#/inbox")
    expect(therapist.get_by_role("heading", name="Inbox", level=1)).to_be_visible()
    open_messages(client, server, CLIENT_EMAIL, f"/#/messages/{team.thread_id}")
    expect(client.get_by_role("heading", name="Dr. Rivera", level=1)).to_be_visible(timeout=SLOW)
    write(client, "I really need to talk tonight.")
    expect(messages(client).last).to_contain_text("Sent")

    client.get_by_role("button", name="Mark my last message urgent").click()
    answer = client.locator(".urgent-answer")
    expect(answer).to_contain_text("Your message is marked urgent.", timeout=LIVE)
    expect(answer).to_contain_text("We have told your therapist right now")
    expect(answer.get_by_role("listitem").first).to_contain_text("Emergency services")
    expect(client.locator(".urgent-flag")).to_contain_text("Not acknowledged yet.")

    banner = therapist.locator(".urgent-alert")
    expect(banner).to_contain_text("a client marked a message urgent", timeout=LIVE)
    urgent = therapist.locator(".inbox-item").filter(has_text="Urgent")
    expect(urgent).to_have_count(1, timeout=LIVE)
    expect(therapist.locator(".inbox-item").first).to_contain_text("Urgent")
    urgent.get_by_role("link").click()
    expect(therapist.get_by_role("heading", name="Sam", level=1)).to_be_visible()
    therapist.get_by_role("button", name="I've seen it").click()
    expect(therapist.get_by_role("button", name="I've seen it")).to_have_count(0, timeout=LIVE)

    expect(client.locator(".urgent-flag")).to_contain_text("Seen by the care team", timeout=LIVE)
    expect(banner).to_be_hidden(timeout=LIVE)
    therapist.screenshot(path=str(tmp_path / "urgent-therapist.png"), full_page=True)
    client.screenshot(path=str(tmp_path / "urgent-client.png"), full_page=True)
    assert real_errors(log) == []


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_a_client_downloads_everything_decrypted_with_a_progress_bar(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    team = care_team(server, create_clinic(server, tmp_path, database_url), history=3)

    async def keep_a_journal_entry() -> None:
        async with InterludeClient(server.url) as sam:
            await sam.login(CLIENT_EMAIL, PASSWORD)
            await sam.journal.write({"title": "Tuesday", "body": "Ein Tagebuch, Zeile zwei"})

    run_coroutine(keep_a_journal_entry())
    log = ConsoleLog()
    client = browser_page(
        browser, log, viewport={"width": 360, "height": 740}, accept_downloads=True
    )
    open_messages(client, server, CLIENT_EMAIL, f"/#/messages/{team.thread_id}")
    expect(messages(client)).to_have_count(3, timeout=SLOW)
    write(client, "Zeilen mit Ümlauten\nund einer zweiten Zeile")
    expect(messages(client).last).to_contain_text("Sent")
    sent = texts(client)

    menu = client.get_by_role("button", name="Menu")
    if menu.is_visible():  # on a phone the navigation folds away
        menu.click()
    go_to(client, "Your data")
    expect(client.get_by_role("heading", name="Your data", level=1)).to_be_visible()
    with client.expect_download() as as_json:
        client.get_by_role("button", name="Download as data (JSON)").click()
    document = json.loads(Path(as_json.value.path()).read_text())
    exported = [m["text"] for m in document["sections"]["threads"][0]["messages"]]
    assert exported == sent
    assert [(e["title"], e["body"]) for e in document["sections"]["journal"]] == [
        ("Tuesday", "Ein Tagebuch, Zeile zwei")
    ]
    assert document["format"] == "interlude-export"
    expect(client.get_by_label("Export progress")).to_have_js_property("value", 1)
    expect(client.get_by_role("status").filter(has_text="Your export is ready")).to_be_visible()

    with client.expect_download() as as_markdown:
        client.get_by_role("button", name="Download as text (Markdown)").click()
    markdown = Path(as_markdown.value.path()).read_text()
    assert "# Interlude export for Sam" in markdown
    assert "Zeilen mit Ümlauten" in markdown
    assert "### Tuesday" in markdown
    assert "Ein Tagebuch, Zeile zwei" in markdown

    with client.expect_download() as as_html:
        client.get_by_role("button", name="Download as a web page (HTML)").click()
    page = Path(as_html.value.path()).read_text()
    assert "<h2>Journal</h2>" in page
    assert "Ein Tagebuch, Zeile zwei" in page
    assert real_errors(log) == []


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_a_visitor_asks_for_a_consultation_and_the_admin_reads_and_answers_it(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    care_team(server, create_clinic(server, tmp_path, database_url))
    log = ConsoleLog()
    admin = browser_page(browser, log, viewport={"width": 1280, "height": 800})
    admin.goto(server.url + "/#/admin/records")
    log_in(admin, ADMIN_EMAIL, PASSWORD)
    expect(admin.get_by_role("heading", name="Records and safety", level=1)).to_be_visible(
        timeout=SLOW
    )
    admin.get_by_role("button", name="Create the intake key").click()
    expect(admin.get_by_role("status").filter(has_text="The intake key is ready")).to_be_visible(
        timeout=LIVE
    )
    admin.get_by_label("The page is open").check()
    admin.get_by_label("What the page says").fill("Free 20-minute first talks on weekdays.")
    admin.get_by_role("button", name="Save the page").click()
    expect(
        admin.get_by_role("status").filter(has_text="The consultation page is open.")
    ).to_be_visible(timeout=LIVE)
    address = admin.locator("a[href*='/#/consult/']").inner_text()

    visitor = browser_page(browser, log, viewport={"width": 360, "height": 740})
    visitor.goto(address)
    expect(visitor.get_by_role("heading", name="Free first consultation")).to_be_visible(
        timeout=SLOW
    )
    expect(visitor.get_by_text("Free 20-minute first talks on weekdays.")).to_be_visible()
    visitor.get_by_label("Your name or a pseudonym").fill("Jo")
    visitor.get_by_label("How can we reach you?").fill("jo@harbour.example")
    visitor.get_by_label("When suits you?").fill("Tuesday evenings")
    visitor.get_by_label("A short message (optional)").fill("I have trouble sleeping.")
    visitor.get_by_role("button", name="Send my request").click()
    expect(visitor.get_by_role("status").filter(has_text="Thank you.")).to_be_visible(timeout=SLOW)

    admin.reload()
    admin.get_by_label("Password", exact=True).fill(PASSWORD)
    admin.get_by_role("button", name="Unlock").click()
    request = admin.locator(".consultation")
    expect(request).to_contain_text("I have trouble sleeping.", timeout=SLOW)
    expect(request).to_contain_text("Tuesday evenings")
    request.get_by_role("button", name="Invite as a client").click()
    sent = admin.get_by_role("status").filter(has_text="An invitation was sent to jo@")
    expect(sent).to_be_visible(timeout=LIVE)
    expect(admin.locator(".consultation")).to_have_attribute("data-state", "invited", timeout=LIVE)

    # Jo joins from the emailed invitation; the admin puts the request into Jo's conversation.
    jo_id = run_coroutine(join_and_assign(server, invitation_link(tmp_path, "jo@harbour.example")))
    admin.reload()
    admin.get_by_label("Password", exact=True).fill(PASSWORD)
    admin.get_by_role("button", name="Unlock").click()
    admin.get_by_role("button", name="Put the request in their conversation").click(timeout=SLOW)
    expect(
        admin.get_by_role("status").filter(has_text="will be the first message in Jo's")
    ).to_be_visible(timeout=LIVE)

    jo = browser_page(browser, log, viewport={"width": 360, "height": 740})
    open_messages(jo, server, "jo@harbour.example", "/#/")
    jo.get_by_role("button", name="Message your therapist").click(timeout=SLOW)
    expect(messages(jo).first).to_contain_text("I have trouble sleeping.", timeout=LIVE)
    expect(messages(jo).first).to_contain_text("Preferred times: Tuesday evenings")
    assert jo_id
    assert real_errors(log) == []


def invitation_link(data_dir: Path, email: str) -> str:
    """The invitation link in the email the embedded worker wrote for `email`."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for path in (data_dir / "mail-outbox").glob("*.eml"):
            message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            if message["To"] == email:
                body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
                found = re.search(r"\S+/#/invite/\S+", body)
                assert found
                return found.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no invitation email to {email}")


async def join_and_assign(server: LiveServer, link: str) -> str:
    """Jo registers (as the browser would) and the admin puts Dr. Rivera on Jo's care team."""
    async with InterludeClient(server.url) as jo, InterludeClient(server.url) as admin:
        registered = await jo.register(invitation_token(link), PASSWORD)
        await admin.login(ADMIN_EMAIL, PASSWORD)
        therapist = next(p for p in await admin.people() if p["role"] == "therapist")
        await admin.assign(therapist["id"], registered.user["id"])
        return str(registered.user["id"])
