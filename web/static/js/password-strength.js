// A small local password strength estimate: no library, no network. It counts roughly how
// many guesses a password resists, discounting common passwords, repeats and sequences.

export const MIN_LENGTH = 12;

const COMMON = [
  "password", "passwort", "letmein", "welcome", "iloveyou", "qwerty", "qwertz", "azerty",
  "asdfgh", "zxcvbn", "123456", "654321", "abc123", "admin", "monkey", "dragon", "football",
  "baseball", "soccer", "sunshine", "princess", "shadow", "master", "superman", "batman",
  "trustno1", "starwars", "whatever", "freedom", "hello", "secret", "login", "summer",
  "winter", "spring", "autumn", "interlude", "therapy", "therapist", "changeme", "default",
];
const LEET = { "@": "a", 4: "a", 8: "b", 3: "e", 1: "i", "!": "i", 0: "o", $: "s", 5: "s", 7: "t", 2: "z" };
const KEYBOARD_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890"];

const LEVELS = [
  { label: "Too weak", advice: "add a few more words." },
  { label: "Weak", advice: "add a few more words or make it longer." },
  { label: "Fair", advice: "good enough; another word makes it stronger." },
  { label: "Good", advice: "a solid password." },
  { label: "Strong", advice: "an excellent password." },
];

function poolSize(text) {
  let pool = 0;
  if (/[a-z]/.test(text)) pool += 26;
  if (/[A-Z]/.test(text)) pool += 26;
  if (/[0-9]/.test(text)) pool += 10;
  if (/[ -/:-@[-`{-~]/.test(text)) pool += 33;
  if (/[^\x00-\x7f]/.test(text)) pool += 100;
  return Math.max(pool, 1);
}

function isStep(a, b) {
  const step = b.codePointAt(0) - a.codePointAt(0);
  if (Math.abs(step) === 1) return true;
  return KEYBOARD_ROWS.some((row) => {
    const i = row.indexOf(a);
    return i >= 0 && (row[i + 1] === b || row[i - 1] === b);
  });
}

/**
 * {score 0..4, label, advice, hints[], acceptable}. acceptable: long enough and not weak.
 */
export function estimate(password) {
  const text = String(password ?? "").normalize("NFC");
  const chars = [...text];
  const lower = text.toLowerCase();
  const plain = [...lower].map((c) => LEET[c] ?? c).join("");
  const perChar = Math.log2(poolSize(text));
  const hints = [];

  // A character that continues a run of three or more (aaa, abc, 123, qwe) adds little.
  const letters = [...lower];
  let bits = 0;
  let predictable = 0;
  let run = 0;
  letters.forEach((here, i) => {
    const previous = i > 0 ? letters[i - 1] : null;
    run = previous !== null && (here === previous || isStep(previous, here)) ? run + 1 : 0;
    if (run >= 2) {
      bits += 1;
      predictable += 1;
    } else {
      bits += perChar;
    }
  });

  let commonHit = false;
  for (const word of COMMON) {
    let at = plain.indexOf(word);
    while (at >= 0) {
      commonHit = true;
      bits -= Math.max(0, word.length * perChar - 8);
      at = plain.indexOf(word, at + word.length);
    }
  }
  if (COMMON.includes(plain.replace(/[^a-z]/g, "")) || /^(.)\1*$/.test(lower)) bits = Math.min(bits, 10);
  if (/(19|20)\d\d/.test(text)) bits -= 6;
  bits = Math.max(0, bits);

  if (chars.length > 0 && chars.length < MIN_LENGTH) hints.push(`Use at least ${MIN_LENGTH} characters; a few unrelated words work well.`);
  if (commonHit) hints.push("It contains a commonly used password. Choose words only you would put together.");
  if (predictable >= 3) hints.push("Avoid repeated characters and runs like abc, 123 or qwerty.");

  const score = bits < 30 ? 0 : bits < 45 ? 1 : bits < 60 ? 2 : bits < 80 ? 3 : 4;
  const acceptable = chars.length >= MIN_LENGTH && score >= 2;
  const level = LEVELS[acceptable ? score : Math.min(score, 1)];
  return Object.freeze({ score: acceptable ? score : Math.min(score, 1), label: level.label, advice: level.advice, hints, acceptable });
}
