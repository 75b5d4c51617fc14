"""A clinic's crisis resources on the wire: read by anyone, replaced by its admins."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from typing_extensions import TypedDict

from messaging.crisis_resources import MAX_RESOURCES
from web.models.fields import Input, Text

# The service tidies and checks each field (numbers, https addresses, lengths).
Detail = Annotated[str, Text(400)]


class CrisisResourceInput(Input):
    """One place to turn to; it needs a phone number, a text number or a web address.
    An absent or null detail is none."""

    name: Detail
    phone: Detail | None = None
    text: Detail | None = None
    url: Detail | None = None
    hours: Detail | None = None


class CrisisResources(Input):
    """The clinic's whole list, replacing the one before (empty: emergency numbers only)."""

    resources: Annotated[list[CrisisResourceInput], Field(max_length=MAX_RESOURCES)]


class CrisisResourceJson(TypedDict):
    name: str
    phone: str
    text: str
    url: str
    hours: str


class CrisisResourcesJson(TypedDict):
    resources: list[CrisisResourceJson]
