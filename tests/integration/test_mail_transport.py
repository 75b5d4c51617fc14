"""Mail transports against a real SMTP server (aiosmtpd) and a real directory."""

from __future__ import annotations

import asyncio
import logging
import ssl
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from messaging.errors import ConfigurationError
from messaging.settings import load_settings
from tests.support.services import free_port, require_binary
from tests.support.smtp import CollectingHandler, SmtpSink, smtp_sink
from worker.mail import templates
from worker.mail.compose import compose_email
from worker.mail.errors import PermanentMailError, TemporaryMailError
from worker.mail.outbox import OutboxMailer, outbox_file_name
from worker.mail.smtp import SmtpConfig, SmtpMailer, parse_smtp_url
from worker.mail.transport import mailer_from_settings
from worker.mail.wire import WireEmail, wire_email

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LINK = "https://app.interlude.example/open"
UNSUBSCRIBE = "https://app.interlude.example/unsubscribe?token=signed"


def notice_email(job_id: int, to: str = "reader@example.org") -> WireEmail:
    rendered = templates.new_message_notice(
        sender_name="Riverside Practice", new_messages=1, open_url=LINK
    )
    return wire_email(
        compose_email(
            rendered,
            job_id=job_id,
            to=to,
            mail_from="Interlude <no-reply@interlude.example>",
            public_url="https://app.interlude.example",
            now=NOW,
            unsubscribe_url=UNSUBSCRIBE,
        )
    )


@dataclass
class CountingHandler(CollectingHandler):
    """Collects messages like the shared sink, and records each connection's EHLO (one per
    connection) and can refuse every message at DATA."""

    ehlo_peers: list[Any] = field(default_factory=list)
    data_reply: str | None = None
    mail_reply: str | None = None
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)
    encrypted: list[bool] = field(default_factory=list)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        with self.lock:
            self.ehlo_peers.append(session.peer)
        return responses

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        if self.mail_reply is not None:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply is not None:
            return self.data_reply
        with self.lock:
            self.encrypted.append(server.transport.get_extra_info("ssl_object") is not None)
        return await super().handle_DATA(server, session, envelope)

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        with self.lock:
            self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=True)

    @property
    def connections(self) -> int:
        with self.lock:
            return len(self.ehlo_peers)


@contextmanager
def counting_server(
    port: int | None = None, **tls: ssl.SSLContext
) -> Iterator[tuple[int, CountingHandler]]:
    """An SMTP server; `tls_context=` offers STARTTLS (and requires it), `ssl_context=`
    speaks TLS from the first byte. Either way it accepts any user name and password."""
    handler = CountingHandler()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port or free_port(),
        authenticator=handler.authenticate,
        require_starttls="tls_context" in tls,
        # aiosmtpd only counts STARTTLS as TLS; a server speaking TLS from the start is too.
        auth_require_tls="ssl_context" not in tls,
        **tls,
    )
    controller.start()
    try:
        yield controller.port, handler
    finally:
        controller.stop()


def smtp_url(port: int, query: str = "") -> str:
    return f"smtp://127.0.0.1:{port}{query}"


def body_of(message: EmailMessage, subtype: str) -> str:
    part = message.get_body((subtype,))
    assert isinstance(part, EmailMessage)
    content: str = part.get_content()
    return content


# SmtpMailer


async def test_smtp_mailer_sends_several_messages_over_one_connection() -> None:
    with counting_server() as (port, handler):
        mailer = SmtpMailer.from_url(smtp_url(port))
        try:
            for job_id in (1, 2, 3):
                await mailer.send(notice_email(job_id))
        finally:
            await mailer.close()

        assert len(handler.messages) == 3
        assert handler.connections == 1


async def test_close_quits_and_a_later_send_opens_a_new_connection() -> None:
    with counting_server() as (port, handler):
        mailer = SmtpMailer.from_url(smtp_url(port))
        await mailer.send(notice_email(1))
        await mailer.close()
        await mailer.close()
        await mailer.send(notice_email(2))
        await mailer.close()

        assert handler.connections == 2
        assert len(handler.messages) == 2


async def test_delivered_email_has_both_parts_and_the_promised_headers(smtp: SmtpSink) -> None:
    mailer = SmtpMailer.from_url(smtp.url)
    try:
        await mailer.send(notice_email(7))
    finally:
        await mailer.close()

    (received,) = smtp.messages
    assert smtp.handler.envelopes == [("no-reply@interlude.example", ["reader@example.org"])]
    assert received.get_content_type() == "multipart/alternative"
    assert LINK in body_of(received, "plain")
    assert "<a href=" in body_of(received, "html")
    assert received["Message-ID"] == "<job-7.new_message_notice@app.interlude.example>"
    assert received["From"].addresses[0].display_name == "Riverside Practice"
    assert received["Subject"] == "You have a new message on Interlude"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received["Date"] is not None


async def test_unreachable_server_is_temporary_and_a_later_send_connects() -> None:
    port = free_port()
    mailer = SmtpMailer.from_url(smtp_url(port))
    try:
        with pytest.raises(TemporaryMailError, match="unreachable"):
            await mailer.send(notice_email(1))

        with smtp_sink(port=port) as sink:
            await mailer.send(notice_email(1))
            assert len(sink.messages) == 1
    finally:
        await mailer.close()


async def test_connection_dropped_by_a_restarted_server_is_reopened() -> None:
    port = free_port()
    mailer = SmtpMailer.from_url(smtp_url(port))
    try:
        with counting_server(port) as (_, first):
            await mailer.send(notice_email(1))
        with counting_server(port) as (_, second):
            await mailer.send(notice_email(2))
            assert [message["Message-ID"] for message in second.messages] == [
                "<job-2.new_message_notice@app.interlude.example>"
            ]
        assert len(first.messages) == 1
    finally:
        await mailer.close()


async def test_recipient_refused_with_550_is_permanent_and_names_the_code(
    smtp: SmtpSink,
) -> None:
    smtp.handler.reject_recipients["gone@example.org"] = "550 5.1.1 No such mailbox"
    mailer = SmtpMailer.from_url(smtp.url)
    try:
        with pytest.raises(PermanentMailError) as refused:
            await mailer.send(notice_email(1, to="gone@example.org"))
        await mailer.send(notice_email(2, to="reader@example.org"))
    finally:
        await mailer.close()

    assert "550" in refused.value.reason
    assert "No such mailbox" in refused.value.reason
    assert [message["To"] for message in smtp.messages] == ["reader@example.org"]


async def test_recipient_refused_with_4xx_is_temporary(smtp: SmtpSink) -> None:
    smtp.handler.reject_recipients["busy@example.org"] = "451 4.3.0 Try again later"
    mailer = SmtpMailer.from_url(smtp.url)
    try:
        with pytest.raises(TemporaryMailError, match="451"):
            await mailer.send(notice_email(1, to="busy@example.org"))
    finally:
        await mailer.close()


async def test_message_refused_with_554_is_permanent_and_names_the_code() -> None:
    with counting_server() as (port, handler):
        handler.data_reply = "554 5.7.1 Message rejected as spam"
        mailer = SmtpMailer.from_url(smtp_url(port))
        try:
            with pytest.raises(PermanentMailError, match=r"554 5\.7\.1 Message rejected"):
                await mailer.send(notice_email(1))
        finally:
            await mailer.close()


async def test_server_that_never_answers_times_out_as_temporary() -> None:
    accepted: list[asyncio.StreamWriter] = []

    async def accept_and_stay_silent(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(accept_and_stay_silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    mailer = SmtpMailer.from_url(smtp_url(port, "?timeout=0.2"))
    try:
        with pytest.raises(TemporaryMailError, match="timed out"):
            await mailer.send(notice_email(1))
    finally:
        await mailer.close()
        for writer in accepted:
            writer.close()
            await writer.wait_closed()
        server.close()
        await server.wait_closed()


async def test_sender_refused_with_5xx_is_temporary_as_configuration_to_fix() -> None:
    with counting_server() as (port, handler):
        handler.mail_reply = "553 5.7.1 Sender address not allowed"
        mailer = SmtpMailer.from_url(smtp_url(port))
        try:
            with pytest.raises(TemporaryMailError, match="553"):
                await mailer.send(notice_email(1))
        finally:
            await mailer.close()


@dataclass(frozen=True)
class TlsFiles:
    certificate: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certificate, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.certificate))


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    openssl = require_binary("openssl")
    directory = tmp_path_factory.mktemp("tls")
    files = TlsFiles(directory / "cert.pem", directory / "key.pem")
    subprocess.run(
        [
            openssl,
            *("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(files.key), "-out", str(files.certificate)),
        ],
        check=True,
        capture_output=True,
    )
    return files


async def test_starttls_url_upgrades_then_logs_in_with_decoded_credentials(
    tls_files: TlsFiles,
) -> None:
    with counting_server(tls_context=tls_files.server_context()) as (port, handler):
        url = f"smtp+starttls://relay%40clinic.example:p%40ss@127.0.0.1:{port}"
        mailer = SmtpMailer.from_url(url, tls_context=tls_files.client_context())
        try:
            await mailer.send(notice_email(1))
            await mailer.send(notice_email(2))
        finally:
            await mailer.close()

        assert handler.logins == [(b"relay@clinic.example", b"p@ss")]
        assert handler.encrypted == [True, True]


async def test_smtps_url_speaks_tls_from_the_start(tls_files: TlsFiles) -> None:
    with counting_server(ssl_context=tls_files.server_context()) as (port, handler):
        url = f"smtps://user:secret@127.0.0.1:{port}"
        mailer = SmtpMailer.from_url(url, tls_context=tls_files.client_context())
        try:
            await mailer.send(notice_email(1))
        finally:
            await mailer.close()

        assert handler.logins == [(b"user", b"secret")]
        assert handler.encrypted == [True]


async def test_an_untrusted_certificate_is_a_temporary_failure(tls_files: TlsFiles) -> None:
    with counting_server(ssl_context=tls_files.server_context()) as (port, handler):
        mailer = SmtpMailer.from_url(f"smtps://user:secret@127.0.0.1:{port}")
        try:
            with pytest.raises(TemporaryMailError):
                await mailer.send(notice_email(1))
        finally:
            await mailer.close()

        assert handler.messages == []


# SMTP URLs


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://mail.internal:2525",
            SmtpConfig(host="mail.internal", port=2525, security="plain"),
        ),
        ("smtp://mail.internal", SmtpConfig(host="mail.internal", port=25, security="plain")),
        (
            "smtp+starttls://relay%40clinic.example:p%40ss%3Aw%2Frd@smtp.example.org:587",
            SmtpConfig(
                host="smtp.example.org",
                port=587,
                security="starttls",
                username="relay@clinic.example",
                password="p@ss:w/rd",
            ),
        ),
        (
            "smtp+starttls://user:secret@smtp.example.org",
            SmtpConfig(
                host="smtp.example.org",
                port=587,
                security="starttls",
                username="user",
                password="secret",
            ),
        ),
        (
            "smtps://user:secret@smtp.example.org:465?timeout=12.5",
            SmtpConfig(
                host="smtp.example.org",
                port=465,
                security="tls",
                username="user",
                password="secret",
                timeout=12.5,
            ),
        ),
        (
            "smtps://user:secret@smtp.example.org",
            SmtpConfig(
                host="smtp.example.org",
                port=465,
                security="tls",
                username="user",
                password="secret",
            ),
        ),
    ],
)
def test_smtp_urls_are_parsed_with_decoded_credentials_and_default_ports(
    url: str, expected: SmtpConfig
) -> None:
    assert parse_smtp_url(url) == expected
    assert SmtpMailer.from_url(url).config == expected


def test_the_pool_has_four_connections_unless_the_url_says_otherwise() -> None:
    assert parse_smtp_url("smtp://mail.internal").connections == 4
    assert parse_smtp_url("smtp://mail.internal?connections=1&timeout=3").connections == 1


async def test_concurrent_sends_share_a_pool_that_never_exceeds_its_size() -> None:
    with counting_server() as (port, handler):
        mailer = SmtpMailer.from_url(smtp_url(port, "?connections=3"))
        try:
            await asyncio.gather(*(mailer.send(notice_email(job_id)) for job_id in range(1, 13)))
            await mailer.send(notice_email(13))
        finally:
            await mailer.close()

        assert len(handler.messages) == 13
        assert handler.connections == 3
        ids = sorted(str(message["Message-ID"]) for message in handler.messages)
        assert len(set(ids)) == 13


async def test_close_waits_for_sends_in_flight() -> None:
    with counting_server() as (port, handler):
        mailer = SmtpMailer.from_url(smtp_url(port, "?connections=2"))
        sends = [asyncio.create_task(mailer.send(notice_email(n))) for n in (1, 2)]
        await asyncio.sleep(0)
        await mailer.close()
        await asyncio.gather(*sends)

        assert len(handler.messages) == 2


def test_timeout_comes_from_the_argument_unless_the_url_gives_one() -> None:
    assert parse_smtp_url("smtp://mail.internal", timeout=5).timeout == 5
    assert parse_smtp_url("smtp://mail.internal?timeout=9", timeout=5).timeout == 9
    assert SmtpMailer.from_url("smtp://mail.internal", timeout=7).config.timeout == 7


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://mail.internal", "scheme"),
        ("smtp+ssl://mail.internal", "scheme"),
        ("smtp://", "no host"),
        ("smtp://mail.internal:port", "not a valid URL"),
        ("smtp://mail.internal:70000", "not a valid URL"),
        ("smtp://user@mail.internal", "user name and a password"),
        ("smtp://:secret@mail.internal", "user name and a password"),
        ("smtp://mail.internal/inbox", "path"),
        ("smtp://mail.internal?timeout=0", "positive"),
        ("smtp://mail.internal?timeout=soon", "number"),
        ("smtp://mail.internal?timeout=1&timeout=2", "one positive"),
        ("smtp://mail.internal?tls=yes", "unknown query parameter"),
        ("smtp://mail.internal?connections=0", "from 1 to 32"),
        ("smtp://mail.internal?connections=33", "from 1 to 32"),
        ("smtp://mail.internal?connections=two", "whole number"),
        ("smtp://mail.internal?connections=1&connections=2", "one whole number"),
    ],
)
def test_bad_smtp_urls_are_rejected_naming_the_variable(url: str, problem: str) -> None:
    with pytest.raises(ConfigurationError, match="INTERLUDE_SMTP_URL") as rejected:
        parse_smtp_url(url)

    assert problem in str(rejected.value)


def test_a_rejected_url_never_echoes_its_password() -> None:
    with pytest.raises(ConfigurationError) as rejected:
        parse_smtp_url("smtps://user:hunter2-secret@smtp.example.org:99999")

    assert "hunter2" not in str(rejected.value)
    assert "hunter2" not in repr(parse_smtp_url("smtps://user:hunter2@smtp.example.org"))


def test_settings_choose_smtp_when_a_url_is_set_else_the_outbox(
    settings_env: dict[str, str],
) -> None:
    with_smtp = load_settings({**settings_env, "INTERLUDE_SMTP_URL": "smtp://mail.internal:2525"})
    without = load_settings(settings_env)

    smtp_mailer = mailer_from_settings(with_smtp)
    outbox_mailer = mailer_from_settings(without)

    assert isinstance(smtp_mailer, SmtpMailer)
    assert smtp_mailer.config == SmtpConfig(host="mail.internal", port=2525, security="plain")
    assert isinstance(outbox_mailer, OutboxMailer)
    assert outbox_mailer.directory == without.mail_outbox_dir


# OutboxMailer


def read_eml(path: Path) -> EmailMessage:
    parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(parsed, EmailMessage)
    return parsed


async def test_outbox_writes_a_parseable_eml_file_readable_only_by_its_owner(
    tmp_path: Path,
) -> None:
    outbox = tmp_path / "mail-outbox"
    mailer = OutboxMailer(outbox)

    await mailer.send(notice_email(5))
    await mailer.close()

    (written,) = outbox.iterdir()
    assert written.name == outbox_file_name("<job-5.new_message_notice@app.interlude.example>")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    message = read_eml(written)
    assert message["Message-ID"] == "<job-5.new_message_notice@app.interlude.example>"
    assert message["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert LINK in body_of(message, "plain")
    assert LINK in body_of(message, "html")


async def test_outbox_resend_of_the_same_job_replaces_its_file(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path)

    await mailer.send(notice_email(5))
    await mailer.send(notice_email(5))
    await mailer.send(notice_email(6))

    assert len(list(tmp_path.iterdir())) == 2
    assert all(path.suffix == ".eml" for path in tmp_path.iterdir())


async def test_outbox_logs_the_kind_and_file_but_never_the_body(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    mailer = OutboxMailer(tmp_path)

    with caplog.at_level(logging.INFO, logger="interlude.mail"):
        await mailer.send(notice_email(5))

    (record,) = caplog.records
    (written,) = tmp_path.iterdir()
    assert "new_message_notice" in record.getMessage()
    assert written.name in record.getMessage()
    assert LINK not in caplog.text
    assert "Riverside" not in caplog.text
    assert "reader@example.org" not in caplog.text


def test_an_email_without_message_id_never_reaches_a_transport() -> None:
    message = compose_email(
        templates.new_message_notice(
            sender_name="Riverside Practice", new_messages=1, open_url=LINK
        ),
        job_id=5,
        to="reader@example.org",
        mail_from="Interlude <no-reply@interlude.example>",
        public_url="https://app.interlude.example",
        now=NOW,
    )
    del message["Message-ID"]

    with pytest.raises(ValueError, match="Message-ID"):
        wire_email(message)


async def test_outbox_that_cannot_be_written_is_a_temporary_failure(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")

    with pytest.raises(TemporaryMailError, match="outbox"):
        await OutboxMailer(blocker / "mail-outbox").send(notice_email(5))
