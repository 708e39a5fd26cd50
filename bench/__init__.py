"""Benchmarks for xiaoe: engine turn cost, end-to-end throughput against an echo bot, memory, start-up.

Run them all with ``make bench`` (or ``python -m bench``); ``python -m bench --quick`` runs tiny sizes
(the smoke test in ``tests/test_bench.py`` does that so the code does not rot). Nothing here asserts a
time: the figures are printed as one table and written to ``bench/results.md``.
"""
