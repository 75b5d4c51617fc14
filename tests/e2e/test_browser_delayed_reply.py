"""Delayed-reply mode and notifications in Chromium against a real server: a therapist sets
working hours (a day off today, an away message, a reply commitment); the client writes and
sees when to expect a reply, the away message and when the therapist is back; the therapist
finds the conversation in the inbox with its due time, schedules a live session that the
client sees as a banner with a countdown, and schedules a message that arrives at its time
in the client's open browser; the client changes their notification settings, which survive
a reload, and a value the form cannot take is refused in words.
The clinic is set up with the real CLI and the Python SDK over HTTP, as in
test_browser_chat.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

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
    write,
)
from tests.support.live_server import LiveServer

AWAY = "I'm away today. If you need help now, call the clinic on 0123 456 789."
# The server's worker polls about every second on the real clock; the exact release-at-its-
# time logic is proven with a test clock in tests/integration/test_send_later.py.
SEND_AHEAD_S = 9
RELEASED_WITHIN = 25_000


def shot(page: Page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)


def set_working_hours(therapist: Page) -> None:
    """UTC, Saturday hours added, today and tomorrow off, two working hours to reply."""
    expect(therapist.get_by_role("heading", name="Working hours", level=1)).to_be_visible()
    therapist.get_by_label("Time zone").select_option("UTC")
    therapist.get_by_role("button", name="Add hours on Saturday").click()
    today = datetime.now(UTC).date()
    for day in (today, today + timedelta(days=1)):
        therapist.get_by_label("Add a day off").fill(day.isoformat())
        therapist.get_by_role("button", name="Add day off").click()
    therapist.get_by_label("Reply within").fill("2")
    therapist.get_by_label("Unit").select_option("hours")
    expect(therapist.get_by_text("Not encrypted.")).to_be_visible()
    therapist.get_by_label("Away message").fill(AWAY)
    therapist.get_by_role("button", name="Save working hours").click()
    expect(
        therapist.get_by_role("status").filter(has_text="working hours are saved")
    ).to_be_visible()


def schedule_message_soon(therapist: Page, text: str) -> None:
    """Writes text and schedules it SEND_AHEAD_S seconds ahead on the browser's own clock."""
    therapist.get_by_role("textbox", name="Message").fill(text)
    therapist.get_by_role("button", name="Schedule for later…").click()
    dialog = therapist.get_by_role("dialog", name="Send later")
    expect(dialog).to_be_visible()
    date, time = therapist.evaluate(
        """ahead => {
            const d = new Date(Date.now() + ahead * 1000);
            const p = (n) => String(n).padStart(2, "0");
            return [`${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`,
                    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`];
        }""",
        SEND_AHEAD_S,
    )
    dialog.get_by_label("Date").fill(date)
    # The picker names the zone its time is in (the device's).
    dialog.get_by_label(re.compile(r"^Time \([\w/+-]+\)$")).fill(time)
    dialog.get_by_role("button", name="Schedule message").click()
    expect(dialog).to_have_count(0, timeout=LIVE)
    expect(therapist.get_by_role("textbox", name="Message")).to_have_value("")


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_hours_expectations_inbox_live_session_send_later_and_notification_settings(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    care_team(server, create_clinic(server, tmp_path, database_url))
    log = ConsoleLog()
    therapist = browser_page(
        browser, log, viewport={"width": 1280, "height": 800}, timezone_id="Europe/Berlin"
    )
    client = browser_page(
        browser, log, viewport={"width": 360, "height": 740}, timezone_id="America/New_York"
    )

    open_messages(therapist, server, THERAPIST_EMAIL, "/#/working-hours")
    set_working_hours(therapist)
    shot(therapist, tmp_path, "working-hours-desktop")

    # The client writes; the reply is due in the therapist's hours, shown in the client's zone.
    client.goto(server.url + "/")
    log_in(client, CLIENT_EMAIL, PASSWORD)
    client.get_by_role("button", name="Message your therapist").click(timeout=SLOW)
    expect(client.get_by_role("heading", name="Dr. Rivera", level=1)).to_be_visible()
    write(client, "Hello. Is this a good place to write?")
    expect(messages(client).last).to_contain_text("Sent")
    # One status line: away and the reply-by time; the away message when it is opened.
    status = client.locator(".conversation-status summary")
    expect(status).to_have_text(
        re.compile(r"^Your therapist is away and back .+\. You can expect a reply by .+\.$"),
        timeout=LIVE,
    )
    status.click()
    expect(client.get_by_text(AWAY)).to_be_visible()

    # The therapist's inbox lists the conversation with its due time, and opens it.
    go_to(therapist, "Inbox")
    expect(therapist.get_by_role("heading", name="Inbox", level=1)).to_be_visible()
    waiting = therapist.locator(".inbox-item")
    expect(waiting).to_have_count(1, timeout=LIVE)
    expect(waiting).to_contain_text(re.compile(r"(Reply|Was) due "))
    expect(therapist.get_by_role("listitem").filter(has_text="open conversation")).to_contain_text(
        "Sam"
    )
    shot(therapist, tmp_path, "inbox-desktop")
    waiting.get_by_role("link", name=re.compile(r"^Sam")).click()
    expect(therapist.get_by_role("heading", name="Sam", level=1)).to_be_visible()
    expect(therapist.get_by_text(re.compile(r"Reply due "))).to_be_visible()

    # A live session the therapist schedules appears in the client's open conversation.
    therapist.locator(".conversation-status summary").click()
    therapist.get_by_role("button", name="Schedule a live session").click()
    session_dialog = therapist.get_by_role("dialog", name="Schedule a live session")
    session_dialog.get_by_label("Length").select_option("45")
    session_dialog.get_by_role("button", name="Schedule session").click()
    expect(session_dialog).to_have_count(0, timeout=LIVE)
    banner = client.get_by_role("region", name="Live session")
    expect(banner).to_contain_text(re.compile(r"^Live session .+–"), timeout=LIVE)
    expect(banner).to_contain_text(re.compile(r"starts in \d"))
    expect(therapist.get_by_role("region", name="Live session")).to_contain_text("Live session")
    expect(therapist.get_by_role("button", name="Move")).to_be_visible()

    # A message scheduled for a few seconds ahead is listed for its author, then arrives.
    schedule_message_soon(therapist, "This arrives at its time.")
    scheduled = therapist.locator("details.scheduled")
    expect(scheduled.locator("summary")).to_have_text("Scheduled messages (1)")
    scheduled.locator("summary").click()
    expect(scheduled).to_contain_text("This arrives at its time.")
    expect(scheduled.get_by_role("button", name="Cancel this scheduled message")).to_be_visible()
    shot(therapist, tmp_path, "conversation-therapist-desktop")
    shot(client, tmp_path, "conversation-client-phone")
    expect(messages(client)).to_have_count(1)
    expect(messages(client).last).to_contain_text(
        "This arrives at its time.", timeout=RELEASED_WITHIN
    )
    expect(messages(therapist).last).to_contain_text("This arrives at its time.", timeout=LIVE)
    expect(scheduled).to_be_hidden(timeout=LIVE)
    # The reply answered the client: no reply is awaited any more.
    expect(status).not_to_contain_text("expect a reply", timeout=LIVE)

    # Notification settings: a refused value is said in words; a saved change survives a reload.
    client.get_by_role("button", name="Menu").click()
    go_to(client, "Notifications")
    expect(client.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    expect(client.get_by_text("Security notices always arrive.")).to_be_visible()
    client.get_by_label("In a digest").check()
    client.get_by_label("How often").select_option("weekly")
    client.get_by_label("On", exact=True).select_option(label="Wednesday")
    client.get_by_label("At", exact=True).select_option(label="08:00")
    client.get_by_label("Hold notices during quiet hours").check()
    client.get_by_label("Quiet from").fill("21:30")
    client.get_by_label("Until").fill("06:45")
    delay = client.get_by_label("Wait before a notice (minutes)")
    delay.fill("0")
    client.get_by_role("button", name="Save notification settings").click()
    expect(client.get_by_role("alert")).to_contain_text("a whole number from 1 to 1440")
    expect(delay).to_be_focused()
    delay.fill("20")
    client.get_by_role("button", name="Save notification settings").click()
    expect(client.get_by_role("status").filter(has_text="settings are saved")).to_be_visible()
    shot(client, tmp_path, "notifications-phone")

    client.reload()
    client.get_by_label("Password", exact=True).fill(PASSWORD)
    client.get_by_role("button", name="Unlock").click()
    expect(client.get_by_role("heading", name="Notifications", level=1)).to_be_visible(timeout=SLOW)
    expect(client.get_by_label("In a digest")).to_be_checked()
    expect(client.get_by_label("How often")).to_have_value("weekly")
    expect(client.get_by_label("On", exact=True)).to_have_value("2")
    expect(client.get_by_label("At", exact=True)).to_have_value("8")
    expect(client.get_by_label("Quiet from")).to_have_value("21:30")
    expect(client.get_by_label("Until")).to_have_value("06:45")
    expect(delay).to_have_value("20")
    assert real_errors(log) == []
