"""Sending over SMTP with aiosmtplib: one connection reused across sends.

`INTERLUDE_SMTP_URL` selects the security: `smtp://` (plain, e.g. a local relay or
Mailpit), `smtp+starttls://` (STARTTLS required) or `smtps://` (TLS from the start), with
optional percent-encoded `user:password@` and an optional `?timeout=SECONDS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
from aiosmtplib import (
    SMTPDataError,
    SMTPException,
    SMTPRecipientRefused,
    SMTPRecipientsRefused,
    SMTPResponseException,
)

from messaging.errors import ConfigurationError
from worker.mail.compose import KIND_HEADER
from worker.mail.errors import MailError, PermanentMailError, TemporaryMailError
from worker.mail.wire import envelope, message_bytes, needs_smtputf8

logger = logging.getLogger("interlude.mail")

Security = Literal["plain", "starttls", "tls"]
SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("plain", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}
DEFAULT_TIMEOUT = 30.0
URL_VARIABLE = "INTERLUDE_SMTP_URL"


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT


def parse_smtp_url(url: str, *, timeout: float = DEFAULT_TIMEOUT) -> SmtpConfig:
    """The connection settings in an SMTP URL. The URL's `timeout` query parameter, when
    present, overrides `timeout`. Raises ConfigurationError naming INTERLUDE_SMTP_URL and
    the problem, never echoing the URL (it may hold a password)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _bad_url("not a valid URL") from None
    if parts.scheme not in SCHEMES:
        raise _bad_url(f"scheme must be one of {', '.join(SCHEMES)}")
    if not parts.hostname:
        raise _bad_url("the URL has no host")
    if parts.path not in ("", "/") or parts.fragment:
        raise _bad_url("the URL may not have a path or fragment")
    security, default_port = SCHEMES[parts.scheme]
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if (username is None) != (password is None):
        raise _bad_url("give both a user name and a password, or neither")
    return SmtpConfig(
        host=parts.hostname,
        port=port or default_port,
        security=security,
        username=username,
        password=password,
        timeout=_timeout(parts.query, timeout),
    )


def _timeout(query: str, default: float) -> float:
    try:
        params = parse_qs(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise _bad_url("the query string is malformed") from None
    unknown = set(params) - {"timeout"}
    if unknown:
        raise _bad_url(f"unknown query parameter {sorted(unknown)[0]!r} (only timeout)")
    values = params.get("timeout", [str(default)])
    try:
        seconds = float(values[-1])
    except ValueError:
        raise _bad_url("timeout must be a number of seconds") from None
    if len(values) != 1 or not math.isfinite(seconds) or seconds <= 0:
        raise _bad_url("timeout must be one positive number of seconds")
    return seconds


def _bad_url(problem: str) -> ConfigurationError:
    return ConfigurationError(f"{URL_VARIABLE}: {problem}")


class SmtpMailer:
    """A `Mailer` over one SMTP connection, opened on the first send, reused by later
    sends, reopened once when the server has closed it meanwhile, and quit by `close()`.
    Sends are serialised; a failure raises `TemporaryMailError` or `PermanentMailError`."""

    def __init__(self, config: SmtpConfig, *, tls_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self._tls_context = tls_context
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        tls_context: ssl.SSLContext | None = None,
    ) -> SmtpMailer:
        """A mailer for an `INTERLUDE_SMTP_URL` value (see `parse_smtp_url`)."""
        return cls(parse_smtp_url(url, timeout=timeout), tls_context=tls_context)

    async def send(self, message: EmailMessage) -> None:
        """Hand `message` to the server for its To and Cc recipients.

        Connection failures, timeouts and 4xx replies raise `TemporaryMailError`; a 5xx
        refusal of the recipients or of the message raises `PermanentMailError` whose
        reason holds the server's code and text.
        """
        sender, recipients = envelope(message)
        options = ["SMTPUTF8"] if needs_smtputf8(message) else []
        data = message_bytes(message)
        async with self._lock:
            try:
                reused = self._connected()
                try:
                    await self._send_once(sender, recipients, data, options)
                except ConnectionError:  # includes SMTPServerDisconnected
                    if not reused:
                        raise
                    logger.info("the SMTP server closed the idle connection; reconnecting")
                    self._discard()
                    await self._send_once(sender, recipients, data, options)
            except (SMTPException, OSError) as error:
                if not (_is_reply(error) and self._connected()):
                    self._discard()
                raise classify(error) from error
        logger.info("mail %s sent over SMTP", message.get(KIND_HEADER, "(unknown kind)"))

    async def close(self) -> None:
        """Quit the connection if one is open; the next send would open a new one."""
        async with self._lock:
            client, self._client = self._client, None
            if client is None:
                return
            with contextlib.suppress(SMTPException, OSError):
                if client.is_connected:
                    await client.quit()
            client.close()

    def _connected(self) -> bool:
        return self._client is not None and self._client.is_connected

    def _discard(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    async def _send_once(
        self, sender: str, recipients: list[str], data: bytes, options: list[str]
    ) -> None:
        if self._client is None or not self._client.is_connected:
            self._client = await self._connect()
        if options and not self._client.supports_extension("smtputf8"):
            raise PermanentMailError("the address needs SMTPUTF8, which the server lacks")
        refused, _ = await self._client.sendmail(sender, recipients, data, mail_options=options)
        if refused:
            codes = ", ".join(str(reply.code) for reply in refused.values())
            logger.warning("the SMTP server refused some recipients (%s)", codes)

    async def _connect(self) -> aiosmtplib.SMTP:
        config = self.config
        client = aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            username=config.username,
            password=config.password,
            use_tls=config.security == "tls",
            start_tls=config.security == "starttls",
            timeout=config.timeout,
            tls_context=self._tls_context,
        )
        try:
            await client.connect()
        except BaseException:
            client.close()
            raise
        return client


def classify(error: Exception) -> MailError:
    """Whether retrying can help: a 5xx refusal of the recipients or the message is
    permanent; everything else (unreachable, timed out, 4xx, a refused sender or login,
    which are configuration to fix rather than this message's fault) is temporary."""
    if isinstance(error, SMTPRecipientsRefused):
        replies = [(refusal.code, refusal.message) for refusal in error.recipients]
        return _by_code("recipient refused", replies)
    if isinstance(error, SMTPRecipientRefused):
        return _by_code("recipient refused", [(error.code, error.message)])
    if isinstance(error, SMTPDataError):
        return _by_code("message refused", [(error.code, error.message)])
    if isinstance(error, SMTPResponseException):
        return TemporaryMailError(f"SMTP server replied {error.code} {error.message}")
    if isinstance(error, TimeoutError):
        return TemporaryMailError(f"SMTP server timed out: {error}")
    if isinstance(error, SMTPException) and not isinstance(error, ConnectionError):
        return TemporaryMailError(f"SMTP session failed: {error}")
    return TemporaryMailError(f"SMTP server unreachable: {error}")


def _by_code(what: str, replies: list[tuple[int, str]]) -> MailError:
    reason = f"{what}: " + "; ".join(f"{code} {text}" for code, text in replies)
    if replies and all(500 <= code < 600 for code, _ in replies):
        return PermanentMailError(reason)
    return TemporaryMailError(reason)


def _is_reply(error: Exception) -> bool:
    """The server answered (and aiosmtplib reset the transaction): the connection is fine."""
    return isinstance(error, SMTPResponseException | SMTPRecipientsRefused)
