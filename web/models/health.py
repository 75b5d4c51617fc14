"""Probe answers on the wire."""

from __future__ import annotations

from typing import Literal

from typing_extensions import TypedDict


class Alive(TypedDict):
    status: Literal["alive"]


class Ready(TypedDict):
    status: Literal["ready"]
    checks: list[str]
