"""Email addresses as the system stores them."""

from __future__ import annotations

import re

from messaging.errors import InvalidInput

MAX_EMAIL_LENGTH = 254
# Deliberately simple: one @, no spaces, a dot in the domain. Delivery is the real test.
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(raw: str) -> str:
    """Trimmed and lower-cased; raises InvalidInput if it cannot be an address."""
    email = raw.strip().lower()
    if len(email) > MAX_EMAIL_LENGTH or not EMAIL_SHAPE.match(email):
        raise InvalidInput("That does not look like an email address.")
    return email
