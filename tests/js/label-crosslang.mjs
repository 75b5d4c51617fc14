// Admin keys and group labels made here open in Python and back (driven by
// tests/integration/test_group_label_crosslang.py): reads JSON on stdin, writes JSON on stdout.
import { readFileSync } from "node:fs";

import { loadCrypto } from "./load-crypto.mjs";

const c = await loadCrypto();
const input = JSON.parse(readFileSync(0, "utf8"));
const d = (s) => c.b64decode(s);
const e = (b) => c.b64encode(b);
const admin = c.identityFromSecrets(input.admin_id, d(input.sign_seed), d(input.box_sk));

if (process.argv[2] === "make") {
  const { publicKey, secretKey } = c.createAdminKey();
  const seal = c.sealAdminKey(secretKey, input.clinic_id, input.generation, admin.boxPk);
  const label = c.createGroupLabel(admin, input.thread_id, input.generation, input.text, publicKey);
  const signature = c.signAdminKey(admin, input.clinic_id, input.generation, publicKey);
  process.stdout.write(JSON.stringify({ public_key: e(publicKey), seal: e(seal), label: e(label), signature: e(signature) }));
} else {
  c.verifyAdminKey(d(input.signature), input.clinic_id, input.generation, d(input.public_key), admin.userId, admin.signPk);
  const secret = c.openAdminKey(d(input.seal), input.clinic_id, input.generation, d(input.public_key), admin);
  const text = c.openGroupLabel(c.parseGroupLabel(d(input.label)), input.thread_id, admin.signPk, secret);
  process.stdout.write(JSON.stringify({ text }));
}
