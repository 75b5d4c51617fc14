"""Exporting everything of one's own, decrypted here: as JSON and as readable Markdown.

The export is a document of *sections*. `threads` holds every thread the account is in,
each message opened and verified locally; `journal` (clients only) every journal entry and
check-in, decrypted here; `groups` every group joined, with every post readable there.
A feature adds its own section by adding a collector to
`SECTIONS`; a section is a JSON-ready value plus its Markdown rendering, and a collector
returns None when the section does not apply to the account. The browser's export (web/static/js/
export.js) writes the same document.

Command line (the password is read from INTERLUDE_PASSWORD or asked for; `--thread ID`,
repeatable, exports only those conversations, e.g. one for the clinical record):

    python -m web.sdk_export --url https://interlude.example --email me@example.org --out dir
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import crypto
from crypto import KDF_MODERATE, CryptoError, b64decode
from web.client import InterludeClient
from web.sdk_groups import GroupPost
from web.sdk_journal import entries_markdown, entries_value

Json = dict[str, Any]
FORMAT = "interlude-export"
VERSION = 1
PAGE = 100
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Section:
    """One part of an export: its JSON value and how it reads as Markdown."""

    name: str
    value: Any
    markdown: str


Collector = Callable[[InterludeClient, Progress], Awaitable[Section | None]]


async def thread_section(
    client: InterludeClient, progress: Progress, only: Sequence[str] | None = None
) -> Section:
    """Every thread the account is in (or just those in `only`), oldest message first, each
    decrypted and verified. Each thread's export is recorded in the clinic's audit trail."""
    summaries = await client.threads.summaries()
    if only is not None:
        summaries = [s for s in summaries if s["id"] in set(only)]
        if len(summaries) != len(set(only)):
            raise ValueError("not every thread asked for is one of this account's")
    total = sum(int(s["last_seq"]) for s in summaries) or 1
    done = 0
    threads = []
    for summary in summaries:
        await client.request("POST", f"/api/threads/{summary['id']}/export", {})
        names = {m["user_id"]: m["display_name"] for m in summary["members"]}
        messages: list[Json] = []
        after = 0
        while True:
            page = await client.threads.history(summary["id"], after=after, limit=PAGE)
            for message in page:
                messages.append(
                    {
                        "seq": message.seq,
                        "sender_id": message.sender_id,
                        "sender": names.get(message.sender_id, "Former member"),
                        "sent_at": message.raw.get("created_at"),
                        "edited_at": message.raw.get("edited_at"),
                        "text": message.text,
                        "verified": message.verified,
                        "problem": message.problem,
                    }
                )
            done += len(page)
            progress(min(done, total), total)
            if len(page) < PAGE:
                break
            after = int(page[-1].seq or after)
        threads.append(
            {
                "id": summary["id"],
                "kind": summary["kind"],
                "title": await _title(client, summary),
                "members": summary["members"],
                "messages": messages,
            }
        )
    progress(total, total)
    return Section("threads", threads, _threads_markdown(threads))


async def _title(client: InterludeClient, summary: Json) -> str | None:
    if not summary.get("title_envelope"):
        return None
    envelope = crypto.parse_envelope(b64decode(summary["title_envelope"]))
    opened = await client.threads.open(
        {
            "id": "title",
            "seq": None,
            "sender_id": str(envelope.sender_id),
            "state": "visible",
            "envelope": summary["title_envelope"],
        }
    )
    return opened.text


def _threads_markdown(threads: list[Json]) -> str:
    lines = []
    for thread in threads:
        lines += ["", f"## {thread['title'] or 'Conversation'}", ""]
        for message in thread["messages"]:
            when = message["sent_at"] or ""
            if message["text"] is None:
                body = f"_({message['problem'] or 'not readable'})_"
            else:
                body = message["text"].replace("\n", "\n  ")
            lines.append(f"- **{message['sender']}**, {when}: {body}")
    return "\n".join(lines)


async def journal_section(client: InterludeClient, progress: Progress) -> Section | None:
    """A client's whole journal, oldest first, decrypted here (other roles keep none).
    Progress stays with the threads, which are what takes long."""
    if (await client.me())["user"]["role"] != "client":
        return None
    entries = await client.journal.all()
    markdown = ["", "## Journal", "", *entries_markdown(entries, level=3)]
    return Section("journal", entries_value(entries), "\n".join(markdown).rstrip())


async def group_section(client: InterludeClient, progress: Progress) -> Section:
    """Every group the account is in: its title, my pseudonym, role and state; every post I
    can read there, oldest first, decrypted and shown by its author's pseudonym (a removed
    one as removed, with the moderator's reason when it was mine); and what moderation did
    to my posts. Posts sealed before I joined are left out: I never had their keys.
    Progress is reported over the groups' posts, and not at all without groups."""
    joined = [g for g in await client.groups.mine() if g["me"]["state"] != "invited"]
    total = sum(int(g["last_seq"]) for g in joined) or 1
    done = 0
    found = []
    for group in joined:
        me = group["me"]
        thread_id = group["thread_id"]
        mine = await client.groups.my_posts(thread_id)
        reasons = {p["id"]: p["reason"] for p in mine if p["moderation"] == "removed"}
        first_epoch = min((await client.groups.load(thread_id)).epoch_keys, default=0)
        posts: list[Json] = []
        after = 0
        while True:
            page = await client.groups.posts(thread_id, after_seq=after)
            for post in page:
                if post.text is None and post.problem and post.raw["epoch"] < first_epoch:
                    continue
                posts.append(_group_post(post, me["member_id"], reasons))
            done += len(page)
            progress(min(done, total), total)
            if len(page) < PAGE:
                break
            after = int(page[-1].seq or after)
        found.append(
            {
                "id": thread_id,
                "title": _group_title(client, group),
                "policy": group["policy"],
                "pseudonym": me["pseudonym"],
                "role": me["role"],
                "state": me["state"],
                "posts": posts,
                "moderated_posts": [
                    {
                        "id": p["id"],
                        "sent_at": p["created_at"],
                        "moderation": p["moderation"] or "held",
                        "reason": p["reason"],
                        "text": p["text"],
                    }
                    for p in reversed(mine)
                    if p["moderation"] != "approved"
                ],
            }
        )
    if found:
        progress(total, total)
    return Section("groups", found, _groups_markdown(found))


def _group_post(post: GroupPost, my_member_id: str, reasons: dict[str, str | None]) -> Json:
    mine = post.member_id == my_member_id
    return {
        "id": post.id,
        "seq": post.seq,
        "author": post.pseudonym,
        "mine": mine,
        "sent_at": post.raw.get("created_at"),
        "state": post.state,
        "text": post.text,
        "problem": post.problem,
        "reason": reasons.get(post.id) if mine else None,
    }


def _group_title(client: InterludeClient, group: Json) -> str | None:
    try:
        return client.groups.info(group).title
    except (CryptoError, ValueError, KeyError):
        return None


def _groups_markdown(groups: list[Json]) -> str:
    lines = []
    for group in groups:
        title = group["title"] or "A group (its name could not be opened)"
        lines += ["", f"## Group: {title} (as {group['pseudonym'] or 'no pseudonym'})", ""]
        for post in group["posts"]:
            author = f"{post['author'] or 'A member'}{' (you)' if post['mine'] else ''}"
            if post["state"] == "removed":
                body = "_(removed by a moderator"
                body += f": {post['reason']})_" if post["reason"] else ")_"
            elif post["text"] is None:
                body = f"_({post['problem'] or 'not readable'})_"
            else:
                body = post["text"].replace("\n", "\n  ")
            lines.append(f"- **{author}**, {post['sent_at'] or ''}: {body}")
        for post in group["moderated_posts"]:
            if post["moderation"] == "held":
                lines.append(f"- _Your post of {post['sent_at']} is waiting for a moderator._")
                if post["text"] is not None:
                    lines.append("  " + post["text"].replace("\n", "\n  "))
            elif post["moderation"] == "rejected":
                reason = f": {post['reason']}" if post["reason"] else ""
                lines.append(
                    f"- _A moderator did not approve your post of {post['sent_at']}{reason}_"
                )
    return "\n".join(lines)


SECTIONS: list[Collector] = [thread_section, journal_section, group_section]


async def export_all(
    client: InterludeClient,
    progress: Progress | None = None,
    *,
    threads: Sequence[str] | None = None,
) -> Json:
    """The whole export as one JSON document (see the module docstring). With `threads`,
    only those conversations (e.g. one taken into the clinical record by a therapist)."""
    if client.unlocked is None:
        raise RuntimeError("log in first")
    report = progress or (lambda done, total: None)
    me = await client.me()
    if threads is not None:
        sections = [await thread_section(client, report, threads)]
    else:
        collected = [await collect(client, report) for collect in SECTIONS]
        sections = [s for s in collected if s is not None]
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "user": me["user"],
        "clinic": me["clinic"],
        "sections": {s.name: s.value for s in sections},
        "markdown": {s.name: s.markdown for s in sections},
    }


def to_markdown(document: Json) -> str:
    """The export as one readable Markdown file."""
    user = document["user"]
    head = [
        f"# Interlude export for {user['display_name']}",
        "",
        f"Exported {document['exported_at']} from {document['clinic']['name']}.",
    ]
    return "\n".join(head) + "".join(document["markdown"].values()) + "\n"


def write_export(document: Json, directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    as_json = directory / "interlude-export.json"
    as_markdown = directory / "interlude-export.md"
    data = {k: v for k, v in document.items() if k != "markdown"}
    as_json.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    as_markdown.write_text(to_markdown(document))
    return as_json, as_markdown


async def run(
    url: str,
    email: str,
    password: str,
    out: Path,
    *,
    threads: Sequence[str] | None = None,
    allow_interactive_kdf: bool = False,
) -> tuple[Path, Path]:
    async with InterludeClient(
        url,
        kdf=KDF_MODERATE,
        allow_interactive_kdf=allow_interactive_kdf,
        device_label="Interlude export",
    ) as client:
        await client.login(email, password)

        def show(done: int, total: int) -> None:
            print(f"\rexporting: {done}/{total} messages", end="", file=sys.stderr)

        document = await export_all(client, show, threads=threads)
        print(file=sys.stderr)
        await client.logout()
    return write_export(document, out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Export your Interlude threads, decrypted.")
    parser.add_argument("--url", required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--out", type=Path, default=Path("interlude-export"))
    parser.add_argument(
        "--thread",
        action="append",
        help="export only this conversation (repeatable), e.g. for the clinical record",
    )
    args = parser.parse_args(argv)
    password = os.environ.get("INTERLUDE_PASSWORD") or getpass.getpass("Password: ")
    # Only test servers use the cheaper key derivation; a client must opt in to accept it.
    cheap = os.environ.get("INTERLUDE_ALLOW_INTERACTIVE_KDF", "").lower() == "true"
    written = asyncio.run(
        run(
            args.url,
            args.email,
            password,
            args.out,
            threads=args.thread,
            allow_interactive_kdf=cheap,
        )
    )
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
