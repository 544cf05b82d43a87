"""Benchmarks: each module measures sora-tui against a baseline in the same run and returns table rows."""
