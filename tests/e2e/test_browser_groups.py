"""Group threads in Chromium against a real server: an administrator creates a pre-moderated
group and names a moderator; clients read the guidelines, join under pseudonyms and post; a
held post waits for a moderator (its author still reads it after a reload) and reaches no
other member until it is approved in another browser, then arrives live; a report reaches
the moderation queue with the one post it reveals; a muted member's composer says until
when, and a removed member is told. Phone width (360 px) never scrolls sideways. People
are set up with the real CLI and the SDK."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect

from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import ConsoleLog
from tests.e2e.test_browser_accounts import PASSWORD, SLOW, create_clinic, log_in, real_errors
from tests.e2e.test_browser_chat import browser_page
from tests.support.live_server import LiveServer
from tests.support.services import run_coroutine
from web.client import InterludeClient, invitation_token

ADMIN_EMAIL = "admin@harbour.example"
THERAPIST_EMAIL = "rivera@harbour.example"
SAM_EMAIL = "sam@harbour.example"
ALEX_EMAIL = "alex@harbour.example"
JO_EMAIL = "jo@harbour.example"
PHONE: ViewportSize = {"width": 360, "height": 740}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
LIVE = 10_000
GUIDELINES = "Be kind. What is shared here stays here."


@dataclass(frozen=True)
class Clinic:
    therapist_id: str
    sam_id: str
    alex_id: str
    thread_id: str | None


def clinic(
    server: LiveServer,
    admin_link: str,
    *,
    sdk_group: bool = False,
    notes: int = 0,
    outsider: bool = False,
) -> Clinic:
    """Admin, therapist "Dr. Rivera", clients "Sam" and "Alex" on her care team (with
    outsider, also a client "Jo" who is not); with sdk_group an open group made with the
    SDK, Dr. Rivera its moderator and Sam a member (with notes, Dr. Rivera posts once
    before Sam joins and that many notes after)."""

    async def build() -> Clinic:
        async with (
            InterludeClient(server.url) as admin,
            InterludeClient(server.url) as therapist,
            InterludeClient(server.url) as sam,
            InterludeClient(server.url) as alex,
        ):
            await admin.register(invitation_token(admin_link), PASSWORD)
            for person, email, name, role in [
                (therapist, THERAPIST_EMAIL, "Dr. Rivera", "therapist"),
                (sam, SAM_EMAIL, "Sam", "client"),
                (alex, ALEX_EMAIL, "Alex", "client"),
            ]:
                invitation = await admin.invite(email, name, role)
                await person.register(invitation_token(invitation["link"]), PASSWORD)
            if outsider:
                invitation = await admin.invite(JO_EMAIL, "Jo", "client")
                async with InterludeClient(server.url) as jo:
                    await jo.register(invitation_token(invitation["link"]), PASSWORD)
            ids = [p.unlocked.user["id"] for p in (therapist, sam, alex) if p.unlocked]
            therapist_id, sam_id, alex_id = ids
            await admin.assign(therapist_id, sam_id)
            await admin.assign(therapist_id, alex_id)
            thread_id = None
            if sdk_group:
                thread_id = await admin.groups.create(
                    policy="open",
                    title="Morning walk",
                    description="A short check-in before the day.",
                    guidelines=GUIDELINES,
                    moderators=[therapist_id],
                )
                await therapist.groups.join(thread_id, "Guide")
                if notes:
                    await therapist.groups.post(thread_id, "Before Sam came")
                await therapist.groups.invite(thread_id, sam_id)
                await sam.groups.join(thread_id, "Blue Heron")
                for number in range(1, notes + 1):
                    await therapist.groups.post(thread_id, f"Note {number}")
                if not notes:
                    await sam.groups.post(thread_id, "Good morning, everyone.")
                    await therapist.groups.post(thread_id, "Welcome, Blue Heron.")
            return Clinic(therapist_id, sam_id, alex_id, thread_id)

    return run_coroutine(build())


def open_groups(page: Page, server: LiveServer, email: str, path: str = "/#/groups") -> None:
    page.goto(server.url + path)
    log_in(page, email, PASSWORD)
    expect(page.locator("#connection-status")).to_have_text("Connected", timeout=SLOW)


def posts(page: Page) -> Locator:
    return page.get_by_role("log", name="Posts").get_by_role("listitem")


def join(page: Page, title: str, pseudonym: str) -> None:
    """Opens the invitation from the group list: the guidelines come first, then the name."""
    page.get_by_role("link", name=re.compile(f"^{title}")).click(timeout=SLOW)
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible(timeout=SLOW)
    guidelines = page.get_by_role("heading", name="Guidelines")
    name = page.get_by_label("Your name in this group")
    expect(guidelines).to_be_visible()
    assert guidelines.bounding_box()["y"] < name.bounding_box()["y"]  # type: ignore[index]
    expect(page.get_by_text(GUIDELINES)).to_be_visible()
    assert_accessible(page, "invitation")
    name.fill(pseudonym)
    page.get_by_role("button", name="Join the group").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Please read the guidelines, then tick the box to say so."
    )
    page.get_by_label("I have read the group's guidelines").check()
    page.get_by_role("button", name="Join the group").click()
    expect(page.get_by_text(f"You are “{pseudonym}”")).to_be_visible(timeout=SLOW)


def write(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Message")
    box.fill(text)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(box).to_have_value("")


def fits_the_screen(page: Page) -> bool:
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_a_held_post_waits_for_a_moderator_reaches_members_live_and_a_report_reaches_the_queue(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    clinic(server, create_clinic(server, tmp_path, database_url))
    log = ConsoleLog()

    # The administrator creates a pre-moderated group with Dr. Rivera as its moderator.
    admin = browser_page(browser, log, viewport=DESKTOP)
    open_groups(admin, server, ADMIN_EMAIL)
    expect(admin.get_by_role("heading", name="Groups", level=1)).to_be_visible()
    admin.get_by_role("link", name="Create a group").click()
    admin.get_by_label("Title").fill("Evening circle")
    admin.get_by_label("Description").fill("Winding down together after the day.")
    admin.get_by_label("Guidelines").fill(GUIDELINES)
    admin.get_by_label(re.compile("^Pre-moderated")).check()
    admin.get_by_label("Dr. Rivera (therapist)").check(timeout=SLOW)
    assert_accessible(admin, "create a group")
    admin.get_by_role("button", name="Create the group").click()
    expect(admin.get_by_text("The group is created.")).to_be_visible(timeout=SLOW)
    expect(admin.get_by_role("heading", name="Evening circle", level=3)).to_be_visible()
    # Later she names herself a second moderator; the invitation reaches her list at once.
    admin.get_by_role("button", name="Name a moderator… for Evening circle").click()
    admin.get_by_role("dialog").get_by_label("Moderator").select_option(
        label="Ada Admin (administrator)"
    )
    admin.get_by_role("dialog").get_by_role("button", name="Name moderator").click()
    expect(admin.get_by_text("Ada Admin is invited to moderate Evening circle.")).to_be_visible(
        timeout=SLOW
    )
    expect(admin.get_by_role("list", name="Invitations")).to_contain_text(
        "Invited as a moderator", timeout=LIVE
    )
    admin.context.close()

    # The moderator accepts under a name of her own and adds two of her clients.
    moderator = browser_page(browser, log, viewport=DESKTOP)
    open_groups(moderator, server, THERAPIST_EMAIL)
    join(moderator, "Evening circle", "Facilitator")
    expect(moderator.get_by_text("Pre-moderated", exact=True)).to_be_visible()
    moderator.get_by_role("link", name="Moderation").click()
    expect(moderator.get_by_role("heading", name="Moderation: Evening circle")).to_be_visible()
    for name in ["Sam", "Alex"]:
        moderator.get_by_label("Client").select_option(label=name, timeout=SLOW)
        moderator.get_by_role("button", name="Invite to the group").click()
        expect(moderator.get_by_text(f"{name} is invited.")).to_be_visible(timeout=SLOW)

    # Two clients on phones read the guidelines, then join under pseudonyms.
    sam = browser_page(browser, log, viewport=PHONE)
    open_groups(sam, server, SAM_EMAIL)
    expect(sam.get_by_role("list", name="Invitations")).to_contain_text("Evening circle")
    assert_accessible(sam, "group list")
    join(sam, "Evening circle", "Blue Heron")
    alex = browser_page(browser, log, viewport=PHONE)
    open_groups(alex, server, ALEX_EMAIL)
    join(alex, "Evening circle", "Quiet Fox")
    expect(alex.get_by_text("No posts yet.")).to_be_visible()
    assert fits_the_screen(alex)

    # Sam's post is held: he sees "waiting for a moderator", Alex sees nothing.
    expect(sam.get_by_text("a moderator reads each post first")).to_be_visible(timeout=LIVE)
    write(sam, "Hello everyone, I am new here.")
    expect(posts(sam).last).to_contain_text("Waiting for a moderator", timeout=LIVE)
    assert fits_the_screen(sam)
    # After a reload Sam still reads what waits, through his own copy of the post's key.
    sam.reload()
    sam.get_by_label("Password", exact=True).fill(PASSWORD)
    sam.get_by_role("button", name="Unlock").click()
    expect(posts(sam).last).to_contain_text("Hello everyone, I am new here.", timeout=SLOW)
    expect(posts(sam).last).to_contain_text("Waiting for a moderator")
    expect(sam.locator("#connection-status")).to_have_text("Connected", timeout=LIVE)

    # The moderator sees it in the queue (live) with the member behind the pseudonym.
    held = moderator.locator(".queue-item", has_text="Hello everyone, I am new here.")
    expect(held).to_contain_text("Held post", timeout=LIVE)
    expect(held).to_contain_text("Blue Heron (Sam)")
    assert_accessible(moderator, "moderation queue")
    expect(posts(alex)).to_have_count(0)
    expect(alex.get_by_text("Hello everyone")).to_have_count(0)
    held.get_by_role("button", name="Approve the post by Blue Heron").click()
    expect(moderator.get_by_text("Approved.")).to_be_visible(timeout=LIVE)

    # Approved, it arrives live for Alex under the pseudonym; Sam's says "Posted".
    expect(posts(alex)).to_have_count(1, timeout=LIVE)
    expect(posts(alex).first).to_contain_text("Blue Heron")
    expect(posts(alex).first).to_contain_text("Hello everyone, I am new here.")
    expect(posts(alex).first).not_to_contain_text("Sam")
    expect(posts(sam).last).to_contain_text("Posted", timeout=LIVE)
    assert_accessible(alex, "group")

    # Alex reports it; the report reaches the moderator's queue with the post and the note.
    alex.get_by_role("button", name="Report the post by Blue Heron").click()
    dialog = alex.get_by_role("dialog")
    dialog.get_by_label("What is wrong with it?").select_option(label="Someone may be at risk")
    dialog.get_by_label(re.compile("^Anything the moderators should know")).fill("He sounded low.")
    dialog.get_by_role("button", name="Send report").click()
    expect(alex.get_by_text("Thank you. The moderators will look at it.")).to_be_visible(
        timeout=LIVE
    )
    report = moderator.locator(".queue-item", has_text="Report: Someone may be at risk")
    expect(report).to_contain_text("Hello everyone, I am new here.", timeout=LIVE)
    expect(report).to_contain_text("He sounded low.")

    # A post the moderator rejects is never shown to the group; its author is told why.
    write(sam, "Maybe I should name my old school here.")
    second = moderator.locator(".queue-item", has_text="Maybe I should name my old school")
    second.get_by_role("button", name="Reject… the post by Blue Heron").click(timeout=LIVE)
    dialog = moderator.get_by_role("dialog")
    dialog.get_by_label(re.compile("^Why is it not approved")).fill("Please keep places private.")
    dialog.get_by_role("button", name="Reject post").click()
    expect(moderator.get_by_text("Rejected. The author is told why.")).to_be_visible(timeout=LIVE)
    expect(posts(sam).last).to_contain_text(
        "A moderator did not approve this post: Please keep places private.", timeout=LIVE
    )
    expect(posts(alex)).to_have_count(1)

    # The moderation screen, the list and the invitation fit a phone too.
    moderator.set_viewport_size(PHONE)
    assert fits_the_screen(moderator)
    sam.goto(server.url + "/#/groups")
    expect(sam.get_by_role("link", name=re.compile("^Evening circle"))).to_be_visible()
    assert fits_the_screen(sam)
    assert real_errors(log) == []


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_a_muted_member_is_told_until_when_and_a_removed_member_is_told_at_once(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    made = clinic(server, create_clinic(server, tmp_path, database_url), sdk_group=True)
    log = ConsoleLog()
    # A group made with the SDK opens in the browser; the moderator's reply is unread.
    sam = browser_page(browser, log, viewport=PHONE)
    open_groups(sam, server, SAM_EMAIL)
    group = sam.get_by_role("link", name=re.compile("^Morning walk"))
    expect(group).to_contain_text("1 unread", timeout=SLOW)
    group.click()
    expect(sam.get_by_role("heading", name="Morning walk", level=1)).to_be_visible(timeout=SLOW)
    expect(posts(sam)).to_have_count(2)
    expect(posts(sam).first).to_contain_text("Good morning, everyone.")
    expect(posts(sam).last).to_contain_text("Guide")
    expect(sam.get_by_role("button", name="Send", exact=True)).to_be_enabled()

    # The moderator removes Sam's post with a reason; Sam sees it, and why.
    moderator = browser_page(browser, log, viewport=DESKTOP)
    open_groups(moderator, server, THERAPIST_EMAIL, f"/#/groups/{made.thread_id}")
    moderator.get_by_role("button", name="Remove the post by Blue Heron").click(timeout=SLOW)
    dialog = moderator.get_by_role("dialog")
    dialog.get_by_label(re.compile("^Why is it removed")).fill("Please leave out medicine names.")
    dialog.get_by_role("button", name="Remove post").click()
    expect(moderator.get_by_text("Removed. The author is told why.")).to_be_visible(timeout=LIVE)
    expect(posts(sam).first).to_have_text(
        re.compile("A moderator removed your post: Please leave out medicine names."), timeout=LIVE
    )

    moderator.get_by_role("link", name="Moderation").click()
    member = moderator.locator(".group-member", has_text="Blue Heron")
    member.get_by_role("button", name="Mute… Blue Heron").click(timeout=SLOW)
    moderator.get_by_role("dialog").get_by_label("For how long?").select_option(label="1 day")
    moderator.get_by_role("dialog").get_by_role("button", name="Mute").click()
    expect(moderator.get_by_text("Blue Heron is muted until")).to_be_visible(timeout=LIVE)

    # Sam's composer says until when, live, and does not send.
    blocked = sam.locator(".composer-blocked")
    expect(blocked).to_contain_text("A moderator muted you in this group until", timeout=LIVE)
    expect(sam.get_by_role("button", name="Send", exact=True)).to_be_disabled()
    assert fits_the_screen(sam)

    member.get_by_role("button", name="Remove… Blue Heron").click()
    moderator.get_by_role("dialog").get_by_label("Do not let them rejoin").check()
    moderator.get_by_role("dialog").get_by_role("button", name="Remove member").click()
    expect(moderator.get_by_text("Blue Heron is no longer in the group.")).to_be_visible(
        timeout=LIVE
    )
    expect(sam.get_by_text("A moderator removed you from this group.")).to_be_visible(timeout=LIVE)
    expect(blocked).to_have_text("You are no longer a member of this group.")
    assert real_errors(log) == []


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_earlier_posts_load_on_request_and_posts_from_before_joining_say_so(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    made = clinic(server, create_clinic(server, tmp_path, database_url), sdk_group=True, notes=50)
    log = ConsoleLog()
    sam = browser_page(browser, log, viewport=PHONE)
    open_groups(sam, server, SAM_EMAIL, f"/#/groups/{made.thread_id}")
    expect(posts(sam)).to_have_count(50, timeout=SLOW)
    expect(posts(sam).first).to_contain_text("Note 1")
    expect(posts(sam).last).to_contain_text("Note 50")
    sam.get_by_role("button", name="Show earlier posts").click()
    expect(posts(sam)).to_have_count(51)
    expect(posts(sam).first).to_contain_text(
        "Written before you joined; only those who were in the group then can read it."
    )
    expect(sam.get_by_role("button", name="Show earlier posts")).to_be_hidden()
    assert real_errors(log) == []


def group_keys_state(server: LiveServer, thread_id: str) -> tuple[int, bool]:
    """The group's epoch and whether it needs new keys, as its moderator reads them."""

    async def read() -> tuple[int, bool]:
        async with InterludeClient(server.url) as therapist:
            await therapist.login(THERAPIST_EMAIL, PASSWORD)
            detail = await therapist.groups.detail(thread_id)
            return int(detail["epoch"]), bool(detail["needs_rekey"])

    return run_coroutine(read())


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_a_moderator_invites_any_client_sees_who_is_invited_withdraws_and_rekeys_after_a_deletion(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    made = clinic(
        server, create_clinic(server, tmp_path, database_url), sdk_group=True, outsider=True
    )
    assert made.thread_id is not None
    log = ConsoleLog()
    moderator = browser_page(browser, log, viewport=PHONE)
    open_groups(moderator, server, THERAPIST_EMAIL, f"/#/groups/{made.thread_id}/moderation")
    picker = moderator.get_by_label("Client")
    expect(picker.locator("option")).to_have_text(["Alex", "Jo"], timeout=SLOW)

    # Jo is not on Dr. Rivera's care team, but is a client of the clinic.
    picker.select_option(label="Jo")
    moderator.get_by_role("button", name="Invite to the group").click()
    expect(moderator.get_by_text("Jo is invited.")).to_be_visible(timeout=SLOW)
    invited = moderator.get_by_role("list", name="Invited, not joined yet")
    expect(invited).to_contain_text("Jo")
    expect(picker.locator("option")).to_have_text(["Alex"])
    assert_accessible(moderator, "moderation with an invitation")
    assert fits_the_screen(moderator)

    invited.get_by_role("button", name="Withdraw invitation for Jo").click()
    expect(moderator.get_by_text("The invitation for Jo is withdrawn.")).to_be_visible(timeout=LIVE)
    expect(invited).to_contain_text("No invitation is waiting for an answer.")
    expect(picker.locator("option")).to_have_text(["Alex", "Jo"])

    # Sam's account is deleted: the moderator's open tab gives the group new keys.
    epoch, _ = group_keys_state(server, made.thread_id)

    async def delete_sam() -> None:
        async with InterludeClient(server.url) as admin:
            await admin.login(ADMIN_EMAIL, PASSWORD)
            await admin.request("POST", f"/api/clinic/people/{made.sam_id}/delete", {})

    run_coroutine(delete_sam())
    members = moderator.get_by_role("list", name="Members")
    # The list is shown again only after the new epoch was made (or an error shown).
    expect(members).not_to_contain_text("Blue Heron", timeout=SLOW)
    expect(members).to_contain_text("Guide")
    assert group_keys_state(server, made.thread_id) == (epoch + 1, False)
    assert real_errors(log) == []
