"""Benchmarks (`make bench`): pipeline speed and memory at scale 1 and 20, dashboard query latency."""
