"""Speed, memory and reliability measurements of paysupport, run on demand.

``./dev bench`` (or ``.venv/bin/python -m benchmarks``) runs every measurement,
prints a table of ratios against the goals of issues 8 and 14 and writes
``docs/performance.md`` with a plot. Each ratio is measured within one run,
interleaving the things compared and keeping the best of several rounds, so a
busy machine slows both sides alike.
"""
