"""The SDK's error: an API answer with an error status."""

from __future__ import annotations


class ApiError(Exception):
    """An error answer from the server: HTTP status plus the stable error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class SocketDropped(ConnectionError):
    """The socket was down, or went down before the answer came: whatever was asked may or
    may not have happened, so only an idempotent request may be repeated (over HTTP)."""
