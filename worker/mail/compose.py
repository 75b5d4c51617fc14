"""Turn a rendered template into a complete email with the headers we promise: an
`EmailMessage` (`compose_email`), or its wire form, fast (`MailComposer`)."""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import urlsplit

from worker.mail.layout import RenderedMail, checked_link
from worker.mail.wire import KIND_HEADER, WireEmail, wire_email


def message_id(*, job_id: int, kind: str, public_url: str, part: int = 0) -> str:
    """The Message-ID of email number `part` sent by job `job_id` (a job that emails
    several people numbers them): the same on every attempt, so a re-send after a crash is
    recognisable as a duplicate, and different for every job and recipient."""
    host = urlsplit(public_url).hostname
    if not host:
        raise ValueError("public_url has no host")
    right = f"[{host}]" if ":" in host else host
    suffix = f"-{part}" if part else ""
    return f"<job-{job_id}{suffix}.{kind}@{right}>"


def compose_email(
    rendered: RenderedMail,
    *,
    job_id: int,
    to: str,
    mail_from: str,
    public_url: str,
    now: datetime,
    unsubscribe_url: str | None = None,
    part: int = 0,
) -> EmailMessage:
    """A multipart/alternative email (text part first, then HTML) to the bare address `to`.

    `From` shows the clinic's neutral sender name (from the template) with the address of
    `mail_from` (e.g. the configured `INTERLUDE_MAIL_FROM`); `Message-ID` is stable per job;
    `now` (timezone-aware) becomes `Date`. For kinds other than security notices, an
    `unsubscribe_url` (already signed) adds RFC 8058 one-click unsubscribe headers;
    security notices never carry them, whatever is passed. Raises ValueError for a
    malformed address, a naive `now` or an unsafe unsubscribe URL.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    message = EmailMessage()
    message["Message-ID"] = message_id(
        job_id=job_id, kind=rendered.kind, public_url=public_url, part=part
    )
    message["Date"] = format_datetime(now)
    message["From"] = Address(display_name=rendered.sender_name, addr_spec=_address(mail_from))
    message["To"] = Address(addr_spec=_bare_address(to))
    message["Subject"] = rendered.subject
    message["Auto-Submitted"] = "auto-generated"
    message[KIND_HEADER] = rendered.kind
    if unsubscribe_url is not None and not rendered.kind.is_security:
        url = checked_link(unsubscribe_url, field="unsubscribe_url")
        message["List-Unsubscribe"] = f"<{url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Quoted-printable keeps both parts 7-bit clean for any relay.
    message.set_content(rendered.text, cte="quoted-printable")
    message.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
    return message


def _address(mail_from: str) -> str:
    """The address part of `mail_from`, which may be `Name <addr>` or a bare address."""
    _, address = parseaddr(mail_from)
    if "@" not in address:
        raise ValueError("mail_from has no email address")
    return _bare_address(address)


# A plain dot-atom address, as nearly every stored one is: the email package's parser
# would accept it and hand it back unchanged, so it is checked without the parser (which
# costs about 30 µs an email).
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
)


def _bare_address(address: str) -> str:
    # Address() rejects anything but a single addr-spec, so no display name (which could
    # carry a person's name) and no header injection can get through.
    if _PLAIN_ADDRESS.fullmatch(address):
        return address
    return Address(addr_spec=address).addr_spec


# Stand-ins for the values that differ between two emails of the same rendered content.
# They are plain ASCII without spaces, so the email package writes them verbatim.
_FILL_JOB_ID = 918273645546372819
_FILL_TO = "fill-recipient-7f3c9b1e@fill.invalid"
_FILL_NOW = datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC)
_FILL_UNSUBSCRIBE = "https://fill.invalid/unsubscribe-5b2d8e0a"
_LONGEST_FILLED_VALUE = 900  # header lines stay far below RFC 5322's 998 characters


@dataclass(frozen=True, slots=True)
class _Skeleton:
    """A composed email cut at its stand-ins: `pieces` around the values, in order."""

    pieces: tuple[bytes, ...]
    fields: tuple[str, ...]
    sender: str
    kind: str


class MailComposer:
    """`compose_email` and serialisation for one sender address and public URL, fast.

    The email package spends about a millisecond building and writing one multipart
    email. Each distinct rendered email (a template with the same values: one clinic's
    new-message notice, say) is composed by it once; the bytes are kept with stand-ins for
    the recipient, the Message-ID, the date and the unsubscribe link, which later emails
    fill in. The result is byte for byte what `compose_email` and `message_bytes` produce,
    apart from the MIME boundary (random per email there, kept per skeleton here):
    `tests/unit/test_mail_composer.py` checks that. A value the fill cannot carry verbatim
    (a non-ASCII address, an overlong link) makes that email go the slow way, whole.
    """

    def __init__(self, *, mail_from: str, public_url: str, cache_size: int = 256) -> None:
        self.mail_from = mail_from
        self.public_url = public_url
        self._cache_size = cache_size
        self._skeletons: OrderedDict[tuple[RenderedMail, bool], _Skeleton | None] = OrderedDict()

    def compose(
        self,
        rendered: RenderedMail,
        *,
        job_id: int,
        to: str,
        now: datetime,
        unsubscribe_url: str | None = None,
        part: int = 0,
    ) -> WireEmail:
        """The wire form of `compose_email(rendered, ...)` with this composer's sender and
        public URL. Raises ValueError as `compose_email` does."""
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        wants_unsubscribe = unsubscribe_url is not None and not rendered.kind.is_security
        skeleton = self._skeleton(rendered, wants_unsubscribe)
        values = None
        if skeleton is not None:
            values = self._fill_values(rendered, job_id, to, now, unsubscribe_url, part)
        if skeleton is None or values is None:
            return wire_email(
                compose_email(
                    rendered,
                    job_id=job_id,
                    to=to,
                    mail_from=self.mail_from,
                    public_url=self.public_url,
                    now=now,
                    unsubscribe_url=unsubscribe_url,
                    part=part,
                )
            )
        filled = [skeleton.pieces[0]]
        for name, piece in zip(skeleton.fields, skeleton.pieces[1:], strict=True):
            filled += [values[name], piece]
        return WireEmail(
            sender=skeleton.sender,
            recipients=(values["to"].decode("ascii"),),
            data=b"".join(filled),
            message_id=values["message_id"].decode("ascii"),
            kind=skeleton.kind,
            smtputf8=False,
        )

    def _fill_values(
        self,
        rendered: RenderedMail,
        job_id: int,
        to: str,
        now: datetime,
        unsubscribe_url: str | None,
        part: int,
    ) -> dict[str, bytes] | None:
        """The values for the stand-ins, or None when one cannot be written verbatim."""
        address = _bare_address(to)
        values = {
            "to": address,
            "message_id": message_id(
                job_id=job_id, kind=rendered.kind, public_url=self.public_url, part=part
            ),
            "date": format_datetime(now),
        }
        if unsubscribe_url is not None and not rendered.kind.is_security:
            values["unsubscribe"] = checked_link(unsubscribe_url, field="unsubscribe_url")
        if not all(v.isascii() and len(v) <= _LONGEST_FILLED_VALUE for v in values.values()):
            return None
        return {name: value.encode("ascii") for name, value in values.items()}

    def _skeleton(self, rendered: RenderedMail, wants_unsubscribe: bool) -> _Skeleton | None:
        key = (rendered, wants_unsubscribe)
        if key in self._skeletons:
            self._skeletons.move_to_end(key)
            return self._skeletons[key]
        skeleton = self._build_skeleton(rendered, wants_unsubscribe)
        self._skeletons[key] = skeleton
        if len(self._skeletons) > self._cache_size:
            self._skeletons.popitem(last=False)
        return skeleton

    def _build_skeleton(self, rendered: RenderedMail, wants_unsubscribe: bool) -> _Skeleton | None:
        stand_ins = {
            "to": _FILL_TO,
            "message_id": message_id(
                job_id=_FILL_JOB_ID, kind=rendered.kind, public_url=self.public_url
            ),
            "date": format_datetime(_FILL_NOW),
        }
        if wants_unsubscribe:
            stand_ins["unsubscribe"] = _FILL_UNSUBSCRIBE
        wire = wire_email(
            compose_email(
                rendered,
                job_id=_FILL_JOB_ID,
                to=_FILL_TO,
                mail_from=self.mail_from,
                public_url=self.public_url,
                now=_FILL_NOW,
                unsubscribe_url=_FILL_UNSUBSCRIBE if wants_unsubscribe else None,
            )
        )
        if wire.smtputf8:
            return None
        found = []
        for name, value in stand_ins.items():
            marker = value.encode("ascii")
            if wire.data.count(marker) != 1:
                return None  # the content itself holds a stand-in: compose such emails whole
            found.append((wire.data.index(marker), name, marker))
        found.sort()
        pieces, start = [], 0
        for position, _, marker in found:
            pieces.append(wire.data[start:position])
            start = position + len(marker)
        pieces.append(wire.data[start:])
        return _Skeleton(
            pieces=tuple(pieces),
            fields=tuple(name for _, name, _ in found),
            sender=wire.sender,
            kind=wire.kind,
        )
