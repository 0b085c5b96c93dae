"""Timing helpers for the ``bench/`` scripts: the median of repeated runs, and a table of ratios."""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import tables


def median_seconds(func: Callable[[], object], runs: int = 5) -> float:
    """Median wall-clock seconds of ``runs`` calls of ``func``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def children_cpu_seconds() -> float:
    """CPU seconds used so far by this process's children that have exited and been waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Row:
    """One measured task: our median against a baseline's, measured in the same run."""

    task: str
    ours: float
    baseline: float
    target: float | None = None
    """The speed-up (baseline / ours) to reach; below 1 for an overhead bound (1/1.15: at most 15% slower);
    None for a row shown for context only."""
    runs: str = ""

    @property
    def ratio(self) -> float:
        return self.baseline / self.ours

    @property
    def met(self) -> bool:
        return self.target is None or self.ratio >= self.target


def table(rows: Sequence[Row]) -> str:
    """A markdown table of ``rows``: medians, ratio, target and whether it is met."""
    header = ["task", "ours (median s)", "baseline (median s)", "speed-up", "target", "runs (ours / baseline)", "met"]
    cells = [[r.task, f"{r.ours:.4f}", f"{r.baseline:.4f}", f"{r.ratio:.1f}x", f">= {r.target:g}x" if r.target else "-",
              r.runs, ("yes" if r.met else "NO") if r.target else "-"] for r in rows]
    return tables.render(header, cells, "<>>>><<", markdown=True)
