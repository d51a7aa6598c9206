"""Files sent with a message, read and checked the way Discord reads and checks them.

A message with files is a multipart/form-data request: a `payload_json` part holding the JSON body
(for an interaction callback, `{"type": …, "data": {…}}`), and one part per file named `files[n]`
with a filename. The body's `attachments` array lists what the message keeps: `{"id": n, "filename",
"description"}` for the file of part `files[n]`, or the id of an attachment the message already has
(an edit keeps those it lists and drops the others; an edit without `attachments` keeps them all).
An embed shows an uploaded picture with the URL `attachment://<filename>`; Discord refuses an embed
that points at an attachment the message does not carry.
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

MAX_FILES = 10
# A server without boosts takes files up to 10 MiB from a bot; interactions say their own limit.
FILE_SIZE_LIMIT = 10 * 1024 * 1024
ATTACHMENT_URL = "attachment://"
FILE_PART = re.compile(r"files\[(\d+)\]")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Upload:
    """One `files[n]` part of a request."""

    index: int
    filename: str
    content_type: str
    data: bytes


async def read_multipart(request: web.Request) -> tuple[Any, list[Upload], list[str]]:
    """The JSON payload, the files, and what about the form Discord would refuse."""
    payload: Any = None
    uploads: list[Upload] = []
    problems: list[str] = []
    reader = await request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader):
            problems.append("a nested multipart part")
            continue
        name = part.name or ""
        if name == "payload_json":
            try:
                payload = json.loads(await part.text())
            except json.JSONDecodeError as exc:
                problems.append(f"payload_json is not JSON: {exc}")
            continue
        found = FILE_PART.fullmatch(name)
        if found is None or not part.filename:
            problems.append(f"unexpected form part {name!r} (filename {part.filename!r})")
            await part.read()
            continue
        content_type = part.headers.get("Content-Type", "application/octet-stream")
        uploads.append(Upload(int(found[1]), part.filename, content_type, bytes(await part.read())))
    if payload is None:
        problems.append("multipart body without payload_json")
    if len({u.index for u in uploads}) != len(uploads):
        problems.append("two parts with the same files[n] name")
    return payload, uploads, problems


def too_large(uploads: list[Upload], size_limit: int = FILE_SIZE_LIMIT) -> list[str]:
    """Files over the limit: Discord answers 413 (code 40005) rather than 400 for them."""
    return [
        f"files[{u.index}] is {len(u.data)} bytes > {size_limit} (file too large)"
        for u in uploads
        if len(u.data) > size_limit
    ]


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG from its header, None if it is not one."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _attachment(upload: Upload, item: dict[str, Any], attachment_id: int, base_url: str) -> dict[str, Any]:
    filename = str(item.get("filename") or upload.filename)
    size = png_size(upload.data)
    found: dict[str, Any] = {
        "id": str(attachment_id),
        "filename": filename,
        "size": len(upload.data),
        "url": f"{base_url}/attachments/{attachment_id}/{filename}",
        "proxy_url": f"{base_url}/attachments/{attachment_id}/{filename}",
        "content_type": "image/png" if size else upload.content_type,
    }
    if item.get("description") is not None:
        found["description"] = item["description"]
    if size:
        found["width"], found["height"] = size
    return found


def embed_references(embeds: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(where, filename) of every `attachment://` URL in the embeds."""
    found: list[tuple[str, str]] = []
    for i, embed in enumerate(embeds):
        for key in ("image", "thumbnail", "author", "footer"):
            url = (embed.get(key) or {}).get("url" if key in ("image", "thumbnail") else "icon_url")
            if isinstance(url, str) and url.startswith(ATTACHMENT_URL):
                found.append((f"embed {i} {key}", url.removeprefix(ATTACHMENT_URL)))
    return found


def resolve(
    body: dict[str, Any],
    uploads: list[Upload],
    existing: list[dict[str, Any]],
    embeds: list[dict[str, Any]],
    *,
    new_id: Any,
    base_url: str,
) -> tuple[list[dict[str, Any]], dict[str, bytes], list[str]]:
    """The message's attachments after this create or edit, the new files' bytes by attachment id,
    and the problems Discord would answer with 400. `embeds` are the ones the message will show."""
    problems: list[str] = []
    if len(uploads) > MAX_FILES:
        problems.append(f"{len(uploads)} files > {MAX_FILES}")
    by_index = {u.index: u for u in uploads}
    kept_by_id = {str(a["id"]): a for a in existing}
    listed = body.get("attachments")
    result: list[dict[str, Any]] = []
    data: dict[str, bytes] = {}
    used: set[int] = set()
    if listed is None:
        result = list(existing)
        items: list[tuple[Upload, dict[str, Any]]] = [(u, {}) for u in uploads]
    else:
        items = []
        for item in listed:
            ident = item.get("id")
            if str(ident) in kept_by_id:
                result.append(kept_by_id[str(ident)])
                continue
            found = by_index.get(int(ident)) if isinstance(ident, int) or str(ident).isdigit() else None
            if found is None:
                problems.append(f"attachments lists id {ident!r}: neither uploaded nor already attached")
                continue
            used.add(found.index)
            items.append((found, item))
        # A file sent but not listed is attached all the same.
        items.extend((u, {}) for u in uploads if u.index not in used)
    for upload, item in items:
        attachment = _attachment(upload, item, new_id(), base_url)
        data[attachment["id"]] = upload.data
        result.append(attachment)
    names = {a["filename"] for a in result}
    for where, filename in embed_references(embeds):
        if filename not in names:
            problems.append(f"{where} points at attachment://{filename}, which the message does not carry")
    return result, data, problems
