"""A student's feedback page: points per section, what to fix, and notes on the submission.

Written from the grader's verdict alone. It never shows the outputs of the student's kernel,
so nothing a submission printed there (hidden test code fished out by a hook, say) can reach
the page.
"""

from __future__ import annotations

import html

from .. import testoutput
from ..outcomes import Outcome, format_points, max_bonus, max_total, points_of

STYLE = """body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}table{border-collapse:collapse;width:100%}td,th{padding:.4rem .5rem;border-bottom:1px solid #ddd;
text-align:left;vertical-align:top}td.pts{white-space:nowrap;text-align:right}.full{color:#176317}.part{color:#9a3b00}
ul.hints{margin:.3rem 0 0;padding-left:1.2rem;font-size:.9rem}.notes{background:#f6f6f6;padding:.6rem 1rem}"""


def _hints(output: str) -> str:
    """A failed test's output as a list: one item per hint or error line (its summary: the row says it already)."""
    lines = testoutput.shown(output)
    return f"<ul class='hints'>{''.join(f'<li>{html.escape(line)}</li>' for line in lines)}</ul>" if lines else ""


def render(outcome: Outcome, title: str) -> str:
    """The feedback page of one student for the assignment ``title``."""
    points, bonus_ids = points_of(outcome.tests)
    most, most_bonus = max_total(points, bonus_ids), max_bonus(points, bonus_ids)
    rows = []
    for test in outcome.tests:
        mark = "full" if test.score >= test.max_score else "part"
        rows.append(f"<tr><td><strong>{html.escape(test.label)}</strong>"
                    + (_hints(test.output) if mark == "part" else "")
                    + f"</td><td class='pts {mark}'>{format_points(test.score)} / "
                    f"{format_points(test.max_score)}</td></tr>")
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in outcome.notes)
    bonus = f" + bonus {format_points(outcome.bonus)} / {format_points(most_bonus)}" if most_bonus else ""
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Feedback: {html.escape(title)}, "
            f"{html.escape(outcome.name)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{html.escape(title)}: feedback for {html.escape(outcome.name)}</h1>"
            f"<p><strong>Score: {format_points(outcome.total)} / {format_points(most)}{bonus}</strong> "
            f"({html.escape(outcome.status)})</p><p>Each section's points include its hidden checks; "
            "under a section that lost points, what to fix.</p>"
            + (f"<div class='notes'><p>Notes on your submission:</p><ul>{notes}</ul></div>" if notes else "")
            + f"<table><thead><tr><th>Section</th><th>Points</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            "</body></html>\n")
