"""Benchmarks: figures, not pass/fail. See bench/RESULTS.md."""
