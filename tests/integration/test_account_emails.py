"""Invitation and security-notice emails, end to end through the job runner and a real
SMTP server. They carry a working link and nothing personal."""

from email.message import EmailMessage

from messaging.sign_ins import NOTICE_WINDOW
from tests.support.clock import FrozenClock
from tests.support.notifier import deliver
from tests.support.smtp import SmtpSink
from tests.support.world import PASSWORD, Api, unique_email
from web.client import invitation_token

CANARY_NAME = "Canary-Name-7f3a"


def text_of(message: EmailMessage) -> str:
    parts = [part.get_content() for part in message.walk() if part.get_content_maintype() == "text"]
    return "\n".join([str(message["Subject"]), *parts])


async def test_the_invitation_email_carries_a_working_link_and_no_name(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    admin = await api.create_clinic()
    email = unique_email("client")
    await admin.client.invite(email, CANARY_NAME, "client")
    await deliver(api, smtp, clock)

    invitation = next(m for m in smtp.messages if m["To"] == email)
    assert invitation["Subject"] == "You're invited to Interlude"
    assert invitation["Auto-Submitted"] == "auto-generated"
    assert invitation["Message-ID"].startswith("<job-")
    assert CANARY_NAME not in text_of(invitation)
    body = invitation.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = next(word for word in body.split() if "/#/invite/" in word)

    person = await api.register(invitation_token(link), email)
    assert (await person.client.me())["user"]["display_name"] == CANARY_NAME


async def test_a_revoked_invitation_sends_no_email(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    admin = await api.create_clinic()
    await deliver(api, smtp, clock)
    before = len(smtp.messages)
    invitation = await admin.client.invite("withdrawn@example.org", "W", "client")
    await admin.client.revoke_invitation(invitation["id"])
    await deliver(api, smtp, clock)
    assert len(smtp.messages) == before


async def test_a_new_login_sends_a_security_notice_naming_only_the_device(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    admin = await api.create_clinic()
    await api.new_client("Firefox on a library computer").login(admin.email, PASSWORD)
    clock.advance(NOTICE_WINDOW)
    await deliver(api, smtp, clock)

    # The admin's invitation was accepted before the worker ran, so it is not sent.
    [login_notice] = [m for m in smtp.messages if m["To"] == admin.email]
    assert "Firefox on a library computer" in text_of(login_notice)
    assert "List-Unsubscribe" not in login_notice, "security notices cannot be turned off"


async def test_password_change_and_recovery_send_security_notices(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    admin = await api.create_clinic()
    await admin.client.change_password(PASSWORD, "another long passphrase")
    await api.new_client().recover(admin.email, admin.recovery_code, "a third long passphrase")
    await deliver(api, smtp, clock)

    subjects = [m["Subject"] for m in smtp.messages if m["To"] == admin.email]
    assert subjects == [
        "Your Interlude password was changed",
        "Your Interlude recovery key was used",
    ]


def login_notices(smtp: SmtpSink, email: str) -> list[EmailMessage]:
    return [m for m in smtp.messages if m["To"] == email and "New sign-in" in m["Subject"]]


async def test_a_device_is_new_only_the_first_time_it_signs_in(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    admin = await api.create_clinic()
    # The device someone registered on is theirs already.
    await admin.client.login(admin.email, PASSWORD)
    laptop = api.new_client("Chrome on Linux")
    for _ in range(3):
        await laptop.login(admin.email, PASSWORD)
        clock.advance(NOTICE_WINDOW * 3)
        await deliver(api, smtp, clock)
    [notice] = login_notices(smtp, admin.email)
    assert "Chrome on Linux" in text_of(notice)
    assert "more sign-in" not in text_of(notice)


async def test_sign_ins_from_new_devices_within_minutes_make_one_email(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    admin = await api.create_clinic()
    for n in range(5):
        await api.new_client(f"Browser {n}").login(admin.email, PASSWORD)
        clock.advance(NOTICE_WINDOW / 10)
    clock.advance(NOTICE_WINDOW)
    await deliver(api, smtp, clock)
    [notice] = login_notices(smtp, admin.email)
    assert "Browser 0" in text_of(notice)
    assert "followed by 4 more sign-ins from new devices" in text_of(notice)

    # A new device after that notice went out gets a notice of its own.
    await api.new_client("Browser 5").login(admin.email, PASSWORD)
    clock.advance(NOTICE_WINDOW)
    await deliver(api, smtp, clock)
    assert len(login_notices(smtp, admin.email)) == 2
