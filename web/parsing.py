"""Reading a request's JSON body and its path parameters.

Bodies and query strings are checked against the route's models (`web.api`, `web.models`);
this module reads the raw body safely (size, content type, valid JSON object) and parses
path parameters, which `web.openapi.PATH_PARAMETERS` describes by name. Every failure is an
`InvalidInput` naming the field, so a client always learns what to fix.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from starlette.requests import Request

from messaging.errors import InvalidInput, PayloadTooLarge

MAX_BODY_BYTES = 1024 * 1024


async def read_json(request: Request) -> dict[str, Any]:
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


def path_uuid(request: Request, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(request.path_params[name]))
    except ValueError:
        raise InvalidInput(f"{name}: not a valid id.") from None


def path_int(request: Request, name: str) -> int:
    raw = str(request.path_params[name])
    if not digits(raw) or len(raw) > 18:
        raise InvalidInput(f"{name}: not a valid id.")
    return int(raw)
