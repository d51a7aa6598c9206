"""Matching a typed name by its spelling against a workspace's names: difflib against rapidfuzz.

    python -m bench.matching [--people 5000] [--repeat 20]

Hotline used difflib.get_close_matches over every name and alias of the workspace; commands/names.py
now ranks them with rapidfuzz (in C) and applies its word rules to the few above the cutoff. This
prints the median time of one look-up each way, for workspaces of a few thousand people (names drawn
as bench/generate.py draws them), and whether both find the same names for a set of real near-names.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import random
import statistics
import time
from collections.abc import Callable

from bench.generate import CN_SURNAMES, CN_SYLLABLES, US_FIRST, US_LAST
from commands import names
from storage.vocab import norm

REAL = ["wei fenghe", "li qiang", "wang yi", "xie feng", "john kerry", "antony blinken", "lloyd j austin iii"]
TYPED = ["wei fenge", "li keqiang", "wang yang", "xie zhenhua", "john kirby", "antony blinkin", "loyd austin"]


def keys_of(people: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    keys: set[str] = set()
    while len(keys) < people:
        if rng.random() < 0.5:
            keys.add(norm(f"{rng.choice(US_FIRST)} {rng.choice(US_LAST)}"))
        else:
            keys.add(norm(f"{rng.choice(CN_SURNAMES)} {rng.choice(CN_SYLLABLES)}{rng.choice(CN_SYLLABLES)}"))
    return sorted(keys | set(REAL))


def median_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.matching", description=__doc__)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    keys = keys_of(args.people)
    print(f"{len(keys)} names and aliases; median of {args.repeat} look-ups of each typed name")
    print(f"{'typed':<16} {'difflib ms':>10} {'rapidfuzz ms':>12}  difflib finds / names.close_keys finds")
    for typed in TYPED:
        found_slow = difflib.get_close_matches(typed, keys, n=5, cutoff=0.8)
        found_fast = names.close_keys(typed, keys, names.LOOKUP_CUTOFF)
        slow = median_ms(functools.partial(difflib.get_close_matches, typed, keys, 5, 0.8), args.repeat)
        fast = median_ms(functools.partial(names.close_keys, typed, keys, names.LOOKUP_CUTOFF), args.repeat)
        print(f"{typed:<16} {slow:>10.2f} {fast:>12.2f}  {found_slow} / {found_fast}")


if __name__ == "__main__":
    main()
