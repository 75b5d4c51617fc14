"""A clinic's crisis resources: who to call, text or visit when someone needs help now.

Anyone may read them, logged in or not (the "Need help now?" page must work for a person
who cannot log in right now); only the clinic's admins change them. A new clinic starts with
sensible resources for its country, which its admins check and adjust. They are public
facts about the clinic, not health information, so they are stored in the clear.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from messaging import audit
from messaging.actors import Actor, RequestOrigin
from messaging.audit import AuditEntry
from messaging.context import ServiceContext
from messaging.errors import InvalidInput, NotFound
from messaging.policy import Action, authorize, clinic_of
from messaging.storage import crisis
from messaging.storage.database import UnitOfWork

MAX_RESOURCES = 6
MAX_NAME = 100
MAX_HOURS = 100
MAX_URL = 300
_NUMBER_CHARACTERS = re.compile(r"^\+?[0-9 ()./-]+$")


@dataclass(frozen=True, slots=True)
class CrisisResource:
    """One place to turn to. `phone` and `text` are numbers as people read them
    ("116 123"); clients dial them as `tel:` and `sms:` links of their digits."""

    name: str
    phone: str = ""
    text: str = ""
    url: str = ""
    hours: str = ""


ALWAYS_OPEN = "24 hours, every day"

DEFAULTS_BY_COUNTRY: dict[str, tuple[CrisisResource, ...]] = {
    "US": (
        CrisisResource(
            "988 Suicide & Crisis Lifeline", "988", "988", "https://988lifeline.org", ALWAYS_OPEN
        ),
    ),
    "CA": (
        CrisisResource(
            "9-8-8 Suicide Crisis Helpline", "988", "988", "https://988.ca", ALWAYS_OPEN
        ),
    ),
    "GB": (
        CrisisResource("Samaritans", "116 123", "", "https://www.samaritans.org", ALWAYS_OPEN),
        CrisisResource("Shout (text SHOUT)", "", "85258", "https://giveusashout.org", ALWAYS_OPEN),
    ),
    "IE": (CrisisResource("Samaritans", "116 123", "", "https://www.samaritans.org", ALWAYS_OPEN),),
    "AU": (CrisisResource("Lifeline", "13 11 14", "", "https://www.lifeline.org.au", ALWAYS_OPEN),),
    "NZ": (
        CrisisResource("Need to talk? 1737", "1737", "1737", "https://1737.org.nz", ALWAYS_OPEN),
    ),
    "DE": (
        CrisisResource(
            "TelefonSeelsorge", "0800 111 0 111", "", "https://www.telefonseelsorge.de", ALWAYS_OPEN
        ),
    ),
    "FR": (
        CrisisResource("3114 Prévention du suicide", "3114", "", "https://3114.fr", ALWAYS_OPEN),
    ),
}


def defaults_for(country: str | None) -> tuple[CrisisResource, ...]:
    """The starting resources for a clinic in `country` (ISO 3166 code), or none."""
    return DEFAULTS_BY_COUNTRY.get((country or "").upper(), ())


def clean_country(raw: str | None) -> str | None:
    if raw is None or raw == "":
        return None
    country = raw.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise InvalidInput("country: give a two-letter country code such as US, GB or DE.")
    return country


def _number(raw: str, field: str) -> str:
    number = " ".join(raw.split())
    if not number:
        return ""
    digits = sum(c.isdigit() for c in number)
    if len(number) > 30 or not _NUMBER_CHARACTERS.match(number) or not 2 <= digits <= 20:
        raise InvalidInput(f"{field}: give a number of 2 to 20 digits, e.g. 116 123 or +1 988.")
    return number


def _url(raw: str, field: str) -> str:
    url = raw.strip()
    if not url:
        return ""
    if len(url) > MAX_URL or not re.fullmatch(r"https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?", url):
        raise InvalidInput(f"{field}: give a web address starting with https://.")
    return url


def clean_resource(raw: CrisisResource, position: int) -> CrisisResource:
    where = f"resources[{position}]"
    name = " ".join(raw.name.split())
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(f"{where}.name: give a name of 1 to {MAX_NAME} characters.")
    hours = " ".join(raw.hours.split())
    if len(hours) > MAX_HOURS:
        raise InvalidInput(f"{where}.hours: at most {MAX_HOURS} characters.")
    resource = CrisisResource(
        name=name,
        phone=_number(raw.phone, f"{where}.phone"),
        text=_number(raw.text, f"{where}.text"),
        url=_url(raw.url, f"{where}.url"),
        hours=hours,
    )
    if not (resource.phone or resource.text or resource.url):
        raise InvalidInput(f"{where}: give a phone number, a text number or a web address.")
    return resource


def _stored(resources: tuple[CrisisResource, ...] | list[CrisisResource]) -> list[dict[str, Any]]:
    return [asdict(r) for r in resources]


async def start_for_new_clinic(
    uow: UnitOfWork, ctx: ServiceContext, clinic_id: uuid.UUID, country: str | None
) -> None:
    """Give a new clinic the defaults of its country (part of creating the clinic)."""
    await crisis.insert_resources(
        uow.session, clinic_id, country, _stored(defaults_for(country)), ctx.clock.now()
    )


async def read_crisis_resources(uow: UnitOfWork, clinic_id: uuid.UUID) -> list[CrisisResource]:
    """A clinic's crisis resources, for anyone (no login: see the module docstring)."""
    stored = await crisis.get_resources(uow.session, clinic_id)
    if stored is None:
        raise NotFound("No such clinic.")
    return [CrisisResource(**item) for item in stored]


async def set_crisis_resources(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    resources: list[CrisisResource],
    origin: RequestOrigin,
) -> list[CrisisResource]:
    """Replace the admin's clinic's crisis resources (an empty list is allowed: then the
    page shows emergency numbers only)."""
    allowed = authorize(actor, Action.MANAGE_CRISIS_RESOURCES, clinic_of(actor))
    if len(resources) > MAX_RESOURCES:
        raise InvalidInput(f"resources: at most {MAX_RESOURCES}.")
    cleaned = [clean_resource(r, i) for i, r in enumerate(resources)]
    now = ctx.clock.now()
    await crisis.replace_resources(uow.session, allowed.clinic_id, _stored(cleaned), now)
    await audit.record(
        uow,
        AuditEntry(
            "crisis_resources.changed",
            allowed.clinic_id,
            allowed.user_id,
            "clinic",
            str(allowed.clinic_id),
            {"count": len(cleaned)},
            origin.ip,
        ),
        now,
    )
    await uow.commit()
    return cleaned
