"""The class report's figures, drawn off screen (matplotlib's Agg canvas, no pyplot state) as PNG bytes."""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..outputs.graded import Section

DPI = 100


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return buffer.getvalue()


def sections_png(sections: list[Section]) -> bytes:
    """Points per section across the class: one box plot per section with every student as a dot."""
    fig = Figure(figsize=(9, 0.45 * len(sections) + 1.2), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    rows = np.arange(len(sections))[::-1]  # the first section on top
    ax.boxplot([s.scores for s in sections], positions=rows, orientation="horizontal", widths=0.6, showfliers=False)
    jitter = np.random.default_rng(0)
    for y, section in zip(rows, sections):
        ax.scatter(section.scores, y + jitter.uniform(-0.2, 0.2, len(section.scores)), s=6, alpha=0.4,
                   color="tab:blue", linewidths=0)
        ax.plot([section.max_score], [y], marker="|", markersize=16, markeredgewidth=2, color="tab:red", zorder=3)
    ax.set_yticks(rows, [f"{s.label} (/{s.max_score:g})" for s in sections])
    ax.set_xlabel("points (red bar: the section's maximum)")
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def totals_png(edges: np.ndarray, counts: np.ndarray, max_total: float) -> bytes:
    """A histogram of the totals, from its bin ``edges`` and ``counts``."""
    fig = Figure(figsize=(7, 3), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", edgecolor="white")
    ax.set_xlim(0, max_total)
    ax.set_xlabel(f"total points (out of {max_total:g})")
    ax.set_ylabel("students")
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)
