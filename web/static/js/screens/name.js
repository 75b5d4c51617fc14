// Your name: how the others in your clinic and your conversations see you.
import { api } from "../api.js";
import { h, screen } from "../dom.js";
import { describe } from "../failures.js";
import { alertLine, field, showProblem, statusLine, whileWorking, workingLine } from "../forms.js";
import * as session from "../session.js";

export function render() {
  const name = field({ label: "Name", autocomplete: "name", required: true, maxlength: "200", value: session.user().display_name });
  const alert = alertLine();
  const status = statusLine();
  const working = workingLine();
  const fieldset = h("fieldset", {}, h("legend", { className: "visually-hidden" }, "Your name"), name.element, h("button", { type: "submit", className: "button" }, "Save name"));
  const form = h("form", { className: "card", novalidate: true }, fieldset, working.element, alert.element);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.clear();
    if (!name.input.value.trim()) return showProblem(alert, name.input, "Type the name you want others to see.");
    const user = await whileWorking({ fieldset, working, alert, words: "Saving…", describe }, () =>
      api("PUT", "/api/me/name", { display_name: name.input.value }),
    );
    if (!user) return;
    const { account, accountKey, identities } = session.current();
    session.unlock({ ...account, user: { ...account.user, ...user } }, accountKey, identities);
    name.input.value = user.display_name;
    status.show(`Saved. Others now see you as ${user.display_name}.`);
  });

  return screen(
    "Your name",
    h("p", {}, "People in your clinic and in your conversations see this name. It is not encrypted; emails never include it."),
    status.element,
    form,
  );
}
