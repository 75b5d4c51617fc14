// How roles and account states read in sentences and tables.

const ROLE_WORDS = { admin: "a clinic administrator", therapist: "a therapist", client: "a client" };
const ROLE_NAMES = { admin: "Administrator", therapist: "Therapist", client: "Client" };
const STATUS_NAMES = { active: "Active", disabled: "Disabled" };

/** "a therapist" */
export function roleWords(role) {
  return ROLE_WORDS[role] ?? role;
}

/** "Therapist" */
export function roleName(role) {
  return ROLE_NAMES[role] ?? role;
}

export function statusName(status) {
  return STATUS_NAMES[status] ?? status;
}

export const ROLE_CHOICES = [
  ["client", "Client"],
  ["therapist", "Therapist"],
  ["admin", "Clinic administrator"],
];
