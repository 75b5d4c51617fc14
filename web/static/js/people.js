// The clinic's people for admin screens that show names instead of ids.
import { api } from "./api.js";

const PAGE = 200;

/** Every person in the clinic, following the keyset pages (by email). */
export async function allPeople() {
  const everyone = [];
  let after = "";
  for (;;) {
    const query = new URLSearchParams({ limit: String(PAGE), ...(after ? { after } : {}) });
    const { people } = await api("GET", `/api/clinic/people?${query}`);
    everyone.push(...people);
    if (people.length < PAGE) return everyone;
    after = people[people.length - 1].email;
  }
}

/** id -> display name. */
export function namesById(people) {
  return new Map(people.map((person) => [person.id, person.display_name]));
}
