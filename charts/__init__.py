"""Pictures of the record, drawn from data already counted: no chat platform, no storage.

matplotlib is imported only inside the functions that draw, so a process that never draws a chart
never loads it.
"""
