"""A Hotline process delivering digests, for tests/test_digest_lease.py.

    python -m tests.digest_child DB SUBSCRIPTION NOW POSTS hold|recover

Opens the store at DB with a clock fixed at NOW (ISO 8601) and a digest delivery whose poster appends
each post as a line to the file POSTS. `hold`: runs the subscription's due digest with a poster that
prints `holding` once it has the claim and then never answers (the test SIGKILLs it there). `recover`:
runs the periodic sweep for claims of dead processes once, with a poster that answers, and prints each
subscription's outcome as `SUBSCRIPTION OUTCOME`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from pathlib import Path

from commands.context import CoreSettings, FixedClock
from commands.delivery import DigestDelivery
from commands.reply import Reply, render_text
from storage.sqlite.store import SqliteStore

LEASE = dt.timedelta(minutes=10)


class FilePoster:
    def __init__(self, posts: Path, *, block: bool) -> None:
        self.posts = posts
        self.block = block

    def unavailable(self, workspace: str) -> str | None:
        return None

    async def post(self, workspace: str, channel_id: str, reply: Reply) -> list[str]:
        if self.block:
            print("holding", flush=True)
            await asyncio.Event().wait()  # a post that never returns: the process dies holding the claim
        with self.posts.open("a", encoding="utf-8") as out:
            out.write(f"{workspace} {channel_id} {render_text(reply).splitlines()[0]}\n")
        return ["m1"]


async def main(db: str, subscription: int, now: str, posts: str, mode: str) -> None:
    store = await SqliteStore.open(db)
    try:
        clock = FixedClock(dt.datetime.fromisoformat(now))
        poster = FilePoster(Path(posts), block=mode == "hold")
        claimer = f"child-{mode}"
        delivery = DigestDelivery(store, clock, CoreSettings(), poster, claimer, lease=LEASE)
        if mode == "hold":
            await delivery.run_due(subscription)
            return
        for sid, outcome in (await delivery.recover()).items():
            print(sid, outcome, flush=True)
    finally:
        await store.close()


if __name__ == "__main__":
    db, subscription, now, posts, mode = sys.argv[1:]
    asyncio.run(main(db, int(subscription), now, posts, mode))
