// Changing one's own sent message: edit it (sealed again on this device, exactly as a new
// message) or delete it. The others then see the new text marked "edited", or a tombstone
// "This message was deleted." in its place; the server never sees either text.
import { api } from "./api.js";
import { confirm } from "./dialog.js";
import { h, uid } from "./dom.js";
import { FormProblem, formDialog } from "./form-dialog.js";
import { sealAndPost } from "./send-later.js";

/** Asks for the new text of entry; resolves the server's updated message, or null. */
export async function editMessage(threadId, entry) {
  const id = uid("edit");
  const box = h("textarea", { id, rows: "5", maxlength: "20000" }, entry.text ?? "");
  let updated = null;
  const done = await formDialog({
    title: "Edit message",
    intro: "The others see the new text, marked as edited.",
    fields: [h("div", { className: "field" }, h("label", { for: id }, "Message"), box)],
    submitLabel: "Save changes",
    working: "Encrypting and saving…",
    submit: async () => {
      if (!box.value.trim()) throw new FormProblem("Write the message, or delete it instead.");
      updated = await sealAndPost(threadId, box.value, (envelope) => api("PUT", `/api/messages/${entry.id}`, { envelope }));
      updated = { payload: updated, text: box.value };
    },
  });
  return done ? updated : null;
}

/** Asks, then deletes entry; resolves the server's tombstone, or null if not deleted. */
export async function deleteMessage(entry) {
  const sure = await confirm({
    title: "Delete this message?",
    message: "It is removed for everyone in this conversation; they see that a message was deleted. This cannot be undone.",
    confirmLabel: "Delete message",
    cancelLabel: "Keep it",
    danger: true,
  });
  if (!sure) return null;
  return api("DELETE", `/api/messages/${entry.id}`);
}
