"""Timing, memory and machine facts for the benchmarks."""

from __future__ import annotations

import os
import platform
import resource
import sqlite3
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Stat:
    """Seconds: the median and the 99th percentile of `n` samples."""

    median: float
    p99: float
    n: int

    @classmethod
    def of(cls, samples: list[float]) -> Stat:
        if not samples:
            raise ValueError("no samples")
        ordered = sorted(samples)
        # Nearest rank: the smallest sample with at least 99% of the samples at or below it.
        rank = max(0, -(-99 * len(ordered) // 100) - 1)
        return cls(statistics.median(ordered), ordered[rank], len(ordered))


def ms(seconds: float) -> str:
    """A duration for the table: ms with 2 significant decimals under 10 ms."""
    value = seconds * 1000
    if value < 0.1:
        return f"{value * 1000:.0f} µs"
    if value < 10:
        return f"{value:.2f} ms"
    if value < 1000:
        return f"{value:.0f} ms"
    return f"{seconds:.2f} s"


async def timed(fn: Callable[[], Awaitable[object]], n: int, warmup: int) -> list[float]:
    """Run `fn` warmup + n times, one after another; the n durations in seconds."""
    for _ in range(warmup):
        await fn()
    out: list[float] = []
    for _ in range(n):
        start = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - start)
    return out


def timed_sync(fn: Callable[[], object], n: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    out: list[float] = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def memory_mb(pid: int | None = None) -> tuple[float, float]:
    """(resident now, peak resident) of this process, or of process `pid`, in MB (10^6 bytes)."""
    now = peak = 0.0
    status = Path(f"/proc/{pid or 'self'}/status")
    if status.exists():
        for text in status.read_text().splitlines():
            if text.startswith("VmRSS:"):
                now = int(text.split()[1]) * 1024 / 1e6
            elif text.startswith("VmHWM:"):
                peak = int(text.split()[1]) * 1024 / 1e6
    if not peak and pid is None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6
        now = now or peak
    return now, peak


def resident_mb(pids: Sequence[int]) -> float | None:
    """The resident memory of these processes together, in MB; None for none (a drawer that drew nothing)."""
    return sum(memory_mb(pid)[0] for pid in pids) if pids else None


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds process `pid` has used so far (Linux's /proc/<pid>/stat)."""
    # The fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for text in cpuinfo.read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for text in meminfo.read_text().splitlines():
            if text.startswith("MemTotal:"):
                memory = f"{int(text.split()[1]) / 1024 / 1024:.1f} GiB"
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cores (nproc)": str(os.cpu_count()),
        "CPU": cpu,
        "memory": memory,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": sys.version.split()[0],
        "SQLite": sqlite3.sqlite_version,
        "load average at start": " ".join(f"{x:.2f}" for x in load),
    }
