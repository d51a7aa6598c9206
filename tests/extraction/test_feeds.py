"""Feeds: RSS and Atom items, and conditional requests (ETag, Last-Modified) against a local server."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from extraction.feeds import NotAFeed, Validators, fetch_feed, parse_feed
from extraction.fetch import FetchRefused

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Readouts</title><link>https://example.org/</link>
<item><title>Secretary Austin's Call With PRC Minister Dong</title><link>https://example.org/r/1</link>
<guid>tag:example.org,2024:1</guid><pubDate>Tue, 16 Apr 2024 14:00:00 GMT</pubDate></item>
<item><title>Readout of a meeting</title><link>https://example.org/r/2</link>
<pubDate>Wed, 17 Apr 2024 09:30:00 +0800</pubDate></item>
<item><description>no id and no link</description></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>MND</title><id>urn:mnd</id><updated>2024-04-17T00:00:00Z</updated>
<entry><title>Dong Jun holds video call with Lloyd Austin</title><id>urn:mnd:42</id>
<link href="https://example.org/mnd/42"/><updated>2024-04-17T03:00:00Z</updated></entry>
</feed>"""


def test_rss_items_in_order_with_id_link_title_and_time() -> None:
    items = parse_feed(RSS, "https://example.org/feed.xml")
    assert [(i.id, i.link, i.title) for i in items] == [
        ("tag:example.org,2024:1", "https://example.org/r/1", "Secretary Austin's Call With PRC Minister Dong"),
        ("https://example.org/r/2", "https://example.org/r/2", "Readout of a meeting"),  # no guid: the link
    ]
    assert items[0].published == dt.datetime(2024, 4, 16, 14, 0, tzinfo=dt.UTC)
    assert items[1].published == dt.datetime(2024, 4, 17, 1, 30, tzinfo=dt.UTC)


def test_atom_items() -> None:
    (item,) = parse_feed(ATOM)
    assert (item.id, item.link, item.published) == (
        "urn:mnd:42",
        "https://example.org/mnd/42",
        dt.datetime(2024, 4, 17, 3, 0, tzinfo=dt.UTC),
    )


def test_a_page_that_is_not_a_feed_is_refused() -> None:
    with pytest.raises(NotAFeed, match="is not an RSS or Atom feed"):
        parse_feed(b"<html><body><p>Not a feed</p></body></html>", "https://example.org/page")


def test_validators_make_conditional_headers() -> None:
    assert Validators().headers() == {}
    assert Validators('"v1"', "Tue, 16 Apr 2024 14:00:00 GMT").headers() == {
        "If-None-Match": '"v1"',
        "If-Modified-Since": "Tue, 16 Apr 2024 14:00:00 GMT",
    }


@pytest.fixture
async def feed_server() -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []
    last_modified = "Wed, 17 Apr 2024 00:00:00 GMT"

    async def rss(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers={"ETag": '"v1"'})
        return web.Response(body=RSS, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    async def atom(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        if request.headers.get("If-Modified-Since") == last_modified:
            return web.Response(status=304)
        return web.Response(body=ATOM, content_type="application/atom+xml", headers={"Last-Modified": last_modified})

    async def html_page(request: web.Request) -> web.Response:
        return web.Response(text="<p>hello</p>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/rss", rss)
    app.router.add_get("/atom", atom)
    app.router.add_get("/page", html_page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}", seen
    finally:
        await runner.cleanup()


async def test_an_unchanged_feed_costs_one_304(feed_server: tuple[str, list[dict[str, str]]]) -> None:
    base, seen = feed_server
    first = await fetch_feed(f"{base}/rss", allow_loopback=True)
    assert first.changed and len(first.items) == 2 and first.validators.etag == '"v1"'
    second = await fetch_feed(f"{base}/rss", first.validators, allow_loopback=True)
    assert not second.changed and second.items == () and second.validators == first.validators
    assert seen[1]["If-None-Match"] == '"v1"'


async def test_last_modified_is_sent_back(feed_server: tuple[str, list[dict[str, str]]]) -> None:
    base, seen = feed_server
    first = await fetch_feed(f"{base}/atom", allow_loopback=True)
    assert first.changed and first.validators.last_modified == "Wed, 17 Apr 2024 00:00:00 GMT"
    second = await fetch_feed(f"{base}/atom", first.validators, allow_loopback=True)
    assert not second.changed
    assert seen[1]["If-Modified-Since"] == "Wed, 17 Apr 2024 00:00:00 GMT"


async def test_a_feed_url_serving_html_is_refused(feed_server: tuple[str, list[dict[str, str]]]) -> None:
    base, _ = feed_server
    with pytest.raises(FetchRefused, match="sent text/html, not one of: application/atom"):
        await fetch_feed(f"{base}/page", allow_loopback=True)


async def test_feeds_follow_the_same_address_rules() -> None:
    with pytest.raises(FetchRefused, match=re.escape("169.254.169.254 is a link-local address")):
        await fetch_feed("http://169.254.169.254/feed.xml")
