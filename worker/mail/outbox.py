"""The embedded mode's mail transport: each email becomes an `.eml` file in a directory."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import tempfile
from pathlib import Path

from worker.mail.errors import TemporaryMailError
from worker.mail.wire import WireEmail

logger = logging.getLogger("interlude.mail")


def outbox_file_name(message_id: str) -> str:
    """The file an email is stored under: a hash of its Message-ID, so sending the same
    job's email again replaces the file instead of adding a second one."""
    digest = hashlib.sha256(message_id.strip().encode("utf-8")).hexdigest()
    return f"{digest[:32]}.eml"


class OutboxMailer:
    """A `Mailer` that writes each email atomically (temporary file, then rename) as
    `<hash of Message-ID>.eml` in `directory`, readable only by its owner, and logs one line
    naming the kind of email and the file, never its content."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, email: WireEmail) -> None:
        """Write `email`; raises `TemporaryMailError` when the directory cannot be
        written."""
        name = outbox_file_name(email.message_id)
        try:
            await asyncio.to_thread(self._write, name, email.data)
        except OSError as error:
            raise TemporaryMailError(
                f"cannot write to the mail outbox: {error.strerror}"
            ) from error
        logger.info(
            "mail %s written to the outbox as %s",
            email.kind,
            name,
            extra={"mail_kind": email.kind},
        )

    async def close(self) -> None:
        """Nothing to release: every send finishes its own file."""

    def _write(self, name: str, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.directory / name)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
