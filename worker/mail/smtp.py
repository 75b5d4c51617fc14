"""Sending over SMTP with aiosmtplib: a small pool of connections reused across sends.

`INTERLUDE_SMTP_URL` selects the security: `smtp://` (plain, e.g. a local relay or
Mailpit), `smtp+starttls://` (STARTTLS required) or `smtps://` (TLS from the start), with
optional percent-encoded `user:password@`, an optional `timeout=SECONDS` and an optional
`connections=N` (at most N connections open at once, default 4) in the query string.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import ssl
from dataclasses import dataclass, field
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
from worker.mail.errors import MailError, PermanentMailError, TemporaryMailError
from worker.mail.wire import WireEmail

logger = logging.getLogger("interlude.mail")

Security = Literal["plain", "starttls", "tls"]
SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("plain", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}
DEFAULT_TIMEOUT = 30.0
DEFAULT_CONNECTIONS = 4
MAX_CONNECTIONS = 32
URL_VARIABLE = "INTERLUDE_SMTP_URL"


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    connections: int = DEFAULT_CONNECTIONS


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
    params = _query(parts.query)
    return SmtpConfig(
        host=parts.hostname,
        port=port or default_port,
        security=security,
        username=username,
        password=password,
        timeout=_timeout(params, timeout),
        connections=_connections(params),
    )


def _query(query: str) -> dict[str, list[str]]:
    try:
        params = parse_qs(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise _bad_url("the query string is malformed") from None
    unknown = set(params) - {"timeout", "connections"}
    if unknown:
        raise _bad_url(
            f"unknown query parameter {sorted(unknown)[0]!r} (only timeout and connections)"
        )
    return params


def _connections(params: dict[str, list[str]]) -> int:
    values = params.get("connections", [str(DEFAULT_CONNECTIONS)])
    if len(values) != 1 or not values[0].isascii() or not values[0].isdigit():
        raise _bad_url(f"connections must be one whole number from 1 to {MAX_CONNECTIONS}")
    count = int(values[0])
    if not 1 <= count <= MAX_CONNECTIONS:
        raise _bad_url(f"connections must be one whole number from 1 to {MAX_CONNECTIONS}")
    return count


def _timeout(params: dict[str, list[str]], default: float) -> float:
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
    """A `Mailer` over a pool of at most `config.connections` SMTP connections, each
    opened on first use, reused by later sends, reopened once when the server has closed
    it meanwhile, and quit by `close()`. Each connection carries one email at a time; a
    failure raises `TemporaryMailError` or `PermanentMailError`."""

    def __init__(self, config: SmtpConfig, *, tls_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self._tls_context = tls_context
        # Last in, first out: sends one after another keep reusing one open connection;
        # more are opened only while several sends are in flight at once.
        self._idle: asyncio.LifoQueue[_Connection] = asyncio.LifoQueue()
        self._pool = [_Connection() for _ in range(config.connections)]
        for connection in self._pool:
            self._idle.put_nowait(connection)

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

    async def send(self, email: WireEmail) -> None:
        """Hand `email` to the server for its recipients, over the next idle connection.

        Connection failures, timeouts and 4xx replies raise `TemporaryMailError`; a 5xx
        refusal of the recipients or of the message raises `PermanentMailError` whose
        reason holds the server's code and text.
        """
        options = ["SMTPUTF8"] if email.smtputf8 else []
        connection = await self._idle.get()
        try:
            try:
                reused = connection.connected
                try:
                    await self._send_once(connection, email, options)
                except ConnectionError:  # includes SMTPServerDisconnected
                    if not reused:
                        raise
                    logger.info("the SMTP server closed the idle connection; reconnecting")
                    connection.discard()
                    await self._send_once(connection, email, options)
            except (SMTPException, OSError) as error:
                if not (_is_reply(error) and connection.connected):
                    connection.discard()
                raise classify(error) from error
        finally:
            self._idle.put_nowait(connection)
        logger.info("mail %s sent over SMTP", email.kind)

    async def close(self) -> None:
        """Quit every open connection once the sends in flight have finished; the next
        send would open a new one."""
        held = [await self._idle.get() for _ in self._pool]
        try:
            for connection in held:
                await connection.quit()
        finally:
            for connection in held:
                self._idle.put_nowait(connection)

    async def _send_once(
        self, connection: _Connection, email: WireEmail, options: list[str]
    ) -> None:
        client = connection.client
        if client is None or not client.is_connected:
            client = connection.client = await self._connect()
        if options and not client.supports_extension("smtputf8"):
            raise PermanentMailError("the address needs SMTPUTF8, which the server lacks")
        refused, _ = await client.sendmail(
            email.sender, list(email.recipients), email.data, mail_options=options
        )
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


class _Connection:
    """One slot of the pool: an aiosmtplib client, or none until first use."""

    def __init__(self) -> None:
        self.client: aiosmtplib.SMTP | None = None

    @property
    def connected(self) -> bool:
        return self.client is not None and self.client.is_connected

    def discard(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            client.close()

    async def quit(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        with contextlib.suppress(SMTPException, OSError):
            if client.is_connected:
                await client.quit()
        client.close()


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
