"""One template per kind of email, each taking only neutral data.

A template's parameters are links, counts, times already formatted in the recipient's
zone, a few fixed words and the clinic's neutral sender name. None accepts message text,
a thread title, a client's name or a therapist's note, so none can leak them. Subjects
are fixed phrases that interpolate nothing. Every template raises ValueError for a value
it cannot render safely (a non-http link, a negative count, an empty time).
"""

from __future__ import annotations

from typing import Literal

from worker.mail.kinds import MailKind
from worker.mail.layout import (
    Action,
    Paragraph,
    RenderedMail,
    checked_link,
    clean_text,
    inert_text,
    render_mail,
)

Role = Literal["therapist", "client", "administrator"]
SessionChange = Literal["moved", "cancelled"]

ROLE_PHRASES: dict[str, str] = {
    "therapist": "a therapist",
    "client": "a client",
    "administrator": "an administrator",
}
SENDER_NAME_LIMIT = 80
SHORT_TEXT_LIMIT = 120
PROMPT_LIMIT = 500


def invitation(*, sender_name: str, accept_url: str, expires_on: str, role: Role) -> RenderedMail:
    """An invitation to join as `role`, open until `expires_on` (already formatted)."""
    sender = _sender(sender_name)
    if role not in ROLE_PHRASES:
        raise ValueError(f"role must be one of {', '.join(ROLE_PHRASES)}")
    return render_mail(
        MailKind.INVITATION,
        sender_name=sender,
        subject="You're invited to Interlude",
        blocks=[
            Paragraph("Hello,"),
            Paragraph(f"You have been invited to join Interlude as {ROLE_PHRASES[role]}."),
            Paragraph(
                "To accept, open the link below and choose a password. "
                f"The invitation stays open until {_short(expires_on, 'expires_on')}."
            ),
            Action("Accept the invitation", checked_link(accept_url, field="accept_url")),
            Paragraph(
                "If you were not expecting this, you can ignore this email. "
                "Nothing happens unless you accept."
            ),
        ],
    )


def new_message_notice(*, sender_name: str, new_messages: int, open_url: str) -> RenderedMail:
    """A notice that `new_messages` (at least one) messages are waiting."""
    count = _count(new_messages, "new_messages", minimum=1)
    waiting = (
        "There is a new message waiting for you on Interlude."
        if count == 1
        else f"There are {count} new messages waiting for you on Interlude."
    )
    return render_mail(
        MailKind.NEW_MESSAGE_NOTICE,
        sender_name=_sender(sender_name),
        subject=(
            "You have a new message on Interlude"
            if count == 1
            else "You have new messages on Interlude"
        ),
        blocks=[
            Paragraph("Hello,"),
            Paragraph(waiting),
            Paragraph(
                "You can read it whenever it suits you."
                if count == 1
                else "You can read them whenever it suits you."
            ),
            Action("Open Interlude", checked_link(open_url, field="open_url")),
        ],
    )


def digest(
    *,
    sender_name: str,
    new_messages: int,
    threads_with_news: int,
    period: str,
    open_url: str,
) -> RenderedMail:
    """A summary of counts over `period`, an already-formatted phrase such as
    "this week" or "since Monday 2 November"."""
    messages = _count(new_messages, "new_messages", minimum=0)
    threads = _count(threads_with_news, "threads_with_news", minimum=0)
    return render_mail(
        MailKind.DIGEST,
        sender_name=_sender(sender_name),
        subject="Your Interlude summary",
        blocks=[
            Paragraph("Hello,"),
            Paragraph(f"Here is what is new on Interlude {_short(period, 'period')}:"),
            Paragraph(f"New messages: {messages}"),
            Paragraph(f"Conversations with something new: {threads}"),
            Paragraph("Take a look whenever it suits you."),
            Action("Open Interlude", checked_link(open_url, field="open_url")),
        ],
    )


def security_new_login(
    *,
    sender_name: str,
    device_label: str,
    signed_in_at: str,
    devices_url: str,
    sign_ins: int = 1,
) -> RenderedMail:
    """A notice of a sign-in from a new device; `device_label` is as the browser gave it,
    that is, chosen by whoever logged in: it is made inert (no links). `sign_ins` > 1:
    more sign-ins from new devices followed within minutes (one email)."""
    device = inert_text(device_label, field="device_label", limit=SHORT_TEXT_LIMIT)
    more = sign_ins - 1
    followed = (
        f" It was followed by {more} more sign-in{'s' if more > 1 else ''} from new devices "
        "within a few minutes."
        if more > 0
        else ""
    )
    return render_mail(
        MailKind.SECURITY_NEW_LOGIN,
        sender_name=_sender(sender_name),
        subject="New sign-in to your Interlude account",
        blocks=[
            Paragraph("Hello,"),
            Paragraph(
                "Your Interlude account was signed in to from a new device "
                f"({device}) at {_short(signed_in_at, 'signed_in_at')}.{followed}"
            ),
            Paragraph(
                "If this was you, there is nothing to do. If it was not, please review your "
                "devices, sign out the one you do not recognise and change your password."
            ),
            Action("Review your devices", checked_link(devices_url, field="devices_url")),
        ],
    )


def security_password_changed(
    *, sender_name: str, changed_at: str, account_url: str
) -> RenderedMail:
    """A notice that the account's password was changed at `changed_at`."""
    return render_mail(
        MailKind.SECURITY_PASSWORD_CHANGED,
        sender_name=_sender(sender_name),
        subject="Your Interlude password was changed",
        blocks=[
            Paragraph("Hello,"),
            Paragraph(
                "The password of your Interlude account was changed at "
                f"{_short(changed_at, 'changed_at')}."
            ),
            Paragraph(
                "If you made this change, there is nothing to do. If you did not, please "
                "open your account settings and contact your clinic's administrator."
            ),
            Action("Open your account settings", checked_link(account_url, field="account_url")),
        ],
    )


def security_recovery_used(*, sender_name: str, used_at: str, account_url: str) -> RenderedMail:
    """A notice that the account's recovery key was used at `used_at`."""
    return render_mail(
        MailKind.SECURITY_RECOVERY_USED,
        sender_name=_sender(sender_name),
        subject="Your Interlude recovery key was used",
        blocks=[
            Paragraph("Hello,"),
            Paragraph(
                "The recovery key of your Interlude account was used at "
                f"{_short(used_at, 'used_at')}."
            ),
            Paragraph(
                "If this was you, there is nothing to do. If it was not, please open your "
                "account settings and contact your clinic's administrator."
            ),
            Action("Open your account settings", checked_link(account_url, field="account_url")),
        ],
    )


def overdue_reply_reminder(
    *, sender_name: str, overdue_threads: int, inbox_url: str
) -> RenderedMail:
    """A reminder to a therapist that `overdue_threads` (at least one) conversations are
    past their reply-by time."""
    count = _count(overdue_threads, "overdue_threads", minimum=1)
    waiting = (
        "One conversation has passed its reply-by time."
        if count == 1
        else f"{count} conversations have passed their reply-by time."
    )
    return render_mail(
        MailKind.OVERDUE_REPLY_REMINDER,
        sender_name=_sender(sender_name),
        subject="Some conversations on Interlude are waiting for a reply",
        blocks=[
            Paragraph("Hello,"),
            Paragraph(waiting),
            Action("Open your inbox", checked_link(inbox_url, field="inbox_url")),
        ],
    )


def live_session_soon(*, sender_name: str, starts_at: str, session_url: str) -> RenderedMail:
    """A reminder that a live session starts at `starts_at` (in the recipient's zone)."""
    return render_mail(
        MailKind.LIVE_SESSION_SOON,
        sender_name=_sender(sender_name),
        subject="A live session on Interlude starts soon",
        blocks=[
            Paragraph("Hello,"),
            Paragraph(f"Your live session starts at {_short(starts_at, 'starts_at')}."),
            Paragraph("You can join from Interlude when it begins."),
            Action("Open Interlude", checked_link(session_url, field="session_url")),
        ],
    )


def live_session_changed(
    *,
    sender_name: str,
    change: SessionChange,
    new_start: str | None,
    session_url: str,
) -> RenderedMail:
    """A notice that a live session moved to `new_start` or was cancelled (then
    `new_start` must be None)."""
    if change == "moved":
        if new_start is None:
            raise ValueError("new_start is required when a session moved")
        news = f"A live session has moved. It now starts at {_short(new_start, 'new_start')}."
    elif change == "cancelled":
        if new_start is not None:
            raise ValueError("new_start must be None when a session is cancelled")
        news = "A live session has been cancelled."
    else:
        raise ValueError("change must be 'moved' or 'cancelled'")
    return render_mail(
        MailKind.LIVE_SESSION_CHANGED,
        sender_name=_sender(sender_name),
        subject="A live session on Interlude has changed",
        blocks=[
            Paragraph("Hello,"),
            Paragraph(news),
            Paragraph("The details are in Interlude."),
            Action("Open Interlude", checked_link(session_url, field="session_url")),
        ],
    )


def journaling_prompt(*, sender_name: str, wording: str, journal_url: str) -> RenderedMail:
    """A journaling prompt in the clinic-chosen neutral `wording`."""
    return render_mail(
        MailKind.JOURNALING_PROMPT,
        sender_name=_sender(sender_name),
        subject="A journaling reminder from Interlude",
        blocks=[
            Paragraph("Hello,"),
            Paragraph(clean_text(wording, field="wording", limit=PROMPT_LIMIT)),
            Action("Open your journal", checked_link(journal_url, field="journal_url")),
        ],
    )


def urgent_notice(*, sender_name: str, on_call: bool, inbox_url: str) -> RenderedMail:
    """An immediate notice that a client marked a message urgent (to a therapist of the
    conversation, or to an on-call contact of the clinic). Sent whatever the recipient's
    quiet hours; it names no one and quotes nothing."""
    whose = (
        "A client of your clinic marked a message as urgent. You are on call."
        if on_call
        else "A client you work with marked a message as urgent."
    )
    return render_mail(
        MailKind.URGENT_NOTICE,
        sender_name=_sender(sender_name),
        subject="An urgent message is waiting on Interlude",
        blocks=[
            Paragraph("Hello,"),
            Paragraph(whose),
            Paragraph("Please open Interlude as soon as you can and acknowledge it."),
            Action("Open your inbox", checked_link(inbox_url, field="inbox_url")),
        ],
    )


def account_deleted(*, sender_name: str, deleted_on: str, about_url: str) -> RenderedMail:
    """Confirmation that an account and its messages were deleted on `deleted_on`."""
    return render_mail(
        MailKind.ACCOUNT_DELETED,
        sender_name=_sender(sender_name),
        subject="Your Interlude account was deleted",
        blocks=[
            Paragraph("Hello,"),
            Paragraph(
                f"Your Interlude account was deleted on {_short(deleted_on, 'deleted_on')}: "
                "your keys, your devices, your settings and the text of every message you "
                "wrote are gone. The clinic keeps only a record that the account existed."
            ),
            Paragraph("This is the last email you will receive from us."),
            Action("About Interlude", checked_link(about_url, field="about_url")),
        ],
    )


def _sender(sender_name: str) -> str:
    return clean_text(sender_name, field="sender_name", limit=SENDER_NAME_LIMIT)


def _short(value: str, field: str) -> str:
    return clean_text(value, field=field, limit=SHORT_TEXT_LIMIT)


def _count(value: int, field: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{field} must be a whole number of at least {minimum}")
    return value
