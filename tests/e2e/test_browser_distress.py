"""The browser as a person in distress meets it (issue 14), in Chromium against a real
server: a new clinic's admin is shown where to start and sets the clinic's crisis resources;
"Need help now?" then shows them with tap-to-call and tap-to-text links to anyone on that
device, logged out and offline too. On a phone, Enter adds a line and Send sends; the client
sees one status at a time in one compact line, and the messages keep the space; a sent
message can be edited or deleted, and the other side sees the edit or a tombstone; a safety
number verified on one device is verified on the person's other devices."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import ConsoleLog
from tests.e2e.test_browser_accounts import PASSWORD, SLOW, create_clinic, real_errors, register
from tests.e2e.test_browser_chat import (
    CLIENT_EMAIL,
    LIVE,
    THERAPIST_EMAIL,
    CareTeam,
    browser_page,
    care_team,
    messages,
    open_messages,
    texts,
)
from tests.e2e.test_browser_delayed_reply import AWAY, set_working_hours
from tests.support.live_server import INTERLUDE, LiveServer, interlude_env
from tests.support.services import run_coroutine
from web.client import InterludeClient, invitation_token

PHONE = {"width": 360, "height": 740}


def create_clinic_in(server: LiveServer, data_dir: Path, database_url: str, country: str) -> str:
    """`interlude admin create-clinic --country ...`: the first admin's invitation link."""
    result = subprocess.run(
        [
            *INTERLUDE,
            *("admin", "create-clinic", "--name", "Harbour Clinic"),
            *("--admin-email", "admin@harbour.example", "--admin-name", "Ada Admin"),
            *("--country", country),
        ],
        env=interlude_env(data_dir, database_url, INTERLUDE_PUBLIC_URL=server.url),
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"\S+/#/invite/\S+", result.stdout)
    assert found, result.stdout
    return found.group(0)


def open_help(page: Page) -> None:
    page.get_by_role("link", name="Need help now?").click()
    expect(page.get_by_role("heading", name="Need help now?", level=1)).to_be_visible()


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_admin_sets_crisis_resources_that_anyone_on_the_device_sees_logged_out_and_offline(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    log = ConsoleLog()
    admin = browser_page(browser, log, viewport=PHONE, timezone_id="Pacific/Auckland")
    link = create_clinic_in(server, tmp_path, database_url, "GB")
    admin.goto(link)
    expect(admin.get_by_role("heading", name="Join Interlude")).to_be_visible()
    assert_accessible(admin, "join by invitation")
    register(admin, link)
    expect(admin.get_by_role("heading", name="Hello, Ada Admin", level=1)).to_be_visible()
    assert_accessible(admin, "admin home")

    # The admin home says where to start, crisis resources first.
    start = admin.get_by_role("region", name="Start here")
    steps = start.get_by_role("listitem")
    expect(steps).to_have_count(4)
    expect(steps.nth(0)).to_contain_text("Check your crisis resources")
    expect(start).to_contain_text("Invite a therapist")
    expect(start).to_contain_text("Invite a client")
    expect(start).to_contain_text("Assign the care team")
    start.get_by_role("link", name="Check your crisis resources").click()

    # The country's defaults are there to check; the admin adds the clinic's own night line.
    expect(admin.get_by_role("heading", name="Crisis resources", level=1)).to_be_visible()
    first = admin.get_by_role("group", name="Resource 1")
    expect(first.get_by_label("Name")).to_have_value("Samaritans")
    expect(first.get_by_label("Phone number")).to_have_value("116 123")
    assert_accessible(admin, "crisis resources")
    admin.get_by_role("button", name="Add a resource").click()
    third = admin.get_by_role("group", name="Resource 3")
    third.get_by_label("Name").fill("Harbour Night Line")
    third.get_by_label("Phone number").fill("+44 20 7946 0000")
    third.get_by_label("Text number").fill("07700 900123")
    third.get_by_label("Web address").fill("javascript:alert(1)")
    third.get_by_label("Hours").fill("18:00 to 08:00")
    admin.get_by_role("button", name="Save crisis resources").click()
    expect(admin.get_by_role("alert")).to_contain_text("web address starting with https://")
    third.get_by_label("Web address").fill("https://night.example.org/help")
    admin.get_by_role("button", name="Save crisis resources").click()
    expect(
        admin.get_by_role("status").filter(has_text="crisis resources are saved")
    ).to_be_visible()

    # The device's time zone became the person's at registration.
    admin.goto(server.url + "/#/notifications")
    expect(admin.get_by_label("Time zone")).to_have_value("Pacific/Auckland")
    assert_accessible(admin, "notifications")

    # Every other screen of an admin passes axe too.
    for path, heading in [
        ("admin/invitations", "Invitations"),
        ("admin/people", "People"),
        ("admin/care-team", "Care teams"),
        ("admin/audit", "Audit trail"),
        ("devices", "My devices"),
        ("password", "Change your password"),
        ("name", "Your name"),
    ]:
        admin.goto(f"{server.url}/#/{path}")
        expect(admin.get_by_role("heading", name=heading, level=1)).to_be_visible()
        expect(admin.locator(".loading")).to_have_count(0)
        assert_accessible(admin, heading)
    # People can change their own name; the greeting follows.
    admin.get_by_role("textbox", name="Name").fill("Ada Lovelace")
    admin.get_by_role("button", name="Save name").click()
    expect(
        admin.get_by_role("status").filter(has_text="Others now see you as Ada Lovelace")
    ).to_be_visible()
    admin.goto(server.url + "/#/")
    expect(admin.get_by_role("heading", name="Hello, Ada Lovelace", level=1)).to_be_visible()
    admin.goto(server.url + "/#/password")
    admin.reload()
    expect(admin.get_by_role("button", name="Unlock")).to_be_visible()
    assert_accessible(admin, "unlock")
    admin.get_by_label("Password", exact=True).fill(PASSWORD)
    admin.get_by_role("button", name="Unlock").click()
    expect(admin.get_by_role("heading", name="Change your password", level=1)).to_be_visible(
        timeout=SLOW
    )

    # Logged out, the help page shows them, numbers as tap-to-call and tap-to-text links.
    admin.get_by_role("button", name="Menu").click()
    admin.get_by_role("button", name="Log out").click()
    expect(admin.get_by_role("heading", name="Log in", level=1)).to_be_visible()
    assert_accessible(admin, "login")
    admin.goto(server.url + "/#/recover")
    expect(admin.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(admin, "recover")
    admin.goto(server.url + "/#/login")
    open_help(admin)
    lines = admin.get_by_role("list", name="Crisis lines").get_by_role("listitem")
    expect(lines).to_have_count(3)
    night = lines.filter(has_text="Harbour Night Line")
    expect(night).to_contain_text("18:00 to 08:00")
    expect(night.get_by_role("link", name="Call +44 20 7946 0000")).to_have_attribute(
        "href", "tel:+442079460000"
    )
    expect(night.get_by_role("link", name="Text 07700 900123")).to_have_attribute(
        "href", "sms:07700900123"
    )
    expect(night.get_by_role("link", name="night.example.org/help")).to_have_attribute(
        "href", "https://night.example.org/help"
    )
    assert_accessible(admin, "help")
    samaritans = lines.filter(has_text="Samaritans")
    expect(samaritans.get_by_role("link", name="Call 116 123")).to_have_attribute(
        "href", "tel:116123"
    )

    # The connection drops: the page still opens and shows this device's copy.
    admin.get_by_role("link", name="Back to Interlude").click()
    admin.context.set_offline(True)
    open_help(admin)
    expect(admin.get_by_role("list", name="Crisis lines").get_by_role("listitem")).to_have_count(3)
    admin.context.set_offline(False)

    # Even a fresh start without a connection opens the app from this device's copy.
    admin.evaluate("navigator.serviceWorker.ready")
    admin.reload()  # online once more, through the service worker, which keeps the files
    expect(admin.get_by_role("heading", name="Need help now?", level=1)).to_be_visible()
    admin.context.set_offline(True)
    admin.reload()
    expect(admin.get_by_role("heading", name="Need help now?", level=1)).to_be_visible()
    expect(admin.get_by_role("list", name="Crisis lines").get_by_role("listitem")).to_have_count(3)
    admin.context.set_offline(False)

    # A device that never knew the clinic shows emergency numbers, also as links.
    stranger = browser_page(browser, log, viewport=PHONE)
    stranger.goto(server.url + "/#/help")
    expect(stranger.get_by_role("heading", name="Need help now?", level=1)).to_be_visible()
    expect(stranger.get_by_role("link", name="112")).to_have_attribute("href", "tel:112")
    expect(stranger.get_by_text("Your local emergency number is the fastest way")).to_be_visible()
    # axe-core is only for tests: the app does not serve it.
    assert httpx.get(server.url + "/vendor/axe-core/axe.min.js").status_code == 404
    offline_noise = re.compile(r"net::ERR_INTERNET_DISCONNECTED|Failed to fetch")
    assert [e for e in real_errors(log) if not offline_noise.search(e)] == []


def bottom_gap(page: Page) -> float:
    """Pixels of the message list below the visible part (0 when the newest is in view)."""
    return float(
        page.locator(".message-scroller").evaluate(
            "s => s.scrollHeight - s.scrollTop - s.clientHeight"
        )
    )


def share_of_window(page: Page, selector: str) -> float:
    return float(
        page.locator(selector).evaluate("e => e.getBoundingClientRect().height / innerHeight")
    )


def start_live_session_now(therapist: Page) -> None:
    """Schedules a session that began two minutes ago (on the browser's own clock)."""
    therapist.locator(".conversation-status summary").click()
    therapist.get_by_role("button", name="Schedule a live session").click()
    dialog = therapist.get_by_role("dialog", name="Schedule a live session")
    date, time = therapist.evaluate(
        """() => {
            const d = new Date(Date.now() - 120 * 1000);
            const p = (n) => String(n).padStart(2, "0");
            return [`${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`,
                    `${p(d.getHours())}:${p(d.getMinutes())}`];
        }"""
    )
    dialog.get_by_label("Date").fill(date)
    dialog.get_by_label(re.compile(r"^Starts at \([\w/+-]+\)$")).fill(time)
    dialog.get_by_label("Length").select_option("45")
    dialog.get_by_role("button", name="Schedule session").click()
    expect(dialog).to_have_count(0, timeout=LIVE)
    therapist.locator(".conversation-status summary").click()  # folds the line again


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_on_a_phone_enter_adds_a_line_and_the_client_sees_one_status_with_room_for_messages(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    team = care_team(server, create_clinic(server, tmp_path, database_url), history=30)
    log = ConsoleLog()
    therapist = browser_page(
        browser, log, viewport={"width": 1280, "height": 800}, timezone_id="Europe/Berlin"
    )
    client = browser_page(
        browser,
        log,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        timezone_id="America/New_York",
    )
    # The working-hours page on a phone is short, and Monday's hours fill the week.
    therapist.set_viewport_size({"width": 360, "height": 740})
    open_messages(therapist, server, THERAPIST_EMAIL, "/#/working-hours")
    expect(therapist.get_by_label("Time zone")).to_have_value("UTC")
    expect(therapist.get_by_text("Your one time zone:")).to_be_visible()
    therapist.get_by_label("Monday until").fill("13:00")
    therapist.get_by_role("button", name="Use Monday's hours Tuesday to Friday").click()
    expect(therapist.get_by_label("Friday until")).to_have_value("13:00")
    therapist.screenshot(path=str(tmp_path / "working-hours-phone.png"), full_page=True)
    page_height = therapist.evaluate("document.documentElement.scrollHeight")
    assert page_height < 2300, page_height  # it was 2,900 px
    therapist.set_viewport_size({"width": 1280, "height": 800})
    set_working_hours(therapist)  # today and tomorrow off: the therapist is away

    open_messages(client, server, CLIENT_EMAIL, f"/#/messages/{team.thread_id}")
    expect(client.get_by_role("heading", name="Dr. Rivera", level=1)).to_be_visible()
    expect(messages(client)).to_have_count(30)

    # On a touch screen Enter adds a line; only the Send button sends, and the hint says so.
    box = client.get_by_role("textbox", name="Message")
    expect(box).to_have_accessible_description(re.compile("Return adds a new line"))
    box.press_sequentially("I have been thinking")
    box.press("Enter")
    box.press_sequentially("about what you said.")
    expect(box).to_have_value("I have been thinking\nabout what you said.")
    expect(messages(client)).to_have_count(30)
    client.get_by_role("button", name="Send", exact=True).tap()
    expect(box).to_have_value("")
    expect(messages(client).last).to_contain_text("Sent", timeout=LIVE)
    assert texts(client)[-1] == "I have been thinking\nabout what you said."

    # One status: away and the reply-by time in one compact line; the away message inside.
    status = client.locator(".conversation-status")
    summary = status.locator("summary")
    expect(summary).to_have_text(
        re.compile(r"^Your therapist is away and back .+\. You can expect a reply by .+\.$"),
        timeout=LIVE,
    )
    expect(client.get_by_text(AWAY)).to_be_hidden()
    # Times name their zone (the client's device is in New York).
    expect(summary).to_contain_text(re.compile(r"M E[SD]T\."))
    expect(messages(client).last.locator("time")).to_contain_text(re.compile(r"E[SD]T$"))
    client.screenshot(path=str(tmp_path / "conversation-phone-away.png"))
    assert share_of_window(client, ".message-scroller") > 0.6
    assert_accessible(client, "conversation (client, phone)")
    assert bottom_gap(client) < 2

    # Opening the line shows the rest; the newest message stays in view.
    summary.click()
    expect(client.get_by_text(AWAY)).to_be_visible()
    assert bottom_gap(client) < 2
    summary.click()

    # A live session beats away and reply-by: it is the only status.
    therapist.get_by_role("link", name="Messages").first.click()
    therapist.get_by_role("link", name=re.compile(r"^Sam")).click()
    expect(therapist.get_by_role("heading", name="Sam", level=1)).to_be_visible()
    start_live_session_now(therapist)
    expect(summary).to_have_text(re.compile(r"^Live session now until \d"), timeout=LIVE)
    expect(client.locator(".messages-screen")).not_to_contain_text("away and back")
    expect(client.locator(".messages-screen")).not_to_contain_text("expect a reply")
    assert bottom_gap(client) < 2
    # The client edits, then deletes, a sent message; the therapist sees the edit, then the
    # tombstone, live.
    mine = messages(client).last
    mine.get_by_role("button", name="Edit").tap()
    dialog = client.get_by_role("dialog", name="Edit message")
    assert_accessible(client, "edit dialog")
    dialog.get_by_label("Message").fill("I have been thinking about it all week.")
    dialog.get_by_role("button", name="Save changes").tap()
    expect(dialog).to_have_count(0, timeout=LIVE)
    expect(mine).to_contain_text("I have been thinking about it all week.")
    theirs = messages(therapist).last
    expect(theirs).to_contain_text("I have been thinking about it all week.", timeout=LIVE)
    expect(theirs).to_contain_text("edited")
    expect(theirs.get_by_role("button", name="Edit")).to_have_count(0)
    mine.get_by_role("button", name="Delete").tap()
    client.get_by_role("dialog").get_by_role("button", name="Delete message").tap()
    expect(mine).to_contain_text("This message was deleted.", timeout=LIVE)
    expect(mine.get_by_role("button", name="Edit")).to_have_count(0)
    expect(theirs).to_contain_text("This message was deleted.", timeout=LIVE)
    expect(theirs).not_to_contain_text("all week")

    client.screenshot(path=str(tmp_path / "conversation-phone.png"))
    therapist.screenshot(path=str(tmp_path / "conversation-desktop.png"))
    assert share_of_window(therapist, ".message-scroller") > 0.5
    assert_accessible(therapist, "conversation (therapist, desktop)")
    therapist.goto(server.url + "/#/inbox")
    expect(therapist.get_by_role("heading", name="Inbox", level=1)).to_be_visible()
    assert_accessible(therapist, "inbox")
    therapist.goto(server.url + "/#/working-hours")
    expect(therapist.get_by_role("button", name="Save working hours")).to_be_visible()
    assert_accessible(therapist, "working hours")
    # A safety number verified on the desktop shows as verified on the therapist's phone.
    therapist.goto(f"{server.url}/#/messages/{team.thread_id}")
    therapist.get_by_text("Safety number", exact=True).click()
    saved = therapist.expect_response(
        lambda r: r.url.endswith("/api/me/trust") and r.request.method == "PUT" and r.ok
    )
    with saved:
        therapist.get_by_role("button", name="Mark as verified").click()
    expect(therapist.locator(".safety summary .badge")).to_have_text("Verified")
    phone = browser_page(browser, log, viewport={"width": 390, "height": 844})
    open_messages(phone, server, THERAPIST_EMAIL, f"/#/messages/{team.thread_id}")
    expect(phone.get_by_role("heading", name="Sam", level=1)).to_be_visible()
    expect(phone.locator(".safety summary .badge")).to_have_text("Verified", timeout=LIVE)

    client.get_by_role("link", name="‹ Conversations").tap()
    expect(client.get_by_role("heading", name="Messages", level=1)).to_be_visible()
    assert_accessible(client, "messages (client, phone)")
    assert real_errors(log) == []


COVER_EMAIL = "cover@harbour.example"


def covering_therapist_joins(server: LiveServer, team: CareTeam) -> None:
    """The admin adds "Dr. Cover" to Sam's care team; Sam's device starts the new epoch."""

    async def join() -> None:
        async with (
            InterludeClient(server.url) as admin,
            InterludeClient(server.url) as cover,
            InterludeClient(server.url) as client,
        ):
            await admin.login("admin@harbour.example", PASSWORD)
            invitation = await admin.invite(COVER_EMAIL, "Dr. Cover", "therapist")
            await cover.register(invitation_token(invitation["link"]), PASSWORD)
            assert cover.unlocked is not None
            await admin.assign(cover.unlocked.user["id"], team.client_id)
            await client.login(CLIENT_EMAIL, PASSWORD)
            assert team.thread_id is not None
            await client.threads.load(team.thread_id)
            await client.threads.rekey(team.thread_id)

    run_coroutine(join())


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_a_covering_therapist_reads_the_history_only_after_the_client_agrees_in_their_browser(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    team = care_team(server, create_clinic(server, tmp_path, database_url), history=3)
    covering_therapist_joins(server, team)
    log = ConsoleLog()
    cover = browser_page(browser, log, viewport={"width": 1280, "height": 800})
    open_messages(cover, server, COVER_EMAIL, f"/#/messages/{team.thread_id}")
    expect(messages(cover)).to_have_count(3)
    expect(messages(cover).filter(has_text="could not be verified")).to_have_count(3)
    assert "Earlier message" not in cover.content()

    client = browser_page(browser, log, viewport=PHONE)
    open_messages(client, server, CLIENT_EMAIL, f"/#/messages/{team.thread_id}")
    ask = client.get_by_role("region", name="Your earlier messages")
    expect(ask).to_contain_text("Dr. Cover joined your care team", timeout=LIVE)
    assert_accessible(client, "history consent")
    ask.get_by_role("button", name="Let Dr. Cover read them").click()
    expect(ask).to_contain_text("Dr. Cover can now read your earlier messages.", timeout=LIVE)

    cover.reload()
    cover.get_by_label("Password", exact=True).fill(PASSWORD)
    cover.get_by_role("button", name="Unlock").click()
    expect(messages(cover)).to_have_count(3, timeout=SLOW)
    assert texts(cover) == [f"Earlier message {n}" for n in (1, 2, 3)]

    # Asked once: the client's next visit does not ask again.
    client.reload()
    client.get_by_label("Password", exact=True).fill(PASSWORD)
    client.get_by_role("button", name="Unlock").click()
    expect(messages(client)).to_have_count(3, timeout=SLOW)
    expect(client.get_by_role("region", name="Your earlier messages")).to_have_count(0)
    assert real_errors(log) == []
