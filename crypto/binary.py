"""Length-prefixed big-endian binary encoding shared by every format in the crypto core."""

from __future__ import annotations

import uuid

from crypto.errors import MalformedError


class Writer:
    """Appends fixed-size and length-prefixed fields; integers are unsigned big-endian."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def u8(self, value: int) -> Writer:
        return self._int(value, 1)

    def u16(self, value: int) -> Writer:
        return self._int(value, 2)

    def u32(self, value: int) -> Writer:
        return self._int(value, 4)

    def u64(self, value: int) -> Writer:
        return self._int(value, 8)

    def fixed(self, value: bytes, size: int) -> Writer:
        if len(value) != size:
            raise MalformedError(f"expected {size} bytes, got {len(value)}")
        self._parts.append(bytes(value))
        return self

    def uuid(self, value: uuid.UUID) -> Writer:
        return self.fixed(value.bytes, 16)

    def var16(self, value: bytes) -> Writer:
        """Writes a u16 length followed by the bytes."""
        return self.u16(len(value)).fixed(value, len(value))

    def var32(self, value: bytes) -> Writer:
        """Writes a u32 length followed by the bytes."""
        return self.u32(len(value)).fixed(value, len(value))

    def getvalue(self) -> bytes:
        return b"".join(self._parts)

    def _int(self, value: int, size: int) -> Writer:
        if not 0 <= value < 1 << (8 * size):
            raise MalformedError(f"integer {value} does not fit in {size} bytes")
        self._parts.append(value.to_bytes(size, "big"))
        return self


class Reader:
    """Reads the fields `Writer` writes; every short read raises `MalformedError`."""

    def __init__(self, data: bytes) -> None:
        self._data = bytes(data)
        self._pos = 0

    @property
    def position(self) -> int:
        return self._pos

    def u8(self) -> int:
        return int.from_bytes(self.fixed(1), "big")

    def u16(self) -> int:
        return int.from_bytes(self.fixed(2), "big")

    def u32(self) -> int:
        return int.from_bytes(self.fixed(4), "big")

    def u64(self) -> int:
        return int.from_bytes(self.fixed(8), "big")

    def fixed(self, size: int) -> bytes:
        end = self._pos + size
        if end > len(self._data):
            raise MalformedError("truncated input")
        chunk = self._data[self._pos : end]
        self._pos = end
        return chunk

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(bytes=self.fixed(16))

    def var16(self) -> bytes:
        return self.fixed(self.u16())

    def var32(self) -> bytes:
        return self.fixed(self.u32())

    def end(self) -> None:
        """Raises unless every byte was consumed (no trailing data is ever accepted)."""
        if self._pos != len(self._data):
            raise MalformedError("trailing bytes")
