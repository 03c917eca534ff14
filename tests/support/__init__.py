"""Tools for the tests and the benchmarks (bench/), not part of the runtime package."""
