"""What ``grade`` writes from the outcomes: grades.csv, Gradescope's results.json and the summary table."""

from __future__ import annotations

from ...config import LabGrader
from ...safetext import csv_text, terminal
from ...tables import render
from ..outcomes import STATUSES, Outcome, format_points


def grades_csv(outcomes: list[Outcome], grade_ids: list[str], assignment: str) -> str:
    """grades.csv of ``assignment``: a header (``Outcome.csv_header``) and one row per student (``Outcome.csv_row``);
    no cell starts a formula (``safetext.csv_text``: read it back with ``safetext.read_csv``)."""
    return csv_text(Outcome.csv_header(grade_ids), (o.csv_row(grade_ids, assignment) for o in outcomes))


def summary_table(outcomes: list[Outcome], max_total: float) -> str:
    """The table ``grade`` prints: one line per student; what students wrote has its control characters escaped."""
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


def gradescope_results(settings: LabGrader, outcome: Outcome) -> dict:
    """Gradescope's results.json of ``outcome``, with the objectives and leaderboard order of ``settings``."""
    ascending = [c["name"] for c in settings.leaderboard if c.get("order") == "asc"]
    return outcome.to_gradescope_dict(settings.objectives, ascending)
