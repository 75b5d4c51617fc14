// Groups: invitations and the groups this person is in (unread counts); for administrators
// also every group of the clinic and the way to create one.
import { screen } from "../dom.js";
import { clinicGroups, groupList } from "../groups.js";
import { statusLine } from "../forms.js";
import * as session from "../session.js";

export function render({ signal, notice }) {
  const status = statusLine();
  if (notice) status.show(notice);
  return screen(
    "Groups",
    status.element,
    groupList({ signal }).element,
    session.isAdmin() ? clinicGroups().element : null,
  );
}
