"""The journal in Chromium against a real server: a client writes entries and a check-in,
sees the check-in chart and its table, searches; shares one entry with one therapist, who
opens it in another browser context; revokes another share before it is opened; the
therapist schedules a prompt, which the worker fires under a test clock (the real handlers,
publishing through Redis to the server's sockets) and which arrives in the client's open
page; the client exports the journal and the downloaded file contains the entries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import socketio
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from messaging.context import ServiceContext
from messaging.settings import load_settings
from messaging.storage.database import Database
from messaging.storage.tables import journal_prompts
from tests.e2e.conftest import ConsoleLog
from tests.e2e.test_browser_accounts import PASSWORD, SLOW, create_clinic, log_in, real_errors
from tests.e2e.test_browser_chat import (
    CLIENT_EMAIL,
    LIVE,
    THERAPIST_EMAIL,
    browser_page,
    care_team,
)
from tests.support.clock import FrozenClock
from tests.support.live_server import LiveServer, interlude_env, live_server
from tests.support.notifier import deliver
from tests.support.services import run_coroutine
from tests.support.smtp import smtp_sink
from tests.support.world import Api
from web.client import InterludeClient
from web.realtime import SocketIOPublisher

SHARED = "The walk by the harbour helped more than I expected."
REVOKED = "Something I am not ready to share."
PROMPT = "What is one thing that went well today?"
ANSWER = "Cooking dinner with my sister went well."


@pytest.fixture
def redis_server(tmp_path: Path, database_url: str, redis_url: str) -> Iterator[LiveServer]:
    """`interlude serve` with Redis, so a worker elsewhere can reach its sockets."""
    with live_server(tmp_path, database_url, {"INTERLUDE_REDIS_URL": redis_url}) as running:
        yield running


def entry_item(page: Page, text: str) -> object:
    return (
        page.get_by_role("list", name="Journal entries")
        .get_by_role("listitem")
        .filter(has_text=text)
    )


def write_entry(page: Page, title: str, body: str) -> None:
    page.get_by_label("Title (optional)").fill(title)
    page.get_by_label("What is on your mind?").fill(body)
    expect(page.get_by_text("Draft saved (encrypted).")).to_be_visible(timeout=LIVE)
    page.get_by_role("button", name="Save entry").click()
    expect(entry_item(page, body)).to_be_visible(timeout=LIVE)  # type: ignore[attr-defined]


def fire_due_prompts(server: LiveServer, data_dir: Path, database_url: str, redis_url: str) -> None:
    """The real worker handlers, run once on a test clock set to the prompt's due time."""

    async def run() -> None:
        settings = load_settings(
            interlude_env(
                data_dir,
                database_url,
                INTERLUDE_PUBLIC_URL=server.url,
                INTERLUDE_REDIS_URL=redis_url,
            )
        )
        database = Database.from_url(database_url)
        # What `interlude worker` publishes through (interlude.cli.worker_events).
        manager = socketio.AsyncRedisManager(redis_url, write_only=True)
        try:
            async with database.unit_of_work() as uow:
                due = await uow.session.scalar(select(journal_prompts.c.next_due_at))
            assert due is not None
            clock = FrozenClock(due)
            context = ServiceContext.from_settings(settings, clock, SocketIOPublisher(manager))
            with smtp_sink() as smtp:
                await deliver(Api(server.url, database, context), smtp, clock)
                subjects = [m["Subject"] for m in smtp.messages]
                assert subjects.count("A journaling reminder from Interlude") == 1
                assert all(PROMPT not in m.as_string() for m in smtp.messages)
        finally:
            if manager.redis is not None:
                await manager.redis.aclose()
            await database.dispose()

    run_coroutine(run())


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_client_journals_shares_revokes_gets_a_prompt_and_exports(
    redis_server: LiveServer,
    browser: Browser,
    tmp_path: Path,
    database_url: str,
    redis_url: str,
) -> None:
    server = redis_server
    team = care_team(server, create_clinic(server, tmp_path, database_url), history=1)
    log = ConsoleLog()
    client = browser_page(
        browser, log, viewport={"width": 390, "height": 844}, accept_downloads=True
    )
    therapist = browser_page(browser, log, viewport={"width": 1280, "height": 800})

    client.goto(server.url + "/#/journal")
    log_in(client, CLIENT_EMAIL, PASSWORD)
    expect(client.get_by_role("heading", name="Journal", level=1)).to_be_visible(timeout=SLOW)

    write_entry(client, "Harbour", SHARED)
    write_entry(client, "Not yet", REVOKED)

    client.get_by_label("Mood (0 = very low, 10 = very good)").fill("7")
    client.get_by_label("calm").check()
    client.get_by_label("Sleep last night (hours)").fill("7.5")
    client.get_by_label("A short note (optional)").fill("steady day")
    client.get_by_role("button", name="Save check-in").click()
    expect(client.get_by_role("status").filter(has_text="Check-in saved.")).to_be_visible()
    expect(entry_item(client, "Check-in: mood 7/10")).to_be_visible()  # type: ignore[attr-defined]

    chart = client.get_by_role("img", name=re.compile(r"^Mood over the last 30 days: 1 check-ins"))
    expect(chart).to_be_visible()
    client.get_by_role("button", name="7 days").click()
    expect(client.get_by_role("img", name=re.compile(r"last 7 days: 1 check-ins"))).to_be_visible()
    table = client.get_by_role("table", name="Check-ins, last 7 days")
    expect(table.get_by_role("row")).to_have_count(2)
    expect(table.get_by_role("cell", name="calm")).to_have_count(1)

    client.get_by_label("Search your journal").fill("HARBOUR walk")
    expect(client.get_by_text("1 entry matches.")).to_be_visible()
    expect(
        client.get_by_role("list", name="Journal entries").get_by_role("listitem")
    ).to_have_count(1)
    client.get_by_label("Search your journal").fill("")
    expect(
        client.get_by_role("list", name="Journal entries").get_by_role("listitem")
    ).to_have_count(3)

    shared = entry_item(client, SHARED)
    shared.get_by_text("Share…").click()  # type: ignore[attr-defined]
    shared.get_by_label("Share with").select_option(label="Dr. Rivera")  # type: ignore[attr-defined]
    shared.get_by_role("button", name="Share").click()  # type: ignore[attr-defined]
    expect(shared.get_by_text("Shared with Dr. Rivera, not opened yet.")).to_be_visible(
        timeout=LIVE
    )  # type: ignore[attr-defined]

    withdrawn = entry_item(client, REVOKED)
    withdrawn.get_by_text("Share…").click()  # type: ignore[attr-defined]
    withdrawn.get_by_role("button", name="Share").click()  # type: ignore[attr-defined]
    expect(withdrawn.get_by_text("not opened yet")).to_be_visible(timeout=LIVE)  # type: ignore[attr-defined]
    withdrawn.get_by_role("button", name="Revoke").click()  # type: ignore[attr-defined]
    expect(client.get_by_role("status").filter(has_text="Share revoked")).to_be_visible()
    expect(withdrawn.get_by_text("not opened yet")).to_have_count(0)  # type: ignore[attr-defined]

    # The therapist, in another browser context, finds exactly one shared entry and opens it.
    therapist.goto(f"{server.url}/#/messages/{team.thread_id}")
    log_in(therapist, THERAPIST_EMAIL, PASSWORD)
    shares = therapist.get_by_role("region", name="Shared journal entries").get_by_role("listitem")
    expect(shares).to_have_count(1, timeout=SLOW)
    shares.get_by_role("button", name="Open shared entry").click()
    expect(shares.get_by_text(SHARED)).to_be_visible(timeout=LIVE)
    expect(therapist.get_by_text(REVOKED)).to_have_count(0)
    expect(shared.get_by_text(re.compile(r"Opened by Dr\. Rivera"))).to_be_visible(timeout=LIVE)  # type: ignore[attr-defined]

    # The therapist schedules a daily prompt three hours ahead in the client's zone (UTC).
    at = (datetime.now(UTC) + timedelta(hours=3)).strftime("%H:%M")
    therapist.get_by_text("Journaling prompts").click()
    therapist.get_by_label("Prompt").fill("A first draft of the question")
    therapist.get_by_label("At (the client's local time)").fill("06:00")
    therapist.get_by_role("button", name="Schedule prompt").click()
    expect(therapist.get_by_text("A first draft of the question")).to_be_visible(timeout=LIVE)
    therapist.get_by_role("button", name="Edit").click()
    therapist.get_by_label("Prompt").fill(PROMPT)
    therapist.get_by_label("At (the client's local time)").fill(at)
    therapist.get_by_role("button", name="Save prompt").click()
    expect(therapist.get_by_text(re.compile(rf"Every day at {at} · active"))).to_be_visible(
        timeout=LIVE
    )
    expect(therapist.get_by_text("A first draft of the question")).to_have_count(0)

    fire_due_prompts(server, tmp_path, database_url, redis_url)
    prompts = client.get_by_role("region", name="Prompts from your care team")
    expect(prompts.get_by_text(PROMPT)).to_be_visible(timeout=LIVE)

    # The client answers it and chooses to share the answer; the therapist sees it answered.
    prompts.get_by_role("button", name="Answer in my journal").click()
    client.get_by_label("What is on your mind?").fill(ANSWER)
    client.get_by_label("Share my answer with my care team").check()
    client.get_by_role("button", name="Save entry").click()
    expect(entry_item(client, ANSWER)).to_be_visible(timeout=LIVE)  # type: ignore[attr-defined]
    expect(prompts).to_be_hidden()
    expect(therapist.get_by_text("Sent once, answered once.")).to_be_visible(timeout=LIVE)
    expect(therapist.get_by_text("(shared with you, see above)")).to_be_visible()
    expect(shares).to_have_count(2, timeout=LIVE)
    shares.last.get_by_role("button", name="Open shared entry").click()
    expect(shares.last.get_by_text(ANSWER)).to_be_visible(timeout=LIVE)

    with client.expect_download() as markdown:
        client.get_by_role("button", name="Download as Markdown").click()
    exported = Path(markdown.value.path()).read_text(encoding="utf-8")
    assert SHARED in exported
    assert REVOKED in exported
    assert ANSWER in exported
    assert "- Mood: 7/10" in exported
    with client.expect_download() as json_file:
        client.get_by_role("button", name="Download as JSON").click()
    assert SHARED in Path(json_file.value.path()).read_text(encoding="utf-8")
    assert real_errors(log) == []

    async def read_with_the_sdk() -> list[str]:
        async with InterludeClient(server.url) as sdk:
            await sdk.login(CLIENT_EMAIL, PASSWORD)
            return [e.content.get("body", "") for e in await sdk.journal.search("harbour")]

    assert run_coroutine(read_with_the_sdk()) == [SHARED], "the browser's entries open in Python"


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_the_journal_scrolls_back_page_by_page(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    care_team(server, create_clinic(server, tmp_path, database_url))

    async def write_many() -> None:
        async with InterludeClient(server.url) as sdk:
            await sdk.login(CLIENT_EMAIL, PASSWORD)
            for n in range(1, 46):
                await sdk.journal.write(
                    {"kind": "entry", "title": f"Day {n}", "body": f"entry {n}"}
                )

    run_coroutine(write_many())
    log = ConsoleLog()
    client = browser_page(browser, log, viewport={"width": 390, "height": 844})
    client.goto(server.url + "/#/journal")
    log_in(client, CLIENT_EMAIL, PASSWORD)
    entries = client.get_by_role("list", name="Journal entries").get_by_role("listitem")
    expect(entries).to_have_count(30, timeout=SLOW)
    expect(entries.first).to_contain_text("Day 45")
    entries.last.scroll_into_view_if_needed()
    client.mouse.wheel(0, 2000)
    expect(entries).to_have_count(45, timeout=LIVE)
    expect(entries.last).to_contain_text("Day 1")
    expect(client.get_by_role("button", name="Show older entries")).to_be_hidden()

    # A draft typed and never saved survives closing the page (reload, unlock).
    client.get_by_label("What is on your mind?").fill("Half a thought about the weekend")
    expect(client.get_by_text("Draft saved (encrypted).")).to_be_visible(timeout=LIVE)
    client.reload()
    expect(client.get_by_role("heading", name="Unlock your messages")).to_be_visible(timeout=SLOW)
    client.get_by_label("Password", exact=True).fill(PASSWORD)
    client.get_by_role("button", name="Unlock").click()
    expect(client.get_by_label("What is on your mind?")).to_have_value(
        "Half a thought about the weekend", timeout=SLOW
    )
    expect(client.get_by_text("Your unsaved draft was restored.")).to_be_visible()
    assert real_errors(log) == []
