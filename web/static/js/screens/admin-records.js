// Records and safety (admins): on-call contacts for urgent messages, how long threads are
// kept (and which go next), the public consultation page with its intake key, the queue of
// consultation requests (opened here with the intake key), and deleting a person.
import { api } from "../api.js";
import { b64decode, b64encode, createIntakeKey, openIntakeKey, openIntakeRequest, sealIntakeKey, sealIntakeNote } from "../crypto.js";
import * as conversations from "../conversations.js";
import { confirm } from "../dialog.js";
import { h, screen, uid } from "../dom.js";
import { describe } from "../failures.js";
import { alertLine, field, statusLine } from "../forms.js";
import { noteText } from "../intake-note.js";
import * as session from "../session.js";
import { dayAndTime } from "../when.js";

function section(title, ...children) {
  const id = uid("records");
  return h("section", { className: "card", "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

export function render() {
  const alert = alertLine();
  const status = statusLine();
  const clinicId = session.current().account.clinic.id;
  const onCall = h("div", {}, h("p", { className: "loading" }, "Loading…"));
  const retention = h("div", {});
  const page = h("div", {});
  const queue = h("div", {});
  const removal = h("div", {});
  let people = [];

  const fail = (error) => alert.show(describe(error));
  const done = (words) => {
    alert.clear();
    status.show(words);
  };

  async function load() {
    try {
      people = (await api("GET", "/api/clinic/people?limit=100")).people;
      const [contacts, kept, settings] = await Promise.all([
        api("GET", "/api/clinic/on-call"),
        api("GET", "/api/clinic/retention"),
        api("GET", "/api/clinic/consultation-page"),
      ]);
      onCall.replaceChildren(onCallForm(contacts.contacts));
      retention.replaceChildren(retentionForm(kept));
      page.replaceChildren(pageForm(settings));
      removal.replaceChildren(removalForm());
      await loadQueue(settings);
    } catch (error) {
      fail(error);
    }
  }

  function onCallForm(contacts) {
    const chosen = new Set(contacts.map((c) => c.id));
    const staff = people.filter((p) => p.role !== "client" && p.status === "active");
    const boxes = staff.map((p) => {
      const id = uid("oncall");
      const box = h("input", { type: "checkbox", id, value: p.id, checked: chosen.has(p.id) });
      return { box, element: h("div", { className: "field checkbox" }, box, h("label", { for: id }, p.display_name)) };
    });
    const save = h("button", { type: "button", className: "button" }, "Save on-call contacts");
    save.addEventListener("click", async () => {
      try {
        const ids = boxes.filter((b) => b.box.checked).map((b) => b.box.value);
        await api("PUT", "/api/clinic/on-call", { user_ids: ids });
        done("On-call contacts saved.");
      } catch (error) {
        fail(error);
      }
    });
    return h("div", {}, h("p", {}, "They are told at once, whatever the hour, when a client marks a message urgent."), boxes.map((b) => b.element), save);
  }

  function retentionForm(kept) {
    const years = field({ label: "Keep threads this many years after their last activity", type: "number", min: "1", max: "100", value: kept.years ?? "" });
    const save = h("button", { type: "button", className: "button" }, "Save retention");
    save.addEventListener("click", async () => {
      const value = years.input.value.trim();
      try {
        const next = await api("PUT", "/api/clinic/retention", { years: value ? Number(value) : null });
        retention.replaceChildren(retentionForm(next));
        done(next.years ? `Threads are kept ${next.years} years after their last activity.` : "Threads are kept until someone deletes them.");
      } catch (error) {
        fail(error);
      }
    });
    const upcoming = kept.upcoming.length
      ? h("ul", { className: "upcoming-deletions" }, kept.upcoming.slice(0, 10).map((u) => h("li", {}, `A conversation last active ${dayAndTime(u.last_activity_at)} is deleted ${dayAndTime(u.delete_at)}.`)))
      : null;
    return h(
      "div",
      {},
      h("p", {}, kept.years ? `Now: ${kept.years} years after the last activity, checked daily.` : "Now: kept until someone deletes them (leave the box empty for this)."),
      h("p", { className: "hint" }, "Set the period your record-keeping duties require; a deleted thread cannot be recovered."),
      years.element,
      save,
      upcoming,
    );
  }

  async function newIntakeKey() {
    const { publicKey, secretKey } = createIntakeKey();
    const seals = {};
    for (const admin of people.filter((p) => p.role === "admin" && p.status === "active")) {
      const answer = await api("GET", `/api/users/${admin.id}/public-key`);
      const bundle = conversations.verifiedBundle(answer.public_bundle, admin.id);
      seals[admin.id] = b64encode(sealIntakeKey(secretKey, bundle.boxPk, clinicId));
    }
    await api("PUT", "/api/clinic/intake-key", { public_key: b64encode(publicKey), seals });
  }

  function pageForm(settings) {
    const id = uid("open");
    const open = h("input", { type: "checkbox", id, checked: settings.consultation_open });
    const textId = uid("text");
    const text = h("textarea", { id: textId, rows: "3", maxlength: "2000" }, settings.consultation_text);
    const days = field({ label: "Delete requests after (days)", type: "number", min: "1", max: "365", value: settings.consultation_retention_days });
    const save = h("button", { type: "button", className: "button" }, "Save the page");
    const makeKey = h("button", { type: "button", className: "button secondary" }, settings.intake_public_key ? "Replace the intake key" : "Create the intake key");
    makeKey.addEventListener("click", async () => {
      try {
        await newIntakeKey();
        await load();
        done("The intake key is ready. Only the clinic's admins can open requests.");
      } catch (error) {
        fail(error);
      }
    });
    save.addEventListener("click", async () => {
      try {
        await api("PUT", "/api/clinic/consultation-page", { open: open.checked, text: text.value, retention_days: Number(days.input.value) });
        await load();
        done(open.checked ? "The consultation page is open." : "The consultation page is closed.");
      } catch (error) {
        fail(error);
      }
    });
    const address = `${location.origin}/#/consult/${clinicId}`;
    return h(
      "div",
      {},
      h("p", {}, "Public address: ", h("a", { href: address }, address)),
      makeKey,
      h("div", { className: "field checkbox" }, open, h("label", { for: id }, "The page is open")),
      h("div", { className: "field" }, h("label", { for: textId }, "What the page says"), text),
      days.element,
      save,
    );
  }

  async function loadQueue(settings) {
    if (!settings.intake_public_key) {
      queue.replaceChildren(h("p", { className: "empty" }, "Create the intake key first."));
      return;
    }
    const key = await api("GET", "/api/clinic/intake-key");
    if (!key.sealed_private_key) {
      queue.replaceChildren(h("p", { className: "empty" }, "The intake key was not shared with you yet; ask another admin to replace it."));
      return;
    }
    const identity = session.current().identities[0];
    const secret = openIntakeKey(b64decode(key.sealed_private_key), identity, clinicId);
    const { requests } = await api("GET", "/api/clinic/consultations");
    if (!requests.length) {
      queue.replaceChildren(h("p", { className: "empty" }, "No requests."));
      return;
    }
    const items = requests.map((request) => {
      let form;
      try {
        form = JSON.parse(new TextDecoder().decode(openIntakeRequest(b64decode(request.sealed), b64decode(key.public_key), secret, clinicId)));
      } catch {
        return h("li", { className: "card" }, "This request could not be opened with the current intake key.");
      }
      return requestItem(request, form);
    });
    queue.replaceChildren(h("ul", { className: "cards consultation-queue" }, items));
  }

  function requestItem(request, form) {
    const actions = [];
    if (request.state === "open") {
      const invite = h("button", { type: "button", className: "button" }, "Invite as a client");
      const decline = h("button", { type: "button", className: "button secondary" }, "Decline");
      invite.addEventListener("click", async () => {
        const email = form.contact;
        if (!/@/.test(email)) {
          alert.show("They gave no email address. Contact them the way they asked, then invite them under Invitations.");
          return;
        }
        try {
          await api("POST", `/api/clinic/consultations/${request.id}/invite`, { email, display_name: form.name });
          await load();
          done(`An invitation was sent to ${email}.`);
        } catch (error) {
          fail(error);
        }
      });
      decline.addEventListener("click", async () => {
        if (!(await confirm({ title: "Decline this request?", message: "It stays in the queue as declined until it expires.", confirmLabel: "Decline" }))) return;
        try {
          await api("POST", `/api/clinic/consultations/${request.id}/decline`, {});
          await load();
          done("The request was declined.");
        } catch (error) {
          fail(error);
        }
      });
      actions.push(invite, decline);
    }
    if (request.state === "invited" && !request.handed_over) {
      const handOver = h("button", { type: "button", className: "button secondary" }, "Put the request in their conversation");
      handOver.addEventListener("click", async () => {
        const joined = people.find((p) => p.email === form.contact.trim().toLowerCase() && p.role === "client");
        if (!joined) {
          alert.show("They have not joined yet. Try again once they accepted the invitation.");
          return;
        }
        try {
          const answer = await api("GET", `/api/users/${joined.id}/public-key`);
          const bundle = conversations.verifiedBundle(answer.public_bundle, joined.id);
          const note = sealIntakeNote(new TextEncoder().encode(noteText(form)), bundle.boxPk, joined.id);
          await api("PUT", `/api/clinic/consultations/${request.id}/handover`, { sealed_note: b64encode(note) });
          await load();
          done(`The request will be the first message in ${joined.display_name}'s conversation.`);
        } catch (error) {
          fail(error);
        }
      });
      actions.push(handOver);
    }
    return h(
      "li",
      { className: "card consultation", dataset: { state: request.state } },
      h("p", {}, h("strong", {}, form.name), ` · ${form.contact} · ${form.time_zone}`),
      form.preferred_times ? h("p", {}, `Prefers: ${form.preferred_times}`) : null,
      form.message ? h("p", { className: "message-text" }, form.message) : null,
      h("p", { className: "hint" }, `Received ${dayAndTime(request.created_at)}; ${request.state}; deleted ${dayAndTime(request.expires_at)}.`),
      h("div", { className: "actions" }, actions),
    );
  }

  function removalForm() {
    const choices = people.filter((p) => p.id !== session.user().id && p.display_name !== "Deleted account");
    const id = uid("person");
    const select = h("select", { id }, choices.map((p) => h("option", { value: p.id }, `${p.display_name} (${p.role})`)));
    const remove = h("button", { type: "button", className: "button danger" }, "Delete this person");
    remove.addEventListener("click", async () => {
      const person = choices.find((p) => p.id === select.value);
      if (!person) return;
      const sure = await confirm({
        title: `Delete ${person.display_name}?`,
        message: "They are logged out at once; their keys, settings and the text of what they wrote are erased. This cannot be undone.",
        confirmLabel: `Delete ${person.display_name}`,
        danger: true,
      });
      if (!sure) return;
      try {
        await api("POST", `/api/clinic/people/${person.id}/delete`, {});
        done(`${person.display_name} is being deleted; you will see "Deleted account" when it is done.`);
      } catch (error) {
        fail(error);
      }
    });
    return h("div", {}, h("div", { className: "field" }, h("label", { for: id }, "Person"), select), remove);
  }

  load();
  return screen(
    "Records and safety",
    alert.element,
    status.element,
    section("On-call contacts", onCall),
    section("Retention", retention),
    section("Consultation page", page),
    section("Consultation requests", queue),
    section("Delete a person", removal),
  );
}
