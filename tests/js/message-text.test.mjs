// Message text to pieces (web/static/js/message-text.js): web addresses become links, the
// rest stays text; nothing is ever treated as markup.
import assert from "node:assert/strict";
import { test } from "node:test";

import { textParts } from "../../web/static/js/message-text.js";

test("web addresses are links without their trailing punctuation", () => {
  assert.deepEqual(textParts("see https://example.org/a?b=1. Thanks"), [
    { text: "see " },
    { href: "https://example.org/a?b=1" },
    { text: ". Thanks" },
  ]);
  assert.deepEqual(textParts("(http://x.example)"), [{ text: "(" }, { href: "http://x.example" }, { text: ")" }]);
});

test("markup and other schemes stay plain text", () => {
  const text = '<img src=x onerror="alert(1)"> javascript:alert(1) data:text/html,<b>x</b>';
  assert.deepEqual(textParts(text), [{ text }]);
});

test("text without addresses is one piece; empty text is none", () => {
  assert.deepEqual(textParts("line one\nline two"), [{ text: "line one\nline two" }]);
  assert.deepEqual(textParts(""), []);
});
