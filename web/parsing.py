"""Turning request bodies, path and query parameters into typed values.

Every failure is an `InvalidInput` naming the field, so a client always learns what to fix.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from crypto import MalformedError, b64decode
from messaging.errors import InvalidInput, PayloadTooLarge

MAX_BODY_BYTES = 1024 * 1024

Body = dict[str, Any]


async def read_json(request: Request) -> Body:
    """The request's JSON object (at most 1 MiB)."""
    declared = request.headers.get("content-length")
    if declared is not None and digits(declared) and int(declared) > MAX_BODY_BYTES:
        raise PayloadTooLarge("The request body is too large.")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise InvalidInput("Send the body as JSON with Content-Type: application/json.")
    chunks = bytearray()
    async for chunk in request.stream():
        chunks.extend(chunk)
        if len(chunks) > MAX_BODY_BYTES:
            raise PayloadTooLarge("The request body is too large.")
    try:
        body = json.loads(chunks)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidInput("The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object.")
    return body


def digits(raw: str) -> bool:
    """Only the ASCII digits 0-9 (str.isdigit also accepts "²", which int() refuses)."""
    return raw.isascii() and raw.isdigit()


def storable(value: str, name: str) -> str:
    """Text every database can store: valid Unicode (no lone surrogates) and no NUL."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"{name}: contains characters that are not valid text.") from None
    if "\x00" in value:
        raise InvalidInput(f"{name}: contains a NUL character.")
    return value


def text(body: Body, name: str, *, max_length: int = 1000, optional: bool = False) -> str:
    value = body.get(name)
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{name}: a text value is required.")
    if len(value) > max_length:
        raise InvalidInput(f"{name}: at most {max_length} characters.")
    return storable(value, name)


def integer(body: Body, name: str, *, minimum: int = 0, maximum: int = 2**53) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        raise InvalidInput(f"{name}: a whole number from {minimum} to {maximum} is required.")
    return value


def binary(body: Body, name: str, *, size: int | None = None, max_size: int = 512 * 1024) -> bytes:
    """A base64url (no padding) field, decoded; `size` demands an exact length."""
    value = body.get(name)
    if not isinstance(value, str) or len(value) > (max_size * 4) // 3 + 4:
        raise InvalidInput(f"{name}: base64url text is required.")
    try:
        decoded = b64decode(value)
    except MalformedError:
        raise InvalidInput(f"{name}: not valid base64url (without padding).") from None
    if size is not None and len(decoded) != size:
        raise InvalidInput(f"{name}: must be {size} bytes.")
    if len(decoded) > max_size:
        raise InvalidInput(f"{name}: too large.")
    return decoded


def instant(body: Body, name: str) -> datetime:
    """An ISO 8601 time with its offset (e.g. 2026-11-30T14:00:00Z)."""
    value = body.get(name)
    if isinstance(value, str):
        with contextlib.suppress(ValueError, OverflowError):  # refused below
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is not None:
                return parsed.astimezone(UTC)
    raise InvalidInput(f"{name}: a time with its offset is required, e.g. 2026-11-30T14:00:00Z.")


def string_list(body: Body, name: str, *, max_items: int = 400) -> list[str]:
    value = body.get(name)
    if (
        not isinstance(value, list)
        or len(value) > max_items
        or not all(isinstance(v, str) for v in value)
    ):
        raise InvalidInput(f"{name}: a list of text values is required.")
    return value


def obj(body: Body, name: str) -> Body:
    value = body.get(name)
    if not isinstance(value, dict):
        raise InvalidInput(f"{name}: an object is required.")
    return value


def path_uuid(request: Request, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(request.path_params[name]))
    except ValueError:
        raise InvalidInput(f"{name}: not a valid id.") from None


def uuid_field(body: Body, name: str) -> uuid.UUID:
    value = body.get(name)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):  # refused below
            return uuid.UUID(value)
    raise InvalidInput(f"{name}: a valid id is required.")


def path_int(request: Request, name: str) -> int:
    raw = str(request.path_params[name])
    if not digits(raw) or len(raw) > 18:
        raise InvalidInput(f"{name}: not a valid id.")
    return int(raw)


def optional_query_int(
    request: Request, name: str, *, minimum: int = 0, maximum: int = 2**53
) -> int | None:
    if name not in request.query_params:
        return None
    return query_int(request, name, minimum, minimum=minimum, maximum=maximum)


def query_int(
    request: Request, name: str, default: int, *, minimum: int = 0, maximum: int = 2**53
) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not digits(raw) or len(raw) > 18 or not minimum <= int(raw) <= maximum:
        raise InvalidInput(f"{name}: a whole number from {minimum} to {maximum} is required.")
    return int(raw)


def query_text(request: Request, name: str, *, max_length: int = 320) -> str:
    """An optional text query parameter ("" when absent) that every database can store."""
    raw = request.query_params.get(name, "")
    if len(raw) > max_length:
        raise InvalidInput(f"{name}: at most {max_length} characters.")
    return storable(raw, name)
