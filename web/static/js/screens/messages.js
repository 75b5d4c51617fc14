// Messages: the list of conversations and the open conversation. Side by side on a wide
// screen; on a phone one at a time (the list at #/messages, a conversation at
// #/messages/<id> with a way back).
import { conversationView } from "../chat.js";
import { h } from "../dom.js";
import { threadList } from "../thread-list.js";

export function render({ params, signal, navigate }) {
  const threadId = params.thread ?? null;
  const list = threadList({ selected: threadId, heading: threadId ? "h2" : "h1", signal, navigate });
  const conversation = threadId
    ? conversationView({ threadId, signal }).element
    : h(
        "div",
        { className: "conversation conversation-placeholder" },
        h("p", { className: "empty" }, "Choose a conversation to read it here."),
      );
  return h(
    "div",
    { className: "messages-screen", dataset: { view: threadId ? "conversation" : "list" } },
    list.element,
    conversation,
  );
}
