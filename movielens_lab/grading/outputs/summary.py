"""The table ``grade`` and ``merge`` print once a class is graded: one line per student, then who to review."""

from __future__ import annotations

from ...safetext import terminal
from ...tables import render
from ..outcomes import STATUSES, Outcome, format_points


def summary_table(outcomes: list[Outcome], max_total: float) -> str:
    """One line per student, the count of each status and the flagged students; what students wrote has its
    control characters escaped."""
    rows = [[_cut(terminal(o.name), 40), f"{format_points(o.total):>3}/{format_points(max_total):<3}",
             format_points(o.bonus), o.status, _cut(terminal(o.reason), 70)] for o in outcomes]
    lines = [render(["student", "total", "bonus", "status", "reason"], rows, "<>><<")]
    counts = {s: sum(o.status == s for o in outcomes) for s in STATUSES}
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items() if n))
    flagged = [o for o in outcomes if o.flags]
    if flagged:
        lines.append(f"review by hand ({len(flagged)}): possible tampering, the points are the grader's own")
        lines += [terminal(f"  {o.name}: {'; '.join(o.flags)}") for o in flagged]
    return "\n".join(lines)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."
