"""Safe fetching against a local aiohttp server on 127.0.0.1 serving readout pages made from the dev set.

Nothing here reaches another address: refused URLs (10.0.0.1, 169.254.169.254, …) are refused before any
connection is made, which is what the tests check.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from extraction.cli import parse_readout
from extraction.extract import extract
from extraction.fetch import CheckedResolver, FetchFailed, FetchRefused, Limits, address_refusal, fetch, fetch_readout
from extraction.people import People


def page(row: dict[str, Any]) -> str:
    """A readout page as government sites make them: navigation, the article, a footer."""
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in row["text"].split("\n") if p.strip())
    return f"""<!doctype html><html><head><title>{html.escape(row["title"])}</title>
<meta property="article:published_time" content="{row["published"]}T12:00:00Z"></head>
<body><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/about">About us</a></li></ul></nav>
<main><article><h1>{html.escape(row["title"])}</h1>{paragraphs}</article></main>
<footer><p>Privacy policy · Accessibility · Contact the webmaster</p></footer></body></html>"""


@dataclass
class Site:
    base: str
    other: str  # a second loopback server (another port)
    hits: dict[str, int]


@pytest.fixture
async def site(dev_rows: dict[str, dict[str, Any]]) -> AsyncIterator[Site]:
    hits: dict[str, int] = {}

    ids = list(dev_rows)

    async def readout(request: web.Request) -> web.Response:
        # Pages by number: an address with a date in it would give the page's date away.
        row = dev_rows[ids[int(request.match_info["n"])]]
        return web.Response(text=page(row), content_type="text/html", charset="utf-8")

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])

    async def loop(request: web.Request) -> web.Response:
        hits["loop"] = hits.get("loop", 0) + 1
        n = int(request.match_info["n"])
        raise web.HTTPFound(f"/loop/{n + 1}")

    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)  # chunked: no Content-Length to refuse early
        for _ in range(100):
            await response.write(b"<p>" + b"x" * 1000 + b"</p>")
        await response.write_eof()
        return response

    async def declared(request: web.Request) -> web.Response:
        return web.Response(body=b"<p>" + b"x" * 50_000 + b"</p>", content_type="text/html")

    async def image(request: web.Request) -> web.Response:
        return web.Response(body=b"\x89PNG\r\n", content_type="image/png")

    async def plain(request: web.Request) -> web.Response:
        return web.Response(text=dev_rows["state-blinken-wang-call-2022-10-31"]["text"], content_type="text/plain")

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.Response(text="late", content_type="text/html")

    async def missing(request: web.Request) -> web.Response:
        raise web.HTTPNotFound()

    async def counted(request: web.Request) -> web.Response:
        hits["other"] = hits.get("other", 0) + 1
        return web.Response(text="<p>another service</p>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/readout/{n}", readout)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/loop/{n}", loop)
    app.router.add_get("/huge", huge)
    app.router.add_get("/declared", declared)
    app.router.add_get("/image", image)
    app.router.add_get("/plain", plain)
    app.router.add_get("/slow", slow)
    app.router.add_get("/missing", missing)
    other_app = web.Application()
    other_app.router.add_get("/", counted)
    runners = [web.AppRunner(app), web.AppRunner(other_app)]
    bases = []
    for runner in runners:
        await runner.setup()
        site_ = web.TCPSite(runner, "127.0.0.1", 0)
        await site_.start()
        host, port = runner.addresses[0][:2]
        bases.append(f"http://{host}:{port}")
    try:
        yield Site(bases[0], bases[1], hits)
    finally:
        for runner in runners:
            await runner.cleanup()


# -- what is fetched -------------------------------------------------------------------------------------------


async def test_a_readout_page_gives_its_main_text_and_the_same_draft(
    site: Site, dev_rows: dict[str, dict[str, Any]], people: People
) -> None:
    for rid, row in dev_rows.items():
        got = await fetch_readout(f"{site.base}/readout/{list(dev_rows).index(rid)}", allow_loopback=True)
        assert "Home" not in got.text and "Privacy policy" not in got.text
        assert got.title == row["title"] and got.published == row["published"]
        fetched = extract(parse_readout(json.dumps({**row, "text": got.text})), people).as_output(rid)
        original = extract(parse_readout(json.dumps(row)), people).as_output(rid)
        for key in ("is_us_china_contact", "date", "kind", "us", "cn", "raised_us", "raised_cn"):
            assert fetched[key] == original[key], key


async def test_a_plain_text_page_is_taken_as_it_is(site: Site, dev_rows: dict[str, dict[str, Any]]) -> None:
    got = await fetch_readout(f"{site.base}/plain", allow_loopback=True)
    assert got.text == dev_rows["state-blinken-wang-call-2022-10-31"]["text"].strip()


async def test_a_redirect_to_the_same_server_is_followed(site: Site) -> None:
    target = "/readout/0"
    got = await fetch(f"{site.base}/redirect?to={target}", allow_loopback=True)
    assert got.url == f"{site.base}{target}" and got.status == 200


# -- what is refused -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://10.0.0.1/readout", "10.0.0.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://[::1]/", "::1 is a loopback address"),
        ("http://127.0.0.1/", "127.0.0.1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]/", "127.0.0.1 is a loopback address"),
        ("http://localhost:8080/", "localhost is a loopback address"),
        ("http://192.168.1.1/", "private address"),
        ("http://224.0.0.1/", "multicast"),
        ("http://0.0.0.0/", "0.0.0.0 is not a public address"),
        ("file:///etc/passwd", "only http and https URLs can be fetched, not file://"),
        ("ftp://example.org/readout.txt", "not ftp://"),
        ("javascript:alert(1)", "not javascript://"),
        ("example.org/readout", "without a scheme"),
        ("http://user:secret@example.org/", "user name or password"),
        ("http:///nohost", "names no host"),
    ],
)
async def test_hostile_urls_are_refused_before_anything_is_sent(url: str, why: str) -> None:
    with pytest.raises(FetchRefused, match=re.escape(why)):
        await fetch_readout(url)


async def test_loopback_is_refused_without_the_test_setting(site: Site) -> None:
    with pytest.raises(FetchRefused, match="loopback"):
        await fetch_readout(f"{site.base}/readout/0")


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("http://10.0.0.1/", "10.0.0.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("file:///etc/passwd", "not file://"),
    ],
)
async def test_each_redirect_is_checked_again(site: Site, target: str, why: str) -> None:
    with pytest.raises(FetchRefused, match=why):
        await fetch(f"{site.base}/redirect?to={target}", allow_loopback=True)


async def test_a_redirect_to_another_loopback_service_is_refused(site: Site) -> None:
    # The test setting allows the URL given; a redirect to 127.0.0.1 elsewhere is not allowed by it.
    with pytest.raises(FetchRefused, match=re.escape("127.0.0.1 is a loopback address")):
        await fetch(f"{site.base}/redirect?to={site.other}/", allow_loopback=True)
    assert site.hits == {}  # the other service was never reached


async def test_redirects_are_followed_three_times_at_most(site: Site) -> None:
    with pytest.raises(FetchRefused, match="redirected more than 3 times"):
        await fetch(f"{site.base}/loop/0", allow_loopback=True)
    assert site.hits["loop"] == 4  # the first request and three redirects, then no more


async def test_an_oversize_body_is_refused(site: Site) -> None:
    small = Limits(max_bytes=10_000)
    with pytest.raises(FetchRefused, match="sent more than 10,000 bytes"):
        await fetch(f"{site.base}/huge", allow_loopback=True, limits=small)
    with pytest.raises(FetchRefused, match="is 50,007 bytes; at most 10,000"):
        await fetch(f"{site.base}/declared", allow_loopback=True, limits=small)


async def test_a_wrong_content_type_is_refused(site: Site) -> None:
    with pytest.raises(FetchRefused, match="sent image/png, not one of: application/xhtml\\+xml, text/html"):
        await fetch_readout(f"{site.base}/image", allow_loopback=True)


async def test_a_slow_server_times_out(site: Site) -> None:
    with pytest.raises(FetchFailed, match=re.escape("did not answer within 0.3 seconds")):
        await fetch(f"{site.base}/slow", allow_loopback=True, limits=Limits(total_seconds=0.3))


async def test_an_error_status_and_a_closed_port_are_failures(site: Site) -> None:
    with pytest.raises(FetchFailed, match="answered HTTP 404"):
        await fetch(f"{site.base}/missing", allow_loopback=True)
    await_closed = "http://127.0.0.1:9/"  # the discard port: nothing listens there
    with pytest.raises(FetchFailed, match="could not connect"):
        await fetch(await_closed, allow_loopback=True)


async def test_the_resolver_refuses_names_that_lead_inside() -> None:
    with pytest.raises(FetchRefused, match=r"refused to fetch from localhost: .* is a loopback address"):
        await CheckedResolver(allow_loopback=False).resolve("localhost", 80)
    allowed = await CheckedResolver(allow_loopback=True).resolve("localhost", 80)
    assert allowed and all(address_refusal(r["host"], allow_loopback=True) is None for r in allowed)


async def test_a_name_is_connected_through_the_checked_resolver(site: Site) -> None:
    port = site.base.rsplit(":", 1)[1]
    got = await fetch(f"http://localhost:{port}/readout/0", allow_loopback=True)
    assert got.status == 200


def test_public_addresses_pass() -> None:
    assert address_refusal("93.184.215.14", allow_loopback=False) is None
    assert address_refusal("2606:4700::1111", allow_loopback=False) is None


def test_the_dev_pages_are_real_html(tmp_path: Path, dev_rows: dict[str, dict[str, Any]]) -> None:
    text = page(next(iter(dev_rows.values())))
    assert text.startswith("<!doctype html>") and "<article>" in text
