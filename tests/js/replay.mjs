// Replays the random chunks recorded in the vectors, checking each draw's size.
import assert from "node:assert/strict";

export function replayRng(crypto, chunks) {
  const queue = chunks.map((chunk) => crypto.b64decode(chunk));
  const rng = (n) => {
    assert.ok(queue.length > 0, `unexpected extra draw of ${n} bytes`);
    const next = queue.shift();
    assert.equal(next.length, n, "draw of a different size than recorded");
    return next;
  };
  rng.done = () => assert.equal(queue.length, 0, "recorded randomness left unused");
  return rng;
}
