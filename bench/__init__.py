"""Benchmarks: synthetic workspaces of a thousand to a million events, and the figures of docs/PERFORMANCE.md.

`make bench` (= `python -m bench.run`) generates the workspaces once under bench/data/ and prints
one table; docs/PERFORMANCE.md holds the latest one.
"""
