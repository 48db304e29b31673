"""Time (issue 21): what goes wrong when actions come in chunks, decisions come rarely, or a generator runs for a
long time on its own outputs. One module per paper holds its toy, its mechanism and its population trainer.
"""
