"""Side-by-side benchmarks of chainrule against micrograd, PyTorch and hand-written floats.

Run with ``make bench`` (or ``python -m benchmarks.run``); the table lands in
``benchmarks/results.md``.
"""
