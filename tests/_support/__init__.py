"""Test helpers shared by the suite and the benchmarks: fakes, real-server fixtures,
proxies and corpora. Imported one way only: ``from tests._support.NAME import ...``."""
