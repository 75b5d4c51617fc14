"""Field types shared by the request models: each validates like `web.parsing` always has
(strict numbers, storable text, base64url without padding, times with an offset) and
describes itself in the JSON Schema of the OpenAPI document."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from annotated_types import GroupedMetadata
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from crypto import MalformedError, b64decode

BASE64URL_PATTERN = "^[A-Za-z0-9_-]*$"


class Input(BaseModel):
    """Base of every request model: unknown fields are ignored, values are immutable."""

    model_config = ConfigDict(frozen=True, extra="ignore")


def _storable(value: str) -> str:
    """Text every database can store: valid Unicode (no lone surrogates) and no NUL."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError(
            "not_text", "contains characters that are not valid text"
        ) from None
    if "\x00" in value:
        raise PydanticCustomError("nul", "contains a NUL character")
    return value


class Text(GroupedMetadata):
    """`Annotated[str, Text(320)]`: text of at most `max_length` characters that any
    database can store."""

    def __init__(self, max_length: int = 1000) -> None:
        self.max_length = max_length

    def __iter__(self) -> Iterator[object]:
        yield Field(strict=True, max_length=self.max_length)
        yield AfterValidator(_storable)


class Whole(GroupedMetadata):
    """`Annotated[int, Whole(0, 23)]`: a whole number (not a boolean, not a string of
    digits) within bounds."""

    def __init__(self, minimum: int = 0, maximum: int = 2**53) -> None:
        self.minimum, self.maximum = minimum, maximum

    def __iter__(self) -> Iterator[object]:
        yield Field(strict=True, ge=self.minimum, le=self.maximum)


class Base64(GroupedMetadata):
    """`Annotated[bytes, Base64(size=32)]`: binary sent as base64url without padding,
    decoded to bytes; `size` demands an exact length, `max_size` bounds it."""

    def __init__(self, *, size: int | None = None, max_size: int = 512 * 1024) -> None:
        self.size, self.max_size = size, max_size

    def decode(self, value: object) -> bytes:
        if not isinstance(value, str) or len(value) > (self.max_size * 4) // 3 + 4:
            raise PydanticCustomError("base64url", "base64url text is required")
        try:
            decoded = b64decode(value)
        except MalformedError:
            raise PydanticCustomError(
                "base64url", "not valid base64url (without padding)"
            ) from None
        if self.size is not None and len(decoded) != self.size:
            raise PydanticCustomError("size", "must be {size} bytes", {"size": self.size})
        if len(decoded) > self.max_size:
            raise PydanticCustomError("size", "too large")
        return decoded

    def __iter__(self) -> Iterator[object]:
        schema: dict[str, Any] = {
            "type": "string",
            "contentEncoding": "base64url",
            "pattern": BASE64URL_PATTERN,
        }
        if self.size is not None:
            schema["minLength"] = schema["maxLength"] = (self.size * 4 + 2) // 3
            schema["description"] = f"{self.size} bytes, base64url without padding"
        else:
            schema["maxLength"] = (self.max_size * 4 + 2) // 3
            schema["description"] = f"at most {self.max_size} bytes, base64url without padding"
        yield BeforeValidator(self.decode)
        yield WithJsonSchema(schema)


Flag = Annotated[bool, Field(strict=True)]


def _instant(value: object) -> datetime:
    if isinstance(value, str):
        with contextlib.suppress(ValueError, OverflowError):  # refused below
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is not None:
                return parsed.astimezone(UTC)
    raise PydanticCustomError(
        "instant", "a time with its offset is required, e.g. 2026-11-30T14:00:00Z"
    )


Instant = Annotated[
    datetime,
    BeforeValidator(_instant),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


def _identifier(value: object) -> uuid.UUID:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):  # refused below
            return uuid.UUID(value)
    raise PydanticCustomError("uuid", "a valid id is required")


Id = Annotated[
    uuid.UUID,
    BeforeValidator(_identifier),
    WithJsonSchema({"type": "string", "format": "uuid"}),
]


def _clock_time(value: object) -> int:
    """ "HH:MM" to minutes after midnight."""
    if isinstance(value, str) and len(value) == 5 and value[2] == ":":
        hours, minutes = value[:2], value[3:]
        if (
            hours.isascii()
            and hours.isdigit()
            and minutes.isascii()
            and minutes.isdigit()
            and int(hours) < 24
            and int(minutes) < 60
        ):
            return int(hours) * 60 + int(minutes)
    raise PydanticCustomError("clock_time", "a time like 22:00 is required")


ClockTime = Annotated[
    int,
    BeforeValidator(_clock_time),
    WithJsonSchema({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}),
]

# Response fields: what the serializers write.
Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
IdText = Annotated[str, WithJsonSchema({"type": "string", "format": "uuid"})]
Base64Text = Annotated[
    str,
    WithJsonSchema(
        {"type": "string", "contentEncoding": "base64url", "pattern": BASE64URL_PATTERN}
    ),
]


class QueryWhole(GroupedMetadata):
    """`Annotated[int, QueryWhole(1, 100)]`: a query parameter of ASCII digits only (at
    most 18 of them) within bounds."""

    def __init__(self, minimum: int = 0, maximum: int = 2**53) -> None:
        self.minimum, self.maximum = minimum, maximum

    def parse(self, value: object) -> object:
        if isinstance(value, str):
            if not (value.isascii() and value.isdigit() and len(value) <= 18):
                raise PydanticCustomError(
                    "whole",
                    "a whole number from {minimum} to {maximum} is required",
                    {"minimum": self.minimum, "maximum": self.maximum},
                )
            return int(value)
        return value

    def __iter__(self) -> Iterator[object]:
        yield BeforeValidator(self.parse)
        yield Field(strict=True, ge=self.minimum, le=self.maximum)
