"""Benchmarks: each prints a table comparing against a named baseline in the same run."""
