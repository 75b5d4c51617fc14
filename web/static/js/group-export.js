// The groups' part of "Your data": every group this person is in, as the export's "groups"
// section (the same document web/sdk_export.py writes): its title, their pseudonym, every
// post they can read there decrypted and shown by its author's pseudonym (a removed one as
// removed, with the moderator's reason when it was theirs), and what moderation did to
// their own posts. Posts sealed before they joined are left out: they never had those keys.
// Decryption is group-keys.js's, as on the groups screen. Imported for its effect by the
// screen that exports.
import { api } from "./api.js";
import { escapeHtml, registerExportSection } from "./export.js";
import * as keys from "./group-keys.js";

const PAGE = 100;
const UNNAMED = "A group (its name could not be opened)";

function titleOf(group) {
  try {
    return keys.groupInfo(group).title;
  } catch (error) {
    console.warn("group info did not open", error);
    return null;
  }
}

async function groupValue(group, report) {
  const { me, thread_id: threadId } = group;
  const { posts: mine } = await api("GET", `/api/groups/${threadId}/my-posts`);
  const reasons = new Map(mine.filter((p) => p.moderation === "removed").map((p) => [p.id, p.reason]));
  const loaded = await keys.load(threadId);
  const posts = [];
  let after = 0;
  for (;;) {
    const page = (await api("GET", `/api/groups/${threadId}/posts?after_seq=${after}&limit=${PAGE}`)).posts;
    for (const raw of page) {
      const opened = keys.openPost(loaded, raw);
      if (opened.problem === keys.BEFORE_JOINING) continue;
      const own = raw.member_id === me.member_id;
      posts.push({
        id: raw.id,
        seq: raw.seq,
        author: opened.pseudonym,
        mine: own,
        sent_at: raw.created_at,
        state: raw.state,
        text: opened.text,
        problem: opened.problem,
        reason: own ? (reasons.get(raw.id) ?? null) : null,
      });
    }
    report(page.length);
    if (page.length < PAGE) break;
    after = page[page.length - 1].seq;
  }
  return {
    id: threadId,
    title: titleOf(group),
    policy: group.policy,
    pseudonym: me.pseudonym,
    role: me.role,
    state: me.state,
    posts,
    moderated_posts: mine
      .filter((p) => p.moderation !== "approved")
      .reverse()
      .map((p) => ({ id: p.id, sent_at: p.created_at, moderation: p.moderation ?? "held", reason: p.reason, text: keys.openOwnHeldPost(loaded, p) })),
  };
}

function authorOf(post) {
  return `${post.author ?? "A member"}${post.mine ? " (you)" : ""}`;
}

function bodyOf(post) {
  if (post.state === "removed") return { removed: true, words: `removed by a moderator${post.reason ? `: ${post.reason}` : ""}` };
  if (post.text === null) return { removed: true, words: post.problem || "not readable" };
  return { removed: false, words: post.text };
}

/** What moderation still holds or refused of one's own posts, in words (or null). */
function moderatedWords(post) {
  if (post.moderation === "held") return `Your post of ${post.sent_at} is waiting for a moderator.`;
  if (post.moderation === "rejected") return `A moderator did not approve your post of ${post.sent_at}${post.reason ? `: ${post.reason}` : ""}`;
  return null;
}

function groupsMarkdown(groups) {
  const lines = [];
  for (const group of groups) {
    lines.push("", `## Group: ${group.title || UNNAMED} (as ${group.pseudonym || "no pseudonym"})`, "");
    for (const post of group.posts) {
      const body = bodyOf(post);
      lines.push(`- **${authorOf(post)}**, ${post.sent_at ?? ""}: ${body.removed ? `_(${body.words})_` : body.words.replaceAll("\n", "\n  ")}`);
    }
    for (const post of group.moderated_posts) {
      const words = moderatedWords(post);
      if (words) lines.push(`- _${words}_`);
      if (words && post.text !== null) lines.push(`  ${post.text.replaceAll("\n", "\n  ")}`);
    }
  }
  return lines.join("\n");
}

function groupsHtml(groups) {
  const parts = [];
  for (const group of groups) {
    parts.push(`<h2>Group: ${escapeHtml(group.title || UNNAMED)}</h2>`, `<p class="meta">You are “${escapeHtml(group.pseudonym)}” here.</p><ol>`);
    for (const post of group.posts) {
      const body = bodyOf(post);
      const words = body.removed ? `<em>(${escapeHtml(body.words)})</em>` : escapeHtml(body.words);
      parts.push(`<li><span class="meta"><strong>${escapeHtml(authorOf(post))}</strong>, ${escapeHtml(post.sent_at)}</span><br>${words}</li>`);
    }
    for (const post of group.moderated_posts) {
      const words = moderatedWords(post);
      if (words) parts.push(`<li><em>${escapeHtml(words)}</em>${post.text !== null ? `<br>${escapeHtml(post.text)}` : ""}</li>`);
    }
    parts.push("</ol>");
  }
  return parts;
}

registerExportSection("groups", async ({ report }) => {
  const joined = (await api("GET", "/api/groups")).groups.filter((g) => g.me.state !== "invited");
  const total = Math.max(1, joined.reduce((sum, g) => sum + g.last_seq, 0));
  let done = 0;
  const value = [];
  for (const group of joined) {
    value.push(
      await groupValue(group, (count) => {
        done += count;
        report(Math.min(done, total), total);
      }),
    );
  }
  report(total, total);
  return { value, markdown: groupsMarkdown(value), html: groupsHtml(value) };
});
