// Message text as pieces to show: plain text, and web addresses shown as links. Links are
// only ever shown, never fetched (no previews); nothing is parsed as HTML.

const WEB_ADDRESS = /\bhttps?:\/\/[^\s<>"]+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"]+$/;

/** "see https://x.org/a." -> [{text: "see "}, {href: "https://x.org/a"}, {text: "."}] */
export function textParts(text) {
  const parts = [];
  let at = 0;
  for (const found of text.matchAll(WEB_ADDRESS)) {
    const address = found[0].replace(TRAILING_PUNCTUATION, "");
    if (!isWebAddress(address)) continue;
    if (found.index > at) parts.push({ text: text.slice(at, found.index) });
    parts.push({ href: address });
    at = found.index + address.length;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}

function isWebAddress(candidate) {
  try {
    const url = new URL(candidate);
    return (url.protocol === "https:" || url.protocol === "http:") && Boolean(url.hostname);
  } catch {
    return false;
  }
}
