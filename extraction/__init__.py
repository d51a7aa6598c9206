"""Readouts of US–China contacts turned into draft events: platform-neutral, pure functions over text.

`extract(readout, people)` gives a Draft (extraction.draft); `extraction.cli.run` reads and writes JSON
Lines; `extraction.fetch` and `extraction.feeds` get readouts and feed items from the web safely.
"""
