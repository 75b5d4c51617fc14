"""Free first consultations: a clinic's public page and the requests it receives.

A prospective client (no account) fills in a form that their browser seals to the clinic's
intake key (an X25519 key whose private half is sealed to each admin, docs/crypto.md
section 11), so the server stores requests it cannot read. Abuse control needs no third
party: each request carries a proof of work over a challenge the server issued (signed,
short-lived, good for one request), each client address may send a few an hour, and a
hidden field that people leave empty is a trap for bots (a filled one is accepted in
appearance and dropped). Admins see a queue, invite or decline; every request is deleted
after the period the clinic chose.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crypto import CryptoError
from crypto.intake import check_sealed_request, pow_ok
from messaging import audit, jobs, throttle
from messaging.actors import Actor, RequestOrigin, Role
from messaging.audit import AuditEntry
from messaging.clinics import IssuedInvitation, issue_invitation
from messaging.context import ServiceContext
from messaging.errors import Conflict, InvalidInput, NotFound
from messaging.policy import Action, Target, authorize, clinic_of, own
from messaging.storage import accounts, invitations
from messaging.storage import consultations as store
from messaging.storage.database import UnitOfWork
from messaging.storage.records import ClinicPolicyRecord, ConsultationRecord
from messaging.throttle import ThrottleRule, ensure_not_locked

POW_BITS = 16
CHALLENGE_LIFETIME = timedelta(minutes=30)
PER_ADDRESS = ThrottleRule(max_failures=5, window=timedelta(hours=1), lockout=timedelta(hours=1))
EXPIRE_KIND = "consultation.expire"
DEFAULT_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 365
MAX_PAGE_TEXT = 2000
MAX_QUEUE = 200
CLOSED = "This clinic is not taking consultation requests here."


def default_policy(clinic_id: uuid.UUID, now: datetime) -> ClinicPolicyRecord:
    """Until a clinic chooses: threads kept until deleted, the page closed."""
    return ClinicPolicyRecord(
        clinic_id=clinic_id,
        retention_years=None,
        consultation_open=False,
        consultation_text="",
        consultation_retention_days=DEFAULT_RETENTION_DAYS,
        intake_public_key=None,
        updated_at=now,
    )


async def policy_of(uow: UnitOfWork, clinic_id: uuid.UUID, now: datetime) -> ClinicPolicyRecord:
    return await store.get_policy(uow.session, clinic_id) or default_policy(clinic_id, now)


@dataclass(frozen=True, slots=True)
class PublicPage:
    clinic_name: str
    text: str
    intake_public_key: bytes
    challenge: str
    pow_bits: int


def _challenge(ctx: ServiceContext, clinic_id: uuid.UUID, now: datetime) -> str:
    expires = int((now + CHALLENGE_LIFETIME).timestamp())
    body = f"{clinic_id}.{expires}.{secrets.token_hex(16)}"
    return f"{body}.{ctx.keys.sign_link('pow:' + body)}"


def _check_challenge(
    ctx: ServiceContext, clinic_id: uuid.UUID, challenge: str, now: datetime
) -> None:
    parts = challenge.split(".")
    if len(parts) != 4 or parts[0] != str(clinic_id) or not parts[1].isdigit():
        raise InvalidInput("challenge: not one this page issued.")
    body = ".".join(parts[:3])
    if not ctx.keys.verify_link("pow:" + body, parts[3]):
        raise InvalidInput("challenge: not one this page issued.")
    if datetime.fromtimestamp(int(parts[1]), UTC) < now:
        raise InvalidInput("challenge: expired; reload the page and send again.")


async def _open_page(uow: UnitOfWork, clinic_id: uuid.UUID, now: datetime) -> ClinicPolicyRecord:
    policy = await store.get_policy(uow.session, clinic_id)
    if policy is None or not policy.consultation_open or policy.intake_public_key is None:
        raise NotFound(CLOSED)
    return policy


async def public_page(uow: UnitOfWork, ctx: ServiceContext, clinic_id: uuid.UUID) -> PublicPage:
    """What the public page shows and needs (no login): the clinic's words, its intake
    key and a fresh proof-of-work challenge. Not found while the page is closed."""
    now = ctx.clock.now()
    policy = await _open_page(uow, clinic_id, now)
    clinic = await accounts.get_clinic(uow.session, clinic_id)
    assert clinic is not None
    assert policy.intake_public_key is not None
    return PublicPage(
        clinic.name,
        policy.consultation_text,
        policy.intake_public_key,
        _challenge(ctx, clinic_id, now),
        POW_BITS,
    )


async def submit(
    uow: UnitOfWork,
    ctx: ServiceContext,
    clinic_id: uuid.UUID,
    sealed: bytes,
    challenge: str,
    nonce: bytes,
    honeypot: str,
    origin: RequestOrigin,
) -> None:
    """Store a sealed request after checking the page is open, the address is under its
    hourly limit, the challenge is this server's, fresh and unused, and the proof of work
    holds. A filled honeypot is answered like a success and stores nothing."""
    now = ctx.clock.now()
    policy = await _open_page(uow, clinic_id, now)
    address = ctx.keys.throttle_key("consultation", origin.ip or "unknown")
    await ensure_not_locked(uow, address, now)
    _check_challenge(ctx, clinic_id, challenge, now)
    if not pow_ok(challenge.encode(), nonce, POW_BITS):
        raise InvalidInput("nonce: the proof of work does not hold.")
    try:
        check_sealed_request(sealed)
    except CryptoError:
        raise InvalidInput("sealed: not a sealed consultation request.") from None
    challenge_hash = hashlib.blake2b(challenge.encode(), digest_size=32).digest()
    if await store.challenge_used(uow.session, challenge_hash):
        raise Conflict("That form was already sent; reload the page to send another.")
    await throttle.record(uow, address, PER_ADDRESS, now)
    if honeypot:
        await uow.commit()
        return
    expires = now + timedelta(days=policy.consultation_retention_days)
    record = ConsultationRecord(
        id=uuid.uuid4(),
        clinic_id=clinic_id,
        sealed=sealed,
        challenge_hash=challenge_hash,
        state="open",
        created_at=now,
        expires_at=expires,
        decided_at=None,
        invitation_id=None,
        handover_note=None,
    )
    await store.insert_request(uow.session, record)
    await jobs.enqueue(
        uow,
        EXPIRE_KIND,
        {"clinic_id": str(clinic_id)},
        now=now,
        run_at=expires,
        clinic_id=clinic_id,
    )
    await uow.commit()


async def settings_of(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None
) -> ClinicPolicyRecord:
    allowed = authorize(actor, Action.MANAGE_RECORD_POLICY, clinic_of(actor))
    return await policy_of(uow, allowed.clinic_id, ctx.clock.now())


async def set_page(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    *,
    open_page: bool,
    text: str,
    retention_days: int,
) -> ClinicPolicyRecord:
    """Open or close the page, say what it says, and choose how long requests are kept."""
    allowed = authorize(actor, Action.MANAGE_RECORD_POLICY, clinic_of(actor))
    if len(text) > MAX_PAGE_TEXT:
        raise InvalidInput(f"text: at most {MAX_PAGE_TEXT} characters.")
    if not 1 <= retention_days <= MAX_RETENTION_DAYS:
        raise InvalidInput(f"retention_days: between 1 and {MAX_RETENTION_DAYS}.")
    now = ctx.clock.now()
    current = await policy_of(uow, allowed.clinic_id, now)
    if open_page and current.intake_public_key is None:
        raise Conflict("Set up the clinic's intake key before opening the page.")
    updated = ClinicPolicyRecord(
        clinic_id=allowed.clinic_id,
        retention_years=current.retention_years,
        consultation_open=open_page,
        consultation_text=text,
        consultation_retention_days=retention_days,
        intake_public_key=current.intake_public_key,
        updated_at=now,
    )
    await store.save_policy(uow.session, updated)
    await uow.commit()
    return updated


async def set_intake_key(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    public_key: bytes,
    seals: dict[uuid.UUID, bytes],
) -> ClinicPolicyRecord:
    """A new intake key: its public half, and its private half sealed (in the admin's
    browser) to every active admin of the clinic. Requests sealed to an older key stay
    readable only to admins who kept that key."""
    allowed = authorize(actor, Action.MANAGE_RECORD_POLICY, clinic_of(actor))
    if len(public_key) != 32:
        raise InvalidInput("public_key: must be 32 bytes.")
    admins = set(await accounts.active_admin_ids(uow.session, allowed.clinic_id))
    if set(seals) != admins:
        raise InvalidInput("seals: one for every active admin of the clinic, and no one else.")
    now = ctx.clock.now()
    current = await policy_of(uow, allowed.clinic_id, now)
    updated = ClinicPolicyRecord(
        clinic_id=allowed.clinic_id,
        retention_years=current.retention_years,
        consultation_open=current.consultation_open,
        consultation_text=current.consultation_text,
        consultation_retention_days=current.consultation_retention_days,
        intake_public_key=public_key,
        updated_at=now,
    )
    await store.save_policy(uow.session, updated)
    await store.replace_intake_seals(uow.session, allowed.clinic_id, seals)
    await audit.record(
        uow,
        AuditEntry(
            "clinic.intake_key_changed",
            allowed.clinic_id,
            allowed.user_id,
            "clinic",
            str(allowed.clinic_id),
            {"admins": len(seals)},
        ),
        now,
    )
    await uow.commit()
    return updated


async def my_intake_key(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None
) -> tuple[bytes | None, bytes | None]:
    """(the intake public key, its private half sealed to this admin), either None."""
    allowed = authorize(actor, Action.MANAGE_CONSULTATIONS, clinic_of(actor))
    policy = await policy_of(uow, allowed.clinic_id, ctx.clock.now())
    sealed = await store.intake_seal_for(uow.session, allowed.clinic_id, allowed.user_id)
    return policy.intake_public_key, sealed


async def request_queue(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None
) -> list[ConsultationRecord]:
    allowed = authorize(actor, Action.MANAGE_CONSULTATIONS, clinic_of(actor))
    return await store.queue(uow.session, allowed.clinic_id, MAX_QUEUE)


async def _request_of_clinic(
    uow: UnitOfWork, actor: Actor | None, request_id: uuid.UUID
) -> tuple[Actor, ConsultationRecord]:
    found = await store.get_request(uow.session, request_id)
    if found is None:
        raise NotFound("No such request.")
    return authorize(actor, Action.MANAGE_CONSULTATIONS, Target(found.clinic_id)), found


async def decline(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, request_id: uuid.UUID
) -> ConsultationRecord:
    _, found = await _request_of_clinic(uow, actor, request_id)
    if not await store.decide(uow.session, found.id, "declined", ctx.clock.now()):
        raise Conflict("That request was already answered.")
    await uow.commit()
    updated = await store.get_request(uow.session, found.id)
    assert updated is not None
    return updated


async def invite(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    request_id: uuid.UUID,
    email: str,
    display_name: str,
    origin: RequestOrigin,
) -> IssuedInvitation:
    """Answer a request with an invitation to join the clinic as a client."""
    allowed, found = await _request_of_clinic(uow, actor, request_id)
    issued = await issue_invitation(
        uow, ctx, allowed.clinic_id, allowed.user_id, email, display_name, Role.CLIENT, origin.ip
    )
    if not await store.decide(
        uow.session, found.id, "invited", ctx.clock.now(), issued.invitation.id
    ):
        raise Conflict("That request was already answered.")
    await uow.commit()
    return issued


MAX_NOTE_BYTES = 16 * 1024


async def hand_over(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    request_id: uuid.UUID,
    sealed_note: bytes,
) -> ConsultationRecord:
    """Leave the request's text, sealed by the admin's client to the invited client's key,
    for that client: their client posts it as the first message of their thread. Only
    once the invitation was accepted (before, the client has no key)."""
    _, found = await _request_of_clinic(uow, actor, request_id)
    if found.state != "invited" or found.invitation_id is None:
        raise Conflict("Invite the person first.")
    invitation = await invitations.get_invitation(uow.session, found.invitation_id)
    if invitation is None or invitation.accepted_at is None:
        raise Conflict("The invitation has not been accepted yet.")
    if not sealed_note or len(sealed_note) > MAX_NOTE_BYTES:
        raise InvalidInput("sealed_note: a sealed note of at most 16 KiB.")
    await store.set_handover(uow.session, found.id, sealed_note)
    await uow.commit()
    updated = await store.get_request(uow.session, found.id)
    assert updated is not None
    return updated


async def my_intake_note(uow: UnitOfWork, actor: Actor | None) -> ConsultationRecord | None:
    """For a client: their consultation request's text waiting to be posted, if any."""
    allowed = authorize(actor, Action.READ_OWN_INTAKE_NOTE, own(actor))
    return await store.handover_for(uow.session, allowed.user_id)


async def intake_note_posted(uow: UnitOfWork, actor: Actor | None) -> None:
    """The client posted the note into their thread: it is dropped from the request."""
    allowed = authorize(actor, Action.READ_OWN_INTAKE_NOTE, own(actor))
    found = await store.handover_for(uow.session, allowed.user_id)
    if found is not None:
        await store.set_handover(uow.session, found.id, None)
    await uow.commit()


async def expire(uow: UnitOfWork, ctx: ServiceContext) -> int:
    """Delete every request past the period its clinic chose (the expiry job)."""
    deleted = await store.delete_expired(uow.session, ctx.clock.now())
    await uow.commit()
    return deleted
