"""The consultation page's crypto in the browser (web/static/js/crypto.js) and in Python
(crypto/intake.py) agree: requests and intake-key seals made by either open in the other,
and the server accepts the browser's proof of work."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

import crypto as c
from crypto import intake
from tests.support.node import run_node_script

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "js" / "intake-crosslang.mjs"


def run_node(mode: str, payload: dict[str, Any]) -> dict[str, Any]:
    return run_node_script(SCRIPT, mode, payload)


def test_a_request_sealed_in_the_browser_opens_in_python_and_its_work_verifies() -> None:
    clinic_id = uuid.uuid4()
    admin = c.generate_identity(uuid.uuid4())
    challenge = f"{clinic_id}.1900000000.abc.sig"
    made = run_node(
        "make",
        {
            "clinic_id": str(clinic_id),
            "admin_box_pk": c.b64encode(admin.box_pk),
            "text": '{"message": "Grüße aus dem Browser"}',
            "challenge": challenge,
            "bits": 12,
        },
    )
    secret = intake.open_intake_key(
        c.b64decode(made["seal"]), admin.box_pk, admin.box_sk, clinic_id
    )
    opened = intake.open_request(
        c.b64decode(made["request"]), c.b64decode(made["public_key"]), secret, clinic_id
    )
    assert json.loads(opened) == {"message": "Grüße aus dem Browser"}
    assert intake.pow_ok(challenge.encode(), c.b64decode(made["nonce"]), 12)
    assert c.b64decode(made["nonce"]) == intake.solve_pow(challenge.encode(), 12)


def test_a_request_and_a_handover_note_sealed_in_python_open_in_the_browser() -> None:
    clinic_id = uuid.uuid4()
    admin = c.generate_identity(uuid.uuid4())
    public, secret = intake.create_intake_key()
    request = intake.seal_request("Hallo ☀".encode(), public, clinic_id)
    opened = run_node(
        "open",
        {
            "clinic_id": str(clinic_id),
            "admin_id": str(admin.user_id),
            "sign_seed": c.b64encode(admin.sign_seed),
            "box_sk": c.b64encode(admin.box_sk),
            "seal": c.b64encode(intake.seal_intake_key(secret, admin.box_pk, clinic_id)),
            "request": c.b64encode(request),
            "public_key": c.b64encode(public),
            "note": c.b64encode(intake.seal_note("Für dich".encode(), admin.box_pk, admin.user_id)),
        },
    )
    assert opened == {"text": "Hallo ☀", "note": "Für dich"}


def test_a_request_for_another_clinic_does_not_open() -> None:
    public, secret = intake.create_intake_key()
    request = intake.seal_request(b"{}", public, uuid.uuid4())
    with pytest.raises(c.CryptoError):
        intake.open_request(request, public, secret, uuid.uuid4())
