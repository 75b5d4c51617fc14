// A group's moderation queue, members and invitations (moderators).
import { moderationView } from "../group-moderation.js";

export function render({ params, signal }) {
  return moderationView({ threadId: params.group, signal }).element;
}
