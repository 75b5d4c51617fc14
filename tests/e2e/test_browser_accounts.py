"""The account pages in Chromium against a real server: joining by invitation with the
recovery code, logging in and unlocking, devices, password change, recovery and the admin
screens. Locators go by role and label, so the pages' accessibility is checked as we go."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ConsoleLog
from tests.support.live_server import INTERLUDE, LiveServer, interlude_env

PASSWORD = "calm river orchard lantern 42"
NEW_PASSWORD = "quiet harbour pebble kettle 7"
# Argon2id at the moderate cost (256 MiB) takes about a second in headless Chromium.
SLOW = 20_000
# Chromium reports every 4xx answer to fetch on the console; those are expected here.
NETWORK_NOISE = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d")


def create_clinic(server: LiveServer, data_dir: Path, database_url: str) -> str:
    """The first admin's invitation link, printed by `interlude admin create-clinic`."""
    clinic = ["--name", "Harbour Clinic", "--admin-email", "admin@harbour.example"]
    result = subprocess.run(
        [*INTERLUDE, "admin", "create-clinic", *clinic, "--admin-name", "Ada Admin"],
        env=interlude_env(data_dir, database_url, INTERLUDE_PUBLIC_URL=server.url),
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"\S+/#/invite/\S+", result.stdout)
    assert found, result.stdout
    return found.group(0)


def new_page(browser: Browser, log: ConsoleLog) -> Page:
    """A page in a fresh browser context (no shared storage), reporting into log."""
    opened = browser.new_context().new_page()
    opened.on("console", lambda m: m.type == "error" and log.errors.append(m.text))
    opened.on("pageerror", lambda error: log.errors.append(str(error)))
    return opened


# Requests the page makes while a test holds it offline fail; Chromium words it either way.
OFFLINE_NOISE = re.compile(r"^Failed to load resource: net::ERR_(FAILED|INTERNET_DISCONNECTED)$")


def real_errors(log: ConsoleLog, *, went_offline: bool = False) -> list[str]:
    """Console errors other than expected 4xx answers (and, if the test cut the network,
    the requests that failed while it was cut)."""
    return [
        error
        for error in log.errors
        if not NETWORK_NOISE.match(error) and not (went_offline and OFFLINE_NOISE.match(error))
    ]


def register(page: Page, link: str, *, try_a_wrong_group: bool = False) -> str:
    """Accepts the invitation at link, confirms the recovery code; returns the code."""
    page.goto(link)
    expect(page.get_by_role("heading", name="Join Interlude")).to_be_visible()
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()

    code = page.get_by_role("list", name="Your recovery code")
    expect(code).to_be_visible(timeout=SLOW)
    groups = code.get_by_role("listitem").all_inner_texts()
    assert len(groups) == 14
    page.get_by_role("button", name="I have saved my code").click()

    group = page.get_by_label(re.compile(r"^Group \d+ of your recovery code"))
    label = page.locator("label", has_text="of your recovery code").inner_text()
    asked = int(label.split()[1])
    if try_a_wrong_group:
        group.fill("0000" if groups[asked - 1] != "0000" else "1111")
        page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_role("alert")).to_have_text(re.compile(f"That isn't group {asked}"))
        expect(page.get_by_role("heading", name="Check your saved code")).to_be_visible()
    group.fill(groups[asked - 1].lower())
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Hello, "))).to_be_visible()
    return "-".join(groups)


def go_to(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def log_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def invite(page: Page, name: str, email: str, role: str) -> str:
    go_to(page, "Invitations")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Role").select_option(label=role)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("heading", name=f"Invitation ready for {name}")).to_be_visible()
    expect(page.get_by_text(f"An email with this link was also queued for {email}")).to_be_visible()
    return page.get_by_label("Invitation link").input_value()


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_invited_people_register_and_a_client_logs_in_and_unlocks_from_a_fresh_browser(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    log = ConsoleLog()
    admin = new_page(browser, log)
    register(admin, create_clinic(server, tmp_path, database_url), try_a_wrong_group=True)
    expect(
        admin.get_by_text("You are logged in to Harbour Clinic as a clinic administrator")
    ).to_be_visible()

    therapist_link = invite(admin, "Theo Therapist", "theo@harbour.example", "Therapist")
    client_link = invite(admin, "Cleo Client", "cleo@harbour.example", "Client")
    open_invitations = admin.get_by_role("table", name="Open invitations")
    expect(open_invitations.get_by_role("row")).to_have_count(3)

    register(new_page(browser, log), therapist_link)
    client = new_page(browser, log)
    register(client, client_link)
    expect(client.get_by_role("link", name="People")).to_have_count(0)

    go_to(admin, "Care teams")
    admin.get_by_label("Therapist").select_option(label="Theo Therapist (theo@harbour.example)")
    admin.get_by_label("Client").select_option(label="Cleo Client (cleo@harbour.example)")
    admin.get_by_role("button", name="Assign therapist").click()
    expect(admin.get_by_text("Theo Therapist now works with Cleo Client.")).to_be_visible()
    expect(admin.get_by_role("table", name="Assigned therapists").get_by_role("row")).to_have_count(
        2
    )

    go_to(admin, "People")
    people = admin.get_by_role("table", name="People in your clinic")
    expect(people.get_by_role("row")).to_have_count(4)
    expect(people.get_by_role("button", name="Disable Ada Admin")).to_have_count(0)
    people.get_by_role("button", name="Disable Theo Therapist").click()
    dialog = admin.get_by_role("dialog", name="Disable Theo Therapist?")
    expect(dialog).to_be_visible()
    admin.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    people.get_by_role("button", name="Disable Theo Therapist").click()
    dialog.get_by_role("button", name="Disable Theo Therapist").click()
    expect(admin.get_by_text("Theo Therapist is disabled. 1 session ended.")).to_be_visible()
    expect(people.get_by_role("row", name=re.compile("Theo Therapist.*Disabled"))).to_be_visible()
    go_to(admin, "Audit trail")
    trail = admin.get_by_role("table", name="Audit events, newest first")
    expect(
        trail.get_by_role("row", name=re.compile("Therapist assigned .*Ada Admin.*Cleo Client"))
    ).to_be_visible()

    fresh = new_page(browser, log)
    fresh.goto(server.url + "/")
    expect(fresh.get_by_role("heading", name="Log in to Interlude")).to_be_visible()
    log_in(fresh, "cleo@harbour.example", "not my password at all")
    expect(fresh.get_by_role("alert")).to_have_text(
        "That email and password didn't match. Check them, or use your recovery code.", timeout=SLOW
    )
    log_in(fresh, "cleo@harbour.example", PASSWORD)
    expect(fresh.get_by_text("Unlocking your messages…")).to_be_visible()
    expect(fresh.get_by_role("heading", name="Hello, Cleo Client")).to_be_visible(timeout=SLOW)
    assert [w.url for w in fresh.workers if w.url.endswith("/static/js/kdf-worker.js")]
    expect(fresh.locator("#connection-status")).to_have_text("Connected")

    fresh.reload()
    expect(fresh.get_by_role("heading", name="Unlock your messages")).to_be_visible()
    expect(fresh.get_by_label("Email")).to_have_count(0)
    fresh.get_by_label("Password", exact=True).fill("still not my password")
    fresh.get_by_role("button", name="Unlock").click()
    expect(fresh.get_by_role("alert")).to_have_text(
        "That password didn't work. Check it, or use your recovery code.", timeout=SLOW
    )
    fresh.get_by_label("Password", exact=True).fill(PASSWORD)
    fresh.get_by_role("button", name="Unlock").click()
    expect(fresh.get_by_role("heading", name="Hello, Cleo Client")).to_be_visible(timeout=SLOW)

    assert real_errors(log) == []


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_devices_password_change_and_recovery_keep_the_account_usable(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    log = ConsoleLog()
    first = new_page(browser, log)
    code = register(first, create_clinic(server, tmp_path, database_url))
    second = new_page(browser, log)
    second.goto(server.url + "/#/devices")
    log_in(second, "admin@harbour.example", PASSWORD)
    expect(second.get_by_role("heading", name="My devices")).to_be_visible(timeout=SLOW)

    devices = second.get_by_role("list", name="Devices logged in to your account")
    expect(devices.get_by_role("listitem")).to_have_count(2)
    expect(devices.get_by_text("This device", exact=True)).to_have_count(1)
    second.get_by_role("button", name="Log out all other devices").click()
    expect(second.get_by_role("status").filter(has_text="Logged out")).to_have_text(
        "Logged out 1 other device."
    )
    expect(devices.get_by_role("listitem")).to_have_count(1)
    # The server closed the other device's socket at once, before it did anything.
    expect(first.locator("#connection-status")).to_have_text(
        "Not connected. Log in again to receive new messages."
    )

    go_to(first, "My devices")
    expect(first.get_by_role("heading", name="Log in to Interlude")).to_be_visible()
    expect(first.get_by_text("Your session has ended. Please log in again.")).to_be_visible()

    go_to(second, "Change password")
    second.get_by_label("Current password").fill(PASSWORD)
    second.get_by_label("New password", exact=True).fill("short")
    expect(second.get_by_text("Too weak — add a few more words.")).to_be_visible()
    second.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    second.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    second.get_by_role("button", name="Change password").click()
    expect(second.get_by_text("Your password is changed.")).to_be_visible(timeout=SLOW)
    second.reload()
    second.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    second.get_by_role("button", name="Unlock").click()
    expect(second.get_by_role("heading", name="Change your password")).to_be_visible(timeout=SLOW)

    second.get_by_role("button", name="Log out", exact=True).click()
    expect(second.get_by_text("You have logged out.")).to_be_visible()
    second.get_by_role("link", name="Use your recovery code").click()
    # Wait for the recover screen, or the email may land in the login form being replaced.
    expect(second.get_by_role("heading", name="Recover your account")).to_be_visible(timeout=SLOW)
    second.get_by_label("Email").fill("admin@harbour.example")
    second.get_by_label("Recovery code").fill(code[:-1] + ("0" if code[-1] != "0" else "1"))
    second.get_by_label("New password", exact=True).fill(PASSWORD)
    second.get_by_label("Repeat the new password").fill(PASSWORD)
    second.get_by_role("button", name="Recover my account").click()
    expect(second.get_by_role("alert")).to_have_text(re.compile("That recovery code has a typo"))
    second.get_by_label("Recovery code").fill(code.replace("-", " ").lower())
    second.get_by_role("button", name="Recover my account").click()
    expect(second.get_by_role("heading", name="Hello, Ada Admin")).to_be_visible(timeout=SLOW)
    expect(second.get_by_text("Your new password is set.")).to_be_visible()

    assert real_errors(log) == []
