"""What every service needs besides its unit of work: time, server keys and rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from messaging.clock import Clock
from messaging.events import EventPublisher, NoRealtime
from messaging.server_keys import ServerKeys
from messaging.settings import Settings


@dataclass(frozen=True, slots=True)
class AccountRules:
    session_lifetime: timedelta = timedelta(days=30)
    session_idle_timeout: timedelta = timedelta(days=7)
    invitation_lifetime: timedelta = timedelta(days=7)
    # Only tests turn this on: it admits the cheaper INTERACTIVE Argon2id profile.
    allow_interactive_kdf: bool = False


@dataclass(frozen=True, slots=True)
class ServiceContext:
    clock: Clock
    keys: ServerKeys
    rules: AccountRules
    public_url: str
    events: EventPublisher = field(default_factory=NoRealtime)

    @classmethod
    def from_settings(
        cls, settings: Settings, clock: Clock, events: EventPublisher | None = None
    ) -> ServiceContext:
        return cls(
            clock=clock,
            events=events or NoRealtime(),
            keys=ServerKeys.from_secret(settings.secret_key),
            rules=AccountRules(
                session_lifetime=timedelta(days=settings.session_lifetime_days),
                session_idle_timeout=timedelta(hours=settings.session_idle_hours),
                invitation_lifetime=timedelta(days=settings.invitation_days),
                allow_interactive_kdf=settings.allow_interactive_kdf,
            ),
            public_url=settings.public_url,
        )
