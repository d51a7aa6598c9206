"""A local web site on 127.0.0.1 for readout tests: the dev set's readouts as pages, and RSS feeds of them.

Pages are HTML wrapping the texts of readouts-dev.jsonl (as tests/extraction/test_fetch.py makes them),
at /readout/<id>. A feed at /feed/<name> lists the readouts the test put in it, newest first, with an
ETag: a request with the current ETag gets a 304. Every request is counted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import Any

from aiohttp import web

from bench.accuracy import dev_set


def dev_rows() -> dict[str, dict[str, Any]]:
    path = dev_set()
    assert path.is_file(), f"the dev set of readouts is missing at {path}"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {row["id"]: row for row in rows}


def page(row: dict[str, Any]) -> str:
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in row["text"].split("\n") if p.strip())
    return f"""<!doctype html><html><head><title>{html.escape(row["title"])}</title>
<meta property="article:published_time" content="{row["published"]}T12:00:00Z"></head>
<body><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<main><article><h1>{html.escape(row["title"])}</h1>{paragraphs}</article></main>
<footer><p>Privacy policy · Accessibility</p></footer></body></html>"""


@dataclass
class Site:
    base: str
    rows: dict[str, dict[str, Any]]
    feeds: dict[str, list[str]] = field(default_factory=dict)  # feed name -> readout ids, oldest first
    hits: dict[str, int] = field(default_factory=dict)
    honour_etag: bool = True  # False: always the full feed, so that only the item claims prevent repeats
    broken: set[str] = field(default_factory=set)  # feeds that answer 500

    def url(self, rid: str) -> str:
        return f"{self.base}/readout/{rid}"

    def feed_url(self, name: str) -> str:
        return f"{self.base}/feed/{name}"

    def rss(self, name: str) -> bytes:
        items = []
        for rid in reversed(self.feeds[name]):
            row = self.rows[rid]
            when = dt.datetime.fromisoformat(f"{row['published']}T12:00:00+00:00")
            items.append(
                f"<item><title>{html.escape(row['title'])}</title><link>{self.url(rid)}</link>"
                f"<guid>{rid}</guid><pubDate>{format_datetime(when)}</pubDate></item>"
            )
        return (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Readouts</title>'
            f"<link>{self.base}</link>{''.join(items)}</channel></rss>"
        ).encode()

    def etag(self, name: str) -> str:
        return '"' + hashlib.sha1(",".join(self.feeds[name]).encode()).hexdigest()[:16] + '"'


@asynccontextmanager
async def serve(rows: dict[str, dict[str, Any]] | None = None) -> AsyncIterator[Site]:
    site = Site("", rows if rows is not None else dev_rows())

    def count(key: str) -> None:
        site.hits[key] = site.hits.get(key, 0) + 1

    async def readout(request: web.Request) -> web.Response:
        rid = request.match_info["rid"]
        count(f"readout/{rid}")
        if rid not in site.rows:
            raise web.HTTPNotFound()
        return web.Response(text=page(site.rows[rid]), content_type="text/html", charset="utf-8")

    async def feed(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        count(f"feed/{name}")
        if name in site.broken:
            raise web.HTTPInternalServerError()
        if name not in site.feeds:
            raise web.HTTPNotFound()
        tag = site.etag(name)
        if site.honour_etag and request.headers.get("If-None-Match") == tag:
            count(f"304/{name}")
            return web.Response(status=304, headers={"ETag": tag})
        return web.Response(body=site.rss(name), content_type="application/rss+xml", headers={"ETag": tag})

    app = web.Application()
    app.router.add_get("/readout/{rid}", readout)
    app.router.add_get("/feed/{name}", feed)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    host, port = runner.addresses[0][:2]
    site.base = f"http://{host}:{port}"
    try:
        yield site
    finally:
        await runner.cleanup()
