"""The browser as a person in distress meets it (issue 14), in Chromium against a real
server: a new clinic's admin is shown where to start and sets the clinic's crisis resources;
"Need help now?" then shows them with tap-to-call and tap-to-text links to anyone on that
device, logged out and offline too."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ConsoleLog
from tests.e2e.test_browser_accounts import real_errors, register
from tests.e2e.test_browser_chat import browser_page
from tests.support.live_server import INTERLUDE, LiveServer, interlude_env

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
    admin = browser_page(browser, log, viewport=PHONE)
    register(admin, create_clinic_in(server, tmp_path, database_url, "GB"))
    expect(admin.get_by_role("heading", name="Hello, Ada Admin", level=1)).to_be_visible()

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

    # Logged out, the help page shows them, numbers as tap-to-call and tap-to-text links.
    admin.get_by_role("button", name="Menu").click()
    admin.get_by_role("button", name="Log out").click()
    expect(admin.get_by_role("heading", name="Log in", level=1)).to_be_visible()
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

    # A device that never knew the clinic shows emergency numbers, also as links.
    stranger = browser_page(browser, log, viewport=PHONE)
    stranger.goto(server.url + "/#/help")
    expect(stranger.get_by_role("heading", name="Need help now?", level=1)).to_be_visible()
    expect(stranger.get_by_role("link", name="112")).to_have_attribute("href", "tel:112")
    expect(stranger.get_by_text("Your local emergency number is the fastest way")).to_be_visible()
    offline_noise = re.compile(r"net::ERR_INTERNET_DISCONNECTED|Failed to fetch")
    assert [e for e in real_errors(log) if not offline_noise.search(e)] == []
