"""The bytes of an email as both transports hand them over, and its SMTP envelope."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage

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
