"""Suggestions for adapters' autocomplete: at most 25, fast, straight from the store's indexes."""

from __future__ import annotations

from commands.common import KIND_LABEL, pair_line
from commands.reply import plain
from storage.contract import StoreContract
from storage.vocab import norm

MAX_CHOICES = 25  # suggestions per answer: as many as a picker shows without scrolling far
LABEL_LIMIT = 100  # characters in a suggestion's label


async def people(store: StoreContract, workspace: str, prefix: str) -> list[tuple[str, str]]:
    """(label, value) pairs: people whose name or alias starts with what was typed."""
    found = await store.people_matching(workspace, prefix, MAX_CHOICES)
    return [(_cut(f"{p.name} ({p.title})" if p.title else p.name), p.name[:100]) for p in found]


async def issues(store: StoreContract, workspace: str, prefix: str) -> list[tuple[str, str]]:
    key = norm(prefix)
    out: list[tuple[str, str]] = []
    for issue in await store.issues(workspace):
        names = (issue.slug, issue.title, *issue.aliases)
        if not key or any(norm(n).startswith(key) or f" {key}" in f" {norm(n)}" for n in names):
            out.append((_cut(f"{issue.title} ({issue.slug})"), issue.slug))
        if len(out) >= MAX_CHOICES:
            break
    return out


async def events(store: StoreContract, workspace: str, prefix: str) -> list[tuple[str, str]]:
    """Event ids with date and participants: by id when digits are typed, else the newest."""
    text = prefix.strip().lstrip("#")
    if text.isdigit():
        event = await store.event(workspace, int(text))
        found = [event] if event else []
        if not found:
            found, _ = await store.list_events(workspace, limit=MAX_CHOICES)
    else:
        who = await store.people_matching(workspace, text, 1) if text else []
        found, _ = await store.list_events(workspace, person_id=who[0].id if who else None, limit=MAX_CHOICES)
    return [
        (_cut(f"#{e.id} · {e.day} · {KIND_LABEL.get(e.kind, e.kind)} · {plain(pair_line(e))}"), str(e.id))
        for e in found
    ]


def _cut(text: str) -> str:
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"
