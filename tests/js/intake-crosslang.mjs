// Consultation-request crypto made here opens in Python and back (driven by
// tests/integration/test_intake_crosslang.py): reads JSON on stdin, writes JSON on stdout.
import { readFileSync } from "node:fs";

import { loadCrypto } from "./load-crypto.mjs";

const c = await loadCrypto();
const input = JSON.parse(readFileSync(0, "utf8"));
const d = (s) => c.b64decode(s);
const e = (b) => c.b64encode(b);

if (process.argv[2] === "make") {
  const { publicKey, secretKey } = c.createIntakeKey();
  const request = c.sealIntakeRequest(new TextEncoder().encode(input.text), publicKey, input.clinic_id);
  const seal = c.sealIntakeKey(secretKey, d(input.admin_box_pk), input.clinic_id);
  const nonce = await c.solveProofOfWork(input.challenge, input.bits);
  process.stdout.write(JSON.stringify({ public_key: e(publicKey), request: e(request), seal: e(seal), nonce: e(nonce) }));
} else {
  const identity = c.identityFromSecrets(input.admin_id, d(input.sign_seed), d(input.box_sk));
  const secret = c.openIntakeKey(d(input.seal), identity, input.clinic_id);
  const text = new TextDecoder().decode(c.openIntakeRequest(d(input.request), d(input.public_key), secret, input.clinic_id));
  const note = new TextDecoder().decode(c.openIntakeNote(d(input.note), identity));
  process.stdout.write(JSON.stringify({ text, note }));
}
