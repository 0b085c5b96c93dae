"""The benchmarks' table: the markdown bench/README.md records."""

from __future__ import annotations

from movielens_lab.benchmark import Row, table


def test_table_is_bench_readmes_markdown() -> None:
    rows = [Row("parse", 0.1412, 4.5151, 10, "5 / 3"), Row("loop", 0.0046, 0.1381, None, "5 / 5"),
            Row("overhead", 1.2, 1.0, 1 / 1.15, "3 / 3")]
    assert table(rows).splitlines() == [
        "| task | ours (median s) | baseline (median s) | speed-up | target | runs (ours / baseline) | met |",
        "|---|---:|---:|---:|---:|---|---|",
        "| parse | 0.1412 | 4.5151 | 32.0x | >= 10x | 5 / 3 | yes |",
        "| loop | 0.0046 | 0.1381 | 30.0x | - | 5 / 5 | - |",
        "| overhead | 1.2000 | 1.0000 | 0.8x | >= 0.869565x | 3 / 3 | NO |",
    ]
