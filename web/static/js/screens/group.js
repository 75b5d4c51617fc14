// One group: its invitation (guidelines first, then a pseudonym) or its posts and composer.
import { groupView } from "../groups.js";

export function render({ params, signal }) {
  return groupView({ threadId: params.group, signal }).element;
}
