"""Conversations in Chromium against a real server: a client and a therapist in two browser
contexts write to each other live (Enter sends, Shift+Enter adds a line), history survives a
reload, a device that was offline catches up on exactly what it missed, scrolling back loads
earlier history, a message that does not verify is shown as such, and a changed key is
announced and blocks sending until acknowledged.
The clinic is set up with the real CLI and the Python SDK over HTTP."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

import crypto
from tests.e2e.conftest import ConsoleLog
from tests.e2e.test_browser_accounts import PASSWORD, SLOW, create_clinic, log_in, real_errors
from tests.support.live_server import LiveServer
from tests.support.services import run_coroutine
from web.client import InterludeClient, invitation_token

THERAPIST_EMAIL = "rivera@harbour.example"
CLIENT_EMAIL = "sam@harbour.example"
LIVE = 10_000
PAGE = 50  # messages a conversation shows before scrolling back


@dataclass(frozen=True)
class CareTeam:
    therapist_id: str
    client_id: str
    thread_id: str | None


def care_team(server: LiveServer, admin_link: str, *, history: int = 0) -> CareTeam:
    """Admin, therapist "Dr. Rivera" and client "Sam" registered with the SDK and assigned;
    with history the client opens the conversation and writes that many messages."""

    async def build() -> CareTeam:
        async with (
            InterludeClient(server.url) as admin,
            InterludeClient(server.url) as therapist,
            InterludeClient(server.url) as client,
        ):
            await admin.register(invitation_token(admin_link), PASSWORD)
            for person, email, name, role in [
                (therapist, THERAPIST_EMAIL, "Dr. Rivera", "therapist"),
                (client, CLIENT_EMAIL, "Sam", "client"),
            ]:
                invitation = await admin.invite(email, name, role)
                await person.register(invitation_token(invitation["link"]), PASSWORD)
            assert therapist.unlocked is not None
            assert client.unlocked is not None
            therapist_id, client_id = therapist.unlocked.user["id"], client.unlocked.user["id"]
            await admin.assign(therapist_id, client_id)
            thread_id = None
            if history:
                thread_id = await client.threads.open_direct(client_id)
                for number in range(1, history + 1):
                    await client.threads.send(thread_id, f"Earlier message {number}")
            return CareTeam(therapist_id, client_id, thread_id)

    return run_coroutine(build())


def browser_page(browser: Browser, log: ConsoleLog, **options: object) -> Page:
    context = browser.new_context(**options)  # type: ignore[arg-type]
    opened = context.new_page()
    opened.on("console", lambda m: m.type == "error" and log.errors.append(m.text))
    opened.on("pageerror", lambda error: log.errors.append(str(error)))
    return opened


def open_messages(page: Page, server: LiveServer, email: str, path: str = "/#/messages") -> None:
    page.goto(server.url + path)
    log_in(page, email, PASSWORD)
    expect(page.locator("#connection-status")).to_have_text("Connected", timeout=SLOW)


def messages(page: Page) -> Locator:
    return page.get_by_role("log", name="Messages").get_by_role("listitem")


def texts(page: Page) -> list[str]:
    return [
        text or ""
        for text in messages(page)
        .locator(".message-text")
        .evaluate_all("nodes => nodes.map(n => n.textContent)")
    ]


def write(page: Page, text: str) -> None:
    """Types text line by line (Shift+Enter between lines), then sends it with Enter."""
    box = page.get_by_role("textbox", name="Message")
    for i, line in enumerate(text.split("\n")):
        if i:
            box.press("Shift+Enter")
        box.press_sequentially(line)
    box.press("Enter")
    expect(box).to_have_value("")


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_client_and_therapist_talk_live_and_catch_up_after_a_reload_and_going_offline(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    care_team(server, create_clinic(server, tmp_path, database_url))
    log = ConsoleLog()
    therapist = browser_page(browser, log, viewport={"width": 1280, "height": 800})
    client = browser_page(browser, log, viewport={"width": 360, "height": 740})

    open_messages(therapist, server, THERAPIST_EMAIL)
    expect(therapist.get_by_role("heading", name="Messages", level=1)).to_be_visible()
    expect(therapist.get_by_text("No conversations yet.")).to_be_visible()

    client.goto(server.url + "/")
    log_in(client, CLIENT_EMAIL, PASSWORD)
    client.get_by_role("button", name="Message your therapist").click(timeout=SLOW)
    expect(client.get_by_role("heading", name="Dr. Rivera", level=1)).to_be_visible()
    expect(client.get_by_text("No messages yet.")).to_be_visible()

    # The conversation the client opened appears in the therapist's list without a reload,
    # and a message to it shows as unread there.
    thread_link = therapist.get_by_role("link", name=re.compile(r"^Sam"))
    expect(thread_link).to_be_visible(timeout=LIVE)
    write(client, "Hello\nIs this a good place to write?")
    expect(messages(client).last).to_contain_text("Sent")
    expect(thread_link).to_contain_text("1 unread", timeout=LIVE)

    thread_link.click()
    expect(therapist.get_by_role("heading", name="Sam", level=1)).to_be_visible()
    expect(messages(therapist)).to_have_count(1)
    assert texts(therapist) == ["Hello\nIs this a good place to write?"]
    expect(thread_link).not_to_contain_text("unread")
    expect(messages(client).last).to_contain_text("Read", timeout=LIVE)

    # (Outside a live session clients are not shown a therapist typing; the other way is.)
    client.get_by_role("textbox", name="Message").press_sequentially("Also")
    expect(therapist.get_by_text("Sam is typing…")).to_be_visible(timeout=LIVE)
    client.get_by_role("textbox", name="Message").fill("")
    write(therapist, "Yes, it is. I read messages every weekday.")
    expect(messages(client)).to_have_count(2, timeout=LIVE)

    client.reload()
    client.get_by_label("Password", exact=True).fill(PASSWORD)
    client.get_by_role("button", name="Unlock").click()
    expect(client.get_by_role("heading", name="Dr. Rivera", level=1)).to_be_visible(timeout=SLOW)
    expect(messages(client)).to_have_count(2)
    expect(client.locator("#connection-status")).to_have_text("Connected", timeout=LIVE)

    client.context.set_offline(True)
    expect(client.locator("#connection-status")).to_have_text("Offline — reconnecting…")
    write(client, "Are you there?")
    waiting = messages(client).last
    expect(waiting).to_contain_text("Waiting for the connection")
    missed = ["First while you were away", "Second", "Third"]
    for text in missed:
        write(therapist, text)
        expect(messages(therapist).last).to_contain_text("Sent")
    client.context.set_offline(False)
    expect(client.locator("#connection-status")).to_have_text("Connected", timeout=LIVE)
    expect(messages(client)).to_have_count(6, timeout=LIVE)
    # Written offline, it goes out by itself once the connection is back.
    expect(waiting.locator(".delivery")).to_have_text(re.compile(r"^(Sent|Read)$"), timeout=LIVE)

    history = [
        "Hello\nIs this a good place to write?",
        "Yes, it is. I read messages every weekday.",
        *missed,
        "Are you there?",
    ]
    expect(messages(therapist)).to_have_count(6, timeout=LIVE)
    assert texts(client) == history
    assert texts(therapist) == history
    assert real_errors(log, went_offline=True) == []


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_history_scrolls_back_unverifiable_messages_show_and_a_new_key_blocks_sending(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    # One more message than the conversation shows at first, so scrolling back loads it.
    team = care_team(server, create_clinic(server, tmp_path, database_url), history=PAGE + 1)
    assert team.thread_id is not None
    log = ConsoleLog()
    therapist = browser_page(browser, log, viewport={"width": 1280, "height": 800})
    open_messages(therapist, server, THERAPIST_EMAIL, f"/#/messages/{team.thread_id}")
    expect(therapist.get_by_role("heading", name="Sam", level=1)).to_be_visible()
    expect(messages(therapist)).to_have_count(PAGE)
    assert texts(therapist)[0] == "Earlier message 2"
    therapist.locator(".message-scroller").evaluate("scroller => { scroller.scrollTop = 0; }")
    expect(messages(therapist)).to_have_count(PAGE + 1)
    assert texts(therapist)[0] == "Earlier message 1"
    expect(therapist.get_by_role("button", name="Show earlier messages")).to_be_hidden()

    therapist.get_by_text("Safety number", exact=True).click()
    number = therapist.locator(".safety-number").inner_text()
    assert re.fullmatch(r"(\d{5}[ \n]){11}\d{5}", number.strip()), number
    therapist.get_by_role("button", name="Mark as verified").click()
    expect(therapist.locator(".safety summary .badge")).to_have_text("Verified")

    async def tamper_then_replace_key() -> None:
        async with InterludeClient(server.url) as client:
            await client.login(CLIENT_EMAIL, PASSWORD)
            keys = await client.threads.load(team.thread_id)
            # Signed by the client's real key, so the server accepts it, but wrapped under a
            # key that is not the thread's: no member can open it.
            forged = crypto.seal_message(
                client.threads.identity,
                uuid.UUID(team.thread_id),
                keys.epoch,
                b"you should never read this",
                epoch_key=secrets.token_bytes(32),
            )
            await client.threads.send_envelope(team.thread_id, forged)
            await client.replace_identity()

    run_coroutine(tamper_then_replace_key())
    expect(messages(therapist)).to_have_count(PAGE + 2, timeout=LIVE)
    expect(messages(therapist).last).to_contain_text("This message could not be verified.")
    assert "never read this" not in therapist.content()

    warning = therapist.get_by_role("alert").filter(has_text="security key changed")
    expect(warning).to_contain_text(
        "Sam's security key changed. This can happen if they reset their account. "
        "Check the safety number with them before you continue.",
        timeout=LIVE,
    )
    send = therapist.get_by_role("button", name="Send")
    expect(send).to_be_disabled()
    box = therapist.get_by_role("textbox", name="Message")
    box.fill("Are you all right?")
    box.press("Enter")
    expect(box).to_have_value("Are you all right?")
    expect(messages(therapist)).to_have_count(PAGE + 2)

    warning.get_by_role("button", name="I understand, continue").click()
    expect(warning).to_have_count(0)
    expect(therapist.locator(".safety summary .badge")).to_have_text("Not verified")
    box.press("Enter")
    expect(messages(therapist).last).to_contain_text("Sent", timeout=LIVE)

    async def client_reads() -> list[str | None]:
        async with InterludeClient(server.url) as client:
            await client.login(CLIENT_EMAIL, PASSWORD)
            return [m.text for m in await client.threads.history(team.thread_id, limit=3)]

    assert run_coroutine(client_reads()) == [
        f"Earlier message {PAGE + 1}",
        None,
        "Are you all right?",
    ]

    therapist.reload()
    therapist.get_by_label("Password", exact=True).fill(PASSWORD)
    therapist.get_by_role("button", name="Unlock").click()
    expect(messages(therapist)).to_have_count(PAGE, timeout=SLOW)
    expect(messages(therapist).last).to_contain_text("Are you all right?")
    expect(therapist.get_by_role("alert").filter(has_text="security key changed")).to_have_count(0)
    expect(send).to_be_enabled()
    assert real_errors(log) == []
