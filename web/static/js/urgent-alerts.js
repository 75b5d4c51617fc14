// For therapists and admins: a banner under the header, on every screen, while a client's
// urgent message waits to be acknowledged (in their threads, or anywhere in the clinic for
// an on-call contact). It updates live and offers to acknowledge it from where they are.
import { api } from "./api.js";
import { h, replace } from "./dom.js";
import * as live from "./live.js";
import * as session from "./session.js";
import { dayAndTime } from "./when.js";

/** Starts the banner (once, from app.js). */
export function watchUrgent() {
  const banner = h("div", { className: "urgent-alert", role: "alert", hidden: true });
  document.querySelector(".app-header")?.after(banner);

  async function refresh() {
    const unlocked = session.current();
    if (!unlocked || unlocked.account.user.role === "client") {
      banner.hidden = true;
      return;
    }
    let flags;
    try {
      flags = (await api("GET", "/api/urgent")).flags;
    } catch {
      return; // offline or logged out: the next event or reconnect tries again
    }
    banner.hidden = flags.length === 0;
    replace(
      banner,
      flags.map((flag) =>
        h(
          "p",
          { dataset: { flag: flag.id } },
          h("strong", {}, "Urgent: "),
          `a client marked a message urgent ${dayAndTime(flag.created_at)}. `,
          h("a", { href: "#/inbox" }, "Open the inbox"),
          " (or, on call, reach the client's care team). ",
          h(
            "button",
            {
              type: "button",
              className: "button small",
              on: {
                click: async () => {
                  await api("POST", `/api/urgent/${flag.id}/acknowledge`, {}).catch(() => null);
                  refresh();
                },
              },
            },
            "Acknowledge",
          ),
        ),
      ),
    );
  }

  live.on("urgent", refresh);
  live.on("urgent_updated", refresh);
  live.on("connect", refresh);
  session.onSessionChange(refresh);
}
