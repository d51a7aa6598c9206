"""A Hotline process delivering digests, for tests/test_digest_lease.py and tests/test_digest_processes.py.

    python -m tests.digest_child DB NAME POSTS hold SUBSCRIPTION NOW
    python -m tests.digest_child DB NAME POSTS recover NOW
    python -m tests.digest_child DB NAME POSTS periods SUBSCRIPTION,… NOW,…

DB is what HOTLINE_DB holds (a SQLite path or a postgresql:// URL); NAME names the process in its claims
(`child-NAME`); each post is appended as a line to the file POSTS. The clock stands at NOW (ISO 8601).

`hold`: runs the subscription's due digest with a poster that prints `holding` once it has the claim and
then never answers (the test SIGKILLs it there). `recover`: runs the periodic sweep for claims of dead
processes once, with a poster that answers, and prints each subscription's outcome as `SUBSCRIPTION
OUTCOME`. `periods`: prints `ready`; then, for each NOW in turn, waits for a line on standard input and
runs every subscription's due digest at once, as the scheduler's jobs of a process would at that moment,
printing `SUBSCRIPTION OUTCOME` for each and then `done`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from pathlib import Path

from commands.context import CoreSettings, FixedClock
from commands.delivery import DigestDelivery
from commands.reply import Reply, render_text
from storage.factory import open_store

LEASE = dt.timedelta(minutes=10)


class FilePoster:
    def __init__(self, posts: Path, name: str, *, block: bool) -> None:
        self.posts = posts
        self.name = name
        self.block = block

    def unavailable(self, workspace: str) -> str | None:
        return None

    async def post(self, workspace: str, channel_id: str, reply: Reply) -> list[str]:
        if self.block:
            print("holding", flush=True)
            await asyncio.Event().wait()  # a post that never returns: the process dies holding the claim
        # One short line in one write to a file opened for appending: lines of several processes never mix.
        with self.posts.open("a", encoding="utf-8") as out:
            out.write(f"{workspace} {channel_id} {render_text(reply).splitlines()[0]} by {self.name}\n")
        return ["m1"]


async def main(db: str, name: str, posts: str, mode: str, *rest: str) -> None:
    store = await open_store(db)
    try:
        instants = [dt.datetime.fromisoformat(t) for t in rest[-1].split(",")]
        clock = FixedClock(instants[0])
        poster = FilePoster(Path(posts), name, block=mode == "hold")
        delivery = DigestDelivery(store, clock, CoreSettings(), poster, f"child-{name}", lease=LEASE)
        if mode == "hold":
            await delivery.run_due(int(rest[0]))
        elif mode == "recover":
            for sid, outcome in (await delivery.recover()).items():
                print(sid, outcome, flush=True)
        else:
            subscriptions = [int(s) for s in rest[0].split(",")]
            print("ready", flush=True)
            for instant in instants:
                await asyncio.to_thread(sys.stdin.readline)
                clock.at = instant
                outcomes = await asyncio.gather(*(delivery.run_due(sid) for sid in subscriptions))
                for sid, outcome in zip(subscriptions, outcomes, strict=True):
                    print(sid, outcome, flush=True)
                print("done", flush=True)
    finally:
        await store.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
