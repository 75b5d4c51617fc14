"""The bytes of an email as both transports hand them over, and its SMTP envelope."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

KIND_HEADER = "X-Interlude-Kind"

# Header lines may be up to RFC 5322's hard limit: a long List-Unsubscribe URL has no
# place to fold, and the default 78 would turn it into an unusable encoded word.
WIRE_POLICY = policy.SMTP.clone(max_line_length=998)
WIRE_POLICY_UTF8 = policy.SMTPUTF8.clone(max_line_length=998)


def envelope(message: EmailMessage) -> tuple[str, list[str]]:
    """The envelope sender (From's address) and recipients (To and Cc addresses)."""
    senders = [address.addr_spec for address in message["From"].addresses]
    if len(senders) != 1:
        raise ValueError("an email needs exactly one From address")
    recipients = [
        address.addr_spec
        for name in ("To", "Cc")
        for header in message.get_all(name, [])
        for address in header.addresses
    ]
    if not recipients:
        raise ValueError("an email needs at least one recipient")
    return senders[0], recipients


def needs_smtputf8(message: EmailMessage) -> bool:
    """True when an envelope address is not ASCII (the server must support SMTPUTF8)."""
    sender, recipients = envelope(message)
    return not all(address.isascii() for address in [sender, *recipients])


def message_bytes(message: EmailMessage) -> bytes:
    """The email as CRLF-terminated bytes, 7-bit clean unless an address needs UTF-8."""
    wire_policy = WIRE_POLICY_UTF8 if needs_smtputf8(message) else WIRE_POLICY
    return message.as_bytes(policy=wire_policy)


@dataclass(frozen=True, slots=True)
class WireEmail:
    """An email as a transport hands it over: the SMTP envelope, the bytes, and the two
    headers a log line or an outbox file name may use (never the content)."""

    sender: str
    recipients: tuple[str, ...]
    data: bytes
    message_id: str
    kind: str
    smtputf8: bool


def wire_email(message: EmailMessage) -> WireEmail:
    """Serialise `message` once, with its envelope. Raises ValueError without a
    Message-ID, a single From or any recipient."""
    message_id = message.get("Message-ID")
    if not message_id:
        raise ValueError("an email needs a Message-ID")
    sender, recipients = envelope(message)
    return WireEmail(
        sender=sender,
        recipients=tuple(recipients),
        data=message_bytes(message),
        message_id=str(message_id),
        kind=str(message.get(KIND_HEADER, "(unknown kind)")),
        smtputf8=needs_smtputf8(message),
    )
