"""Email templates and composition: neutral content, both parts, the promised headers."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

import pytest

from worker.mail import templates
from worker.mail.compose import compose_email, message_id
from worker.mail.kinds import MailKind
from worker.mail.layout import RenderedMail
from worker.mail.wire import message_bytes

LINK = "https://app.interlude.example/open?from=email&k=1"
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PUBLIC_URL = "https://app.interlude.example"
MAIL_FROM = "Interlude <no-reply@interlude.example>"
INJECTED = "<script>alert(\"x\")</script> & <b onclick='y'>"


def render_each_kind(text: str, link: str = LINK) -> dict[MailKind, RenderedMail]:
    """Every kind rendered with `text` in every free-text parameter it has."""
    return {
        MailKind.INVITATION: templates.invitation(
            sender_name=text, accept_url=link, expires_on=text, role="client"
        ),
        MailKind.NEW_MESSAGE_NOTICE: templates.new_message_notice(
            sender_name=text, new_messages=2, open_url=link
        ),
        MailKind.DIGEST: templates.digest(
            sender_name=text, new_messages=5, threads_with_news=3, period=text, open_url=link
        ),
        MailKind.SECURITY_NEW_LOGIN: templates.security_new_login(
            sender_name=text, device_label=text, signed_in_at=text, devices_url=link
        ),
        MailKind.SECURITY_PASSWORD_CHANGED: templates.security_password_changed(
            sender_name=text, changed_at=text, account_url=link
        ),
        MailKind.SECURITY_RECOVERY_USED: templates.security_recovery_used(
            sender_name=text, used_at=text, account_url=link
        ),
        MailKind.OVERDUE_REPLY_REMINDER: templates.overdue_reply_reminder(
            sender_name=text, overdue_threads=4, inbox_url=link
        ),
        MailKind.LIVE_SESSION_SOON: templates.live_session_soon(
            sender_name=text, starts_at=text, session_url=link
        ),
        MailKind.LIVE_SESSION_CHANGED: templates.live_session_changed(
            sender_name=text, change="moved", new_start=text, session_url=link
        ),
        MailKind.JOURNALING_PROMPT: templates.journaling_prompt(
            sender_name=text, wording=text, journal_url=link
        ),
        MailKind.URGENT_NOTICE: templates.urgent_notice(
            sender_name=text, on_call=True, inbox_url=link
        ),
        MailKind.ACCOUNT_DELETED: templates.account_deleted(
            sender_name=text, deleted_on=text, about_url=link
        ),
    }


def compose(
    rendered: RenderedMail,
    *,
    job_id: int = 41,
    now: datetime = NOW,
    unsubscribe_url: str | None = None,
) -> EmailMessage:
    return compose_email(
        rendered,
        job_id=job_id,
        to="reader@example.org",
        mail_from=MAIL_FROM,
        public_url=PUBLIC_URL,
        now=now,
        unsubscribe_url=unsubscribe_url,
    )


def parts(message: EmailMessage) -> tuple[str, str]:
    text_part = message.get_body(("plain",))
    html_part = message.get_body(("html",))
    assert isinstance(text_part, EmailMessage)
    assert isinstance(html_part, EmailMessage)
    return text_part.get_content(), html_part.get_content()


def over_the_wire(message: EmailMessage) -> EmailMessage:
    parsed = BytesParser(policy=policy.default).parsebytes(message_bytes(message))
    assert isinstance(parsed, EmailMessage)
    return parsed


ALL_KINDS = list(MailKind)
SECURITY_KINDS = [kind for kind in MailKind if kind.is_security]
OTHER_KINDS = [kind for kind in MailKind if not kind.is_security]


def test_every_kind_has_a_template_rendering_that_kind() -> None:
    rendered = render_each_kind("Interlude")

    assert set(rendered) == set(MailKind)
    assert all(mail.kind == kind for kind, mail in rendered.items())


def test_security_kinds_are_the_three_security_notices() -> None:
    assert {kind.value for kind in SECURITY_KINDS} == {
        "security_new_login",
        "security_password_changed",
        "security_recovery_used",
    }


NEUTRAL_PARAMETERS = {
    "sender_name",
    "role",
    "expires_on",
    "new_messages",
    "threads_with_news",
    "overdue_threads",
    "period",
    "device_label",
    "signed_in_at",
    "sign_ins",
    "changed_at",
    "used_at",
    "starts_at",
    "new_start",
    "change",
    "wording",
    "on_call",
    "deleted_on",
}


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_templates_accept_only_neutral_parameters(kind: MailKind) -> None:
    template: Callable[..., RenderedMail] = getattr(templates, kind.value)
    names = set(inspect.signature(template).parameters)
    assert {name for name in names if not name.endswith("_url")} <= NEUTRAL_PARAMETERS


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_renders_a_text_part_and_an_html_part(kind: MailKind) -> None:
    message = over_the_wire(compose(render_each_kind("Riverside Practice")[kind]))

    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    text, html = parts(message)
    assert text.strip()
    assert html.strip()


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_text_part_alone_is_complete_with_the_link_and_the_sender(kind: MailKind) -> None:
    text, _ = parts(over_the_wire(compose(render_each_kind("Riverside Practice")[kind])))

    assert LINK in text.splitlines()
    assert "Riverside Practice" in text
    assert "<" not in text


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_html_part_escapes_injected_markup(kind: MailKind) -> None:
    link = 'https://app.interlude.example/open?x="onmouseover=alert(1)'
    _, html = parts(compose(render_each_kind(INJECTED, link=link)[kind]))

    assert "<script" not in html
    assert "onclick='y'" not in html
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b onclick=&#x27;y&#x27;&gt;"
        in (html)
    )
    assert 'x="onmouseover' not in html
    assert "x=&quot;onmouseover=alert(1)" in html


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_subject_is_a_fixed_phrase_whatever_the_data(kind: MailKind) -> None:
    first = render_each_kind("Riverside Practice")[kind].subject
    second = render_each_kind(INJECTED, link="https://other.example/x")[kind].subject

    assert first == second
    assert "Riverside" not in first
    assert "Interlude" in first


def test_new_message_subject_says_a_message_without_who_or_what() -> None:
    one = templates.new_message_notice(sender_name="Interlude", new_messages=1, open_url=LINK)
    many = templates.new_message_notice(sender_name="Interlude", new_messages=3, open_url=LINK)

    assert one.subject == "You have a new message on Interlude"
    assert many.subject == "You have new messages on Interlude"
    assert "3 new messages" in many.text


def test_counts_and_times_appear_in_the_body() -> None:
    digest = templates.digest(
        sender_name="Interlude",
        new_messages=5,
        threads_with_news=3,
        period="since Monday 2 November",
        open_url=LINK,
    )
    login = templates.security_new_login(
        sender_name="Interlude",
        device_label="Firefox on Linux",
        signed_in_at="Tuesday 3 November, 21:40",
        devices_url=LINK,
    )

    assert "New messages: 5" in digest.text
    assert "Conversations with something new: 3" in digest.text
    assert "since Monday 2 November" in digest.text
    assert "Firefox on Linux" in login.text
    assert "Tuesday 3 November, 21:40" in login.html


@pytest.mark.parametrize(
    ("role", "phrase"),
    [("therapist", "as a therapist"), ("client", "as a client"), ("administrator", "as an admin")],
)
def test_invitation_names_the_role_with_its_article(role: templates.Role, phrase: str) -> None:
    mail = templates.invitation(
        sender_name="Interlude", accept_url=LINK, expires_on="9 November", role=role
    )

    assert phrase in mail.text
    assert "9 November" in mail.text


def test_invitation_refuses_an_unknown_role() -> None:
    with pytest.raises(ValueError, match="role"):
        templates.invitation(
            sender_name="Interlude",
            accept_url=LINK,
            expires_on="9 November",
            role="supervisor",  # type: ignore[arg-type]
        )


def test_free_text_is_flattened_to_one_line_and_cut_to_length() -> None:
    mail = templates.security_new_login(
        sender_name="Interlude",
        device_label="Firefox\r\nBcc: someone@example.org\x00" + "x" * 500,
        signed_in_at="21:40",
        devices_url=LINK,
    )

    line = next(line for line in mail.text.splitlines() if "Firefox" in line)
    assert "Firefox Bcc someone example org" in line
    assert "\x00" not in mail.text
    assert "x" * 200 not in mail.text
    assert "…" in line


@pytest.mark.parametrize(
    "label",
    [
        "https://evil.example/reset",
        "www.evil.example",
        "evil.example",
        "help@evil.example",
        "javascript:alert(1)",
        "\uff48ttps\uff1a//evil\uff0eexample",
    ],
)
def test_a_device_label_cannot_become_a_link_in_the_sign_in_notice(label: str) -> None:
    mail = templates.security_new_login(
        sender_name="Interlude", device_label=label, signed_in_at="21:40", devices_url=LINK
    )
    line = next(line for line in mail.text.splitlines() if "new device" in line)
    device = line[line.index("(") + 1 : line.rindex(")")]
    assert not any(mark in device for mark in (":", "/", "@", ".", "\uff1a", "\uff0e"))
    assert "evil" in device or "alert" in device


def test_a_version_number_in_a_device_label_keeps_its_dot() -> None:
    mail = templates.security_new_login(
        sender_name="Interlude",
        device_label="Firefox 128.0 on Linux",
        signed_in_at="21:40",
        devices_url=LINK,
    )
    assert "(Firefox 128.0 on Linux)" in mail.text


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "/relative/path",
        "https://app.example/with space",
        "https://app.example/<tag>",
        "ftp://app.example/file",
        "https://app.example/\nX-Injected: 1",
    ],
)
def test_templates_refuse_links_that_are_not_plain_http(link: str) -> None:
    with pytest.raises(ValueError, match="open_url"):
        templates.new_message_notice(sender_name="Interlude", new_messages=1, open_url=link)


@pytest.mark.parametrize("count", [0, -1])
def test_a_notice_needs_at_least_one_message(count: int) -> None:
    with pytest.raises(ValueError, match="new_messages"):
        templates.new_message_notice(sender_name="Interlude", new_messages=count, open_url=LINK)


def test_an_empty_time_or_sender_is_refused() -> None:
    with pytest.raises(ValueError, match="starts_at"):
        templates.live_session_soon(sender_name="Interlude", starts_at=" \n", session_url=LINK)
    with pytest.raises(ValueError, match="sender_name"):
        templates.live_session_soon(sender_name="", starts_at="10:00", session_url=LINK)


def test_a_moved_session_gives_the_new_time_and_a_cancelled_one_none() -> None:
    moved = templates.live_session_changed(
        sender_name="Interlude", change="moved", new_start="Thursday 16:00", session_url=LINK
    )
    cancelled = templates.live_session_changed(
        sender_name="Interlude", change="cancelled", new_start=None, session_url=LINK
    )

    assert "Thursday 16:00" in moved.text
    assert "cancelled" in cancelled.text
    with pytest.raises(ValueError, match="new_start"):
        templates.live_session_changed(
            sender_name="Interlude", change="moved", new_start=None, session_url=LINK
        )
    with pytest.raises(ValueError, match="new_start"):
        templates.live_session_changed(
            sender_name="Interlude", change="cancelled", new_start="16:00", session_url=LINK
        )


# Headers


def notice() -> RenderedMail:
    return templates.new_message_notice(
        sender_name="Riverside Practice", new_messages=1, open_url=LINK
    )


def test_message_id_is_the_same_for_every_attempt_of_a_job() -> None:
    first = compose(notice(), job_id=41, now=NOW)
    retry = compose(notice(), job_id=41, now=NOW + timedelta(minutes=5))

    assert (
        first["Message-ID"]
        == retry["Message-ID"]
        == "<job-41.new_message_notice@app.interlude.example>"
    )


def test_message_id_differs_between_jobs_and_kinds() -> None:
    digest = templates.digest(
        sender_name="Interlude", new_messages=1, threads_with_news=1, period="today", open_url=LINK
    )
    ids = {
        compose(notice(), job_id=41)["Message-ID"],
        compose(notice(), job_id=42)["Message-ID"],
        compose(digest, job_id=41)["Message-ID"],
    }

    assert len(ids) == 3


def test_message_id_brackets_an_ipv6_host() -> None:
    assert message_id(job_id=1, kind="digest", public_url="http://[::1]:8000") == (
        "<job-1.digest@[::1]>"
    )


def test_date_is_the_given_moment() -> None:
    moment = datetime(2026, 11, 2, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    message = over_the_wire(compose(notice(), now=moment))

    assert parsedate_to_datetime(str(message["Date"])) == moment


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        compose(notice(), now=datetime(2026, 11, 2, 9, 0))


def test_from_shows_the_clinic_sender_name_with_the_configured_address() -> None:
    message = over_the_wire(compose(notice()))

    (sender,) = message["From"].addresses
    assert sender.display_name == "Riverside Practice"
    assert sender.addr_spec == "no-reply@interlude.example"
    assert [address.addr_spec for address in message["To"].addresses] == ["reader@example.org"]


def test_recipient_must_be_a_bare_address_so_no_name_travels_in_headers() -> None:
    with pytest.raises(ValueError, match="addr_spec"):
        compose_email(
            notice(),
            job_id=1,
            to="Jane Client <jane@example.org>",
            mail_from=MAIL_FROM,
            public_url=PUBLIC_URL,
            now=NOW,
        )


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_email_is_marked_auto_generated(kind: MailKind) -> None:
    message = over_the_wire(compose(render_each_kind("Interlude")[kind]))

    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Subject"] == render_each_kind("Interlude")[kind].subject


@pytest.mark.parametrize("kind", OTHER_KINDS)
def test_non_security_kinds_offer_one_click_unsubscribe(kind: MailKind) -> None:
    url = "https://app.interlude.example/unsubscribe?token=" + "t" * 180
    message = over_the_wire(compose(render_each_kind("Interlude")[kind], unsubscribe_url=url))

    assert message["List-Unsubscribe"] == f"<{url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.parametrize("kind", SECURITY_KINDS)
def test_security_kinds_never_offer_unsubscribe(kind: MailKind) -> None:
    url = "https://app.interlude.example/unsubscribe?token=abc"
    message = over_the_wire(compose(render_each_kind("Interlude")[kind], unsubscribe_url=url))

    assert "List-Unsubscribe" not in message
    assert "List-Unsubscribe-Post" not in message


def test_without_an_unsubscribe_url_there_are_no_unsubscribe_headers() -> None:
    message = compose(notice())

    assert "List-Unsubscribe" not in message
    assert "List-Unsubscribe-Post" not in message


def test_an_unsafe_unsubscribe_url_is_refused() -> None:
    with pytest.raises(ValueError, match="unsubscribe_url"):
        compose(notice(), unsubscribe_url="https://app.example/u>\r\nBcc: x@example.org")


def test_serialised_email_is_seven_bit_clean_even_with_accented_names() -> None:
    mail = templates.journaling_prompt(
        sender_name="Clinique Sérénité",
        wording="Prenez un moment pour écrire — quelques mots suffisent.",
        journal_url=LINK,
    )

    raw = message_bytes(compose(mail))
    text, _ = parts(over_the_wire(compose(mail)))

    assert raw.isascii()
    assert "écrire — quelques mots" in text
    assert over_the_wire(compose(mail))["From"].addresses[0].display_name == "Clinique Sérénité"
