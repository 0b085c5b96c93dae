"""A student's feedback page: points per section, what to fix, and notes on the submission.

Written from the grader's verdict alone. It never shows the outputs of the student's kernel,
so nothing a submission printed there (hidden test code fished out by a hook, say) can reach
the page.
"""

from __future__ import annotations

import html

from .exports import Outcome

STYLE = """body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}table{border-collapse:collapse;width:100%}td,th{padding:.4rem .5rem;border-bottom:1px solid #ddd;
text-align:left;vertical-align:top}td.pts{white-space:nowrap;text-align:right}.full{color:#176317}.part{color:#9a3b00}
pre{white-space:pre-wrap;margin:.3rem 0 0;font-size:.9rem}.notes{background:#f6f6f6;padding:.6rem 1rem}"""


def _num(value: float) -> str:
    return f"{value:g}"


def render(outcome: Outcome, title: str) -> str:
    """The feedback page of one student for the assignment ``title``."""
    max_total = sum(t.max_score for t in outcome.tests if not t.bonus)
    max_bonus = sum(t.max_score for t in outcome.tests if t.bonus)
    rows = []
    for test in outcome.tests:
        name = (test.title or test.grade_id) + (" (bonus)" if test.bonus else "")
        mark = "full" if test.score >= test.max_score else "part"
        rows.append(f"<tr><td><strong>{html.escape(name)}</strong>"
                    + (f"<pre>{html.escape(test.output)}</pre>" if test.output and mark == "part" else "")
                    + f"</td><td class='pts {mark}'>{_num(test.score)} / {_num(test.max_score)}</td></tr>")
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in outcome.notes)
    bonus = f" + bonus {_num(outcome.bonus)} / {_num(max_bonus)}" if max_bonus else ""
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Feedback: {html.escape(title)}, "
            f"{html.escape(outcome.name)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{html.escape(title)}: feedback for {html.escape(outcome.name)}</h1>"
            f"<p><strong>Score: {_num(outcome.total)} / {_num(max_total)}{bonus}</strong> "
            f"({html.escape(outcome.status)})</p>"
            + (f"<div class='notes'><p>Notes on your submission:</p><ul>{notes}</ul></div>" if notes else "")
            + f"<table><thead><tr><th>Section</th><th>Points</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            "</body></html>\n")
