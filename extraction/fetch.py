"""Fetching readout pages and feeds from the web without letting a URL reach inside the network.

Rules, each refused with a FetchRefused whose message says which:
- http and https only (file://, ftp:, data: … are refused before anything is sent);
- the host's addresses must all be public: private, loopback, link-local (169.254.169.254 is the cloud
  metadata service), multicast, reserved and unspecified addresses are refused. Loopback is allowed only
  with allow_loopback=True, which only tests set, and then only for the URL given: a redirect may lead
  back to the same host and port but to no other loopback service. The connection goes to the very addresses that were
  checked: the check runs inside the connector's resolver (CheckedResolver), so a second DNS answer
  cannot swap in another address between check and connect; an address written in the URL is checked
  before the request, as aiohttp does not resolve those;
- redirects are followed by hand, at most `max_redirects` (3), each new URL checked like the first;
- a time limit for the whole fetch and for connecting; a size cap on the body (Content-Length and bytes
  read); the content type must be one the caller accepts (web pages or feeds).
A network failure (refused connection, timeout, HTTP error status) is a FetchFailed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from extraction.html_text import NoMainText, main_text

PAGE_TYPES: Final = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
FEED_TYPES: Final = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml"}
)
REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
USER_AGENT: Final = "Hotline/0.1 (readout reader)"


class FetchError(Exception):
    """A URL could not be fetched; the message says why in a sentence."""


class FetchRefused(FetchError):
    """The URL or what it answered breaks a rule of safe fetching."""


class FetchFailed(FetchError):
    """The network or the server failed."""


@dataclass(frozen=True)
class Limits:
    total_seconds: float = 20.0
    connect_seconds: float = 5.0
    max_bytes: int = 2_000_000
    max_redirects: int = 3


DEFAULT_LIMITS: Final = Limits()


@dataclass(frozen=True)
class Fetched:
    url: str  # the final URL, after redirects
    status: int
    content_type: str
    body: bytes
    charset: str | None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode(self.charset or "utf-8", errors="replace")


@dataclass(frozen=True)
class FetchedReadout:
    url: str
    title: str
    text: str
    published: str | None


def address_refusal(address: str, *, allow_loopback: bool) -> str | None:
    """Why an IP address may not be fetched from, or None if it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return None if allow_loopback else f"{ip} is a loopback address"
    if ip.is_link_local:
        return f"{ip} is a link-local address (such as a cloud metadata service)"
    if ip.is_unspecified:
        return f"{ip} is not a public address"
    if ip.is_private:
        return f"{ip} is a private address"
    if ip.is_multicast:
        return f"{ip} is a multicast address"
    if ip.is_unspecified or ip.is_reserved or not ip.is_global:
        return f"{ip} is not a public address"
    return None


def check_url(url: str, *, allow_loopback: bool) -> tuple[str, int]:
    """The host and port of an http(s) URL, or FetchRefused saying what is wrong with it."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise FetchRefused(f"{url!r} is not a valid URL ({err})") from None
    scheme = parts.scheme.casefold()
    if scheme not in ("http", "https"):
        shown = f"{scheme}://" if scheme else "a URL without a scheme"
        raise FetchRefused(f"only http and https URLs can be fetched, not {shown}")
    host = parts.hostname
    if not host:
        raise FetchRefused(f"{url!r} names no host")
    if parts.username or parts.password:
        raise FetchRefused("URLs with a user name or password are not fetched")
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        loopback_name = host.casefold() == "localhost" or host.casefold().endswith(".localhost")
        if loopback_name and not allow_loopback:
            raise FetchRefused(f"refused to fetch {url}: {host} is a loopback address") from None
        return host, port or (443 if scheme == "https" else 80)
    reason = address_refusal(host, allow_loopback=allow_loopback)
    if reason:
        raise FetchRefused(f"refused to fetch {url}: {reason}")
    return host, port or (443 if scheme == "https" else 80)


class CheckedResolver(AbstractResolver):
    """Resolves with aiohttp's resolver and refuses a host if any of its addresses may not be reached.

    The connector connects only to the addresses this returns, so the checked addresses are the ones used.
    """

    def __init__(self, allow_loopback: bool) -> None:
        self._inner = DefaultResolver()
        self._allow_loopback = allow_loopback

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            reason = address_refusal(result["host"], allow_loopback=self._allow_loopback)
            if reason:
                raise FetchRefused(f"refused to fetch from {host}: {reason}")
        return results

    async def close(self) -> None:
        await self._inner.close()


def _main_type(header: str | None) -> tuple[str, str | None]:
    if not header:
        return "", None
    parts = [p.strip() for p in header.split(";")]
    charset = None
    for param in parts[1:]:
        key, _, value = param.partition("=")
        if key.strip().casefold() == "charset" and value.strip():
            charset = value.strip().strip('"')
    return parts[0].casefold(), charset


async def fetch(
    url: str,
    *,
    accept: frozenset[str] = PAGE_TYPES,
    allow_loopback: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    headers: Mapping[str, str] | None = None,
    allow_not_modified: bool = False,
) -> Fetched:
    """GET a URL under the rules of the module's docstring. A 304 is returned (empty body) only when
    `allow_not_modified` (a conditional request); any other status but 2xx is a FetchFailed."""
    timeout = aiohttp.ClientTimeout(total=limits.total_seconds, connect=limits.connect_seconds)
    connector = aiohttp.TCPConnector(resolver=CheckedResolver(allow_loopback), use_dns_cache=False)
    request_headers = {"User-Agent": USER_AGENT, "Accept": ", ".join(sorted(accept)), **(headers or {})}
    try:
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            return await _follow(session, url, accept, allow_loopback, limits, request_headers, allow_not_modified)
    except FetchError:
        raise
    except TimeoutError:
        raise FetchFailed(f"{url} did not answer within {limits.total_seconds:g} seconds") from None
    except aiohttp.ClientConnectorError as err:
        cause = err.os_error
        if isinstance(cause, FetchRefused):
            raise cause from None
        raise FetchFailed(f"could not connect to {url}: {cause.strerror or cause}") from None
    except aiohttp.ClientError as err:
        raise FetchFailed(f"could not fetch {url}: {err.__class__.__name__} {err}".strip()) from None


async def _follow(
    session: aiohttp.ClientSession,
    url: str,
    accept: frozenset[str],
    allow_loopback: bool,
    limits: Limits,
    headers: Mapping[str, str],
    allow_not_modified: bool,
) -> Fetched:
    current = url
    origin = _origin(url)
    for hop in range(limits.max_redirects + 1):
        # The loopback allowance is for the URL the caller gave: a redirect may not lead to another
        # loopback service, only back to the same host and port.
        check_url(current, allow_loopback=allow_loopback and _origin(current) == origin)
        async with session.get(current, allow_redirects=False, headers=headers) as response:
            if response.status in REDIRECTS:
                location = response.headers.get("Location")
                if not location:
                    raise FetchFailed(f"{current} redirected without saying where")
                if hop == limits.max_redirects:
                    raise FetchRefused(f"{url} redirected more than {limits.max_redirects} times")
                current = urljoin(current, location)
                continue
            if response.status == 304 and allow_not_modified:
                return Fetched(current, 304, "", b"", None, dict(response.headers))
            if not 200 <= response.status < 300:
                raise FetchFailed(f"{current} answered HTTP {response.status} {response.reason or ''}".rstrip())
            content_type, charset = _main_type(response.headers.get("Content-Type"))
            if content_type not in accept:
                shown = content_type or "no content type"
                raise FetchRefused(f"{current} sent {shown}, not one of: {', '.join(sorted(accept))}")
            body = await _read_capped(response, limits.max_bytes, current)
            return Fetched(current, response.status, content_type, body, charset, dict(response.headers))
    raise FetchRefused(f"{url} redirected more than {limits.max_redirects} times")  # pragma: no cover


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.scheme.casefold(), (parts.hostname or "").casefold(), port


async def _read_capped(response: aiohttp.ClientResponse, cap: int, url: str) -> bytes:
    declared = response.content_length
    if declared is not None and declared > cap:
        raise FetchRefused(f"{url} is {declared:,} bytes; at most {cap:,} are read")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > cap:
            raise FetchRefused(f"{url} sent more than {cap:,} bytes; at most {cap:,} are read")
        chunks.append(chunk)
    return b"".join(chunks)


async def fetch_readout(url: str, *, allow_loopback: bool = False, limits: Limits = DEFAULT_LIMITS) -> FetchedReadout:
    """A readout page's title and main text. Plain text pages are taken as they are; HTML goes through
    trafilatura (in a worker thread: it parses the whole page)."""
    page = await fetch(url, accept=PAGE_TYPES, allow_loopback=allow_loopback, limits=limits)
    if page.content_type == "text/plain":
        text = page.text.strip()
        if not text:
            raise FetchRefused(f"{page.url} is empty")
        return FetchedReadout(page.url, "", text, None)
    try:
        found = await asyncio.to_thread(main_text, page.text, page.url)
    except NoMainText as err:
        raise FetchRefused(f"{page.url}: {err}") from None
    text = found.text
    first, _, rest = text.partition("\n")
    if found.title and first.strip() == found.title.strip() and rest.strip():
        text = rest.strip()  # the page's heading, repeated at the top of the main text
    return FetchedReadout(page.url, found.title, text, found.published)
