"""The fast composer writes exactly what compose_email and message_bytes write.

`MailComposer` composes each distinct rendered email once and fills the recipient, the
Message-ID, the date and the unsubscribe link into the kept bytes. These tests hold it to
the slow path byte for byte (the MIME boundary aside: random per email there), for every
kind, and check that what it cannot fill verbatim goes the slow way.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.test_mail_templates import render_each_kind
from worker.mail.compose import MailComposer, compose_email
from worker.mail.kinds import MailKind
from worker.mail.layout import RenderedMail
from worker.mail.wire import WireEmail, wire_email

PUBLIC_URL = "https://app.interlude.example"
MAIL_FROM = "Interlude <no-reply@interlude.example>"
UNSUBSCRIBE = "https://app.interlude.example/unsubscribe?token=signed.abc"
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BOUNDARY = re.compile(rb'boundary="([^"]+)"')
RENDERED = render_each_kind("Riverside Practice")


def slow(rendered: RenderedMail, **fields: object) -> WireEmail:
    return wire_email(
        compose_email(
            rendered,
            mail_from=MAIL_FROM,
            public_url=PUBLIC_URL,
            **fields,  # type: ignore[arg-type]
        )
    )


def without_boundary(data: bytes) -> bytes:
    found = BOUNDARY.search(data)
    assert found is not None, "a multipart email has a boundary"
    return data.replace(found.group(1), b"BOUNDARY")


def assert_same_email(fast: WireEmail, expected: WireEmail) -> None:
    assert without_boundary(fast.data) == without_boundary(expected.data)
    assert (fast.sender, fast.recipients, fast.message_id, fast.kind, fast.smtputf8) == (
        expected.sender,
        expected.recipients,
        expected.message_id,
        expected.kind,
        expected.smtputf8,
    )


@pytest.mark.parametrize("kind", list(MailKind))
@pytest.mark.parametrize("unsubscribe", [UNSUBSCRIBE, None])
def test_every_kind_is_byte_for_byte_the_slow_composition(
    kind: MailKind, unsubscribe: str | None
) -> None:
    composer = MailComposer(mail_from=MAIL_FROM, public_url=PUBLIC_URL)
    fields = {"job_id": 41, "to": "reader@example.org", "now": NOW, "unsubscribe_url": unsubscribe}
    fast = composer.compose(RENDERED[kind], **fields)  # type: ignore[arg-type]
    assert_same_email(fast, slow(RENDERED[kind], **fields))


def test_a_kept_composition_is_filled_with_each_emails_own_values() -> None:
    composer = MailComposer(mail_from=MAIL_FROM, public_url=PUBLIC_URL)
    rendered = RENDERED[MailKind.NEW_MESSAGE_NOTICE]
    for job_id, to, now, part in [
        (1, "first@example.org", NOW, 0),
        (2, "second@example.net", NOW + timedelta(hours=3, seconds=7), 0),
        (
            3,
            "third@example.com",
            datetime(2027, 3, 28, 1, 30, tzinfo=timezone(timedelta(hours=2))),
            2,
        ),
    ]:
        fields = {
            "job_id": job_id,
            "to": to,
            "now": now,
            "unsubscribe_url": UNSUBSCRIBE,
            "part": part,
        }
        assert_same_email(composer.compose(rendered, **fields), slow(rendered, **fields))  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(
    job_id=st.integers(min_value=1, max_value=2**62),
    local=st.from_regex(r"[a-z0-9+_-]{1,15}(\.[a-z0-9+_-]{1,10}){0,2}", fullmatch=True),
    seconds=st.integers(min_value=0, max_value=10**9),
    offset_minutes=st.integers(min_value=-14 * 60, max_value=14 * 60),
    token=st.from_regex(r"[A-Za-z0-9._~-]{1,200}", fullmatch=True),
)
def test_any_ascii_recipient_time_and_link_fill_like_the_slow_path(
    job_id: int, local: str, seconds: int, offset_minutes: int, token: str
) -> None:
    composer = MailComposer(mail_from=MAIL_FROM, public_url=PUBLIC_URL)
    zone = timezone(timedelta(minutes=offset_minutes))
    fields = {
        "job_id": job_id,
        "to": f"{local}@example.org",
        "now": datetime(2001, 1, 1, tzinfo=UTC).astimezone(zone) + timedelta(seconds=seconds),
        "unsubscribe_url": f"{PUBLIC_URL}/unsubscribe?token={token}",
    }
    rendered = RENDERED[MailKind.DIGEST]
    assert_same_email(composer.compose(rendered, **fields), slow(rendered, **fields))  # type: ignore[arg-type]


def test_a_non_ascii_recipient_is_composed_whole_and_needs_smtputf8() -> None:
    composer = MailComposer(mail_from=MAIL_FROM, public_url=PUBLIC_URL)
    rendered = RENDERED[MailKind.INVITATION]
    fields = {"job_id": 9, "to": "reader@exämple.org", "now": NOW}
    fast = composer.compose(rendered, **fields)  # type: ignore[arg-type]
    assert fast.smtputf8
    assert_same_email(fast, slow(rendered, **fields))


def test_security_notices_never_carry_unsubscribe_even_when_given_one() -> None:
    composer = MailComposer(mail_from=MAIL_FROM, public_url=PUBLIC_URL)
    fast = composer.compose(
        RENDERED[MailKind.SECURITY_PASSWORD_CHANGED],
        job_id=3,
        to="reader@example.org",
        now=NOW,
        unsubscribe_url=UNSUBSCRIBE,
    )
    assert b"List-Unsubscribe" not in fast.data


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("to", "Reader <reader@example.org>", "addr"),
        ("to", "reader@example.org\r\nBcc: x@example.org", "CR or LF"),
        ("unsubscribe_url", "javascript:alert(1)", "unsubscribe_url"),
        ("now", datetime(2026, 1, 1), "timezone-aware"),
    ],
)
def test_bad_values_are_refused_as_the_slow_path_refuses_them(
    field: str, value: object, error: str
) -> None:
    composer = MailComposer(mail_from=MAIL_FROM, public_url=PUBLIC_URL)
    fields: dict[str, object] = {
        "job_id": 1,
        "to": "reader@example.org",
        "now": NOW,
        "unsubscribe_url": UNSUBSCRIBE,
    }
    fields[field] = value
    rendered = RENDERED[MailKind.NEW_MESSAGE_NOTICE]
    composer.compose(rendered, job_id=2, to="warm@example.org", now=NOW)  # a kept skeleton
    with pytest.raises(ValueError, match=error):
        composer.compose(rendered, **fields)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=error):
        slow(rendered, **fields)
