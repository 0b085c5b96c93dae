"""The class report: ``report.html`` (self-contained) and ``report.md`` in a grading folder.

Built from what ``grade`` wrote (grades.csv, each student's record.json, run.json), so that
``python -m movielens_lab report GRADING_DIR`` rebuilds it without grading again. It gives
the run's facts, the points per section and the totals (figures with their numbers), the
hints the class got most, the rows that need a person, the pairs of similar submissions
(``similar_section``) and, with a Canvas roster, who could not be matched.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from ... import paths
from ...config import LabGrader, course_settings, load_config, pick
from ...files import atomic_write
from ...safetext import terminal
from ..lms import canvas
from ..outcomes import STATUSES
from ..outputs.folder import CANVAS_IMPORT, REPORT_MD
from ..outputs.graded import ClassResults, Section, read_class
from ..outputs.runfacts import RunFacts
from . import figures
from .attention import needs_a_person
from .document import Block, Bullets, Figure, Heading, Paragraph, Table, to_html, to_markdown
from .hints import common_mistakes
from .similar_section import similar_submissions

BINS = 10
"""Bins of the histogram of totals."""


def report(grading_dir: Path, *, roster: Path | None = None, config: Path = paths.GRADER_CONFIG) -> int:
    """Rebuild report.html and report.md in ``grading_dir`` from what ``grade`` wrote there.

    With ``roster`` (a Canvas gradebook export), also write canvas_import.csv and list who
    could not be matched, in the report and on screen. ``config``: grader_config.py, whose
    settings of the folder's assignment say whether and from what similarity to list similar
    submissions (an assignment it does not list gets its course-wide ``c.LabGrader`` settings).
    """
    results = read_class(Path(grading_dir))
    print(write_report(results, _settings(Path(config), results.assignment), roster))
    return 0


def _settings(config: Path, assignment: str) -> LabGrader:
    course = course_settings(config)
    return course.get(assignment) or (pick(course) if not assignment else LabGrader(config=load_config(config)))


def write_report(results: ClassResults, settings: LabGrader, roster: Path | None = None) -> str:
    """Write the report of ``results`` (and, with ``roster``, the Canvas import) with ``settings``; what to say on
    screen: where it went and, with a roster, who could not be matched (made safe for a terminal)."""
    roster_blocks: list[Block] = []
    roster_lines: list[str] = []
    assignment = results.assignment or settings.assignment
    if roster is not None:
        matched, column = canvas.write_import(canvas.read_roster(roster), results, assignment)
        roster_blocks, roster_lines = _roster(matched, column), _roster_lines(matched)
    title = f"Class report: {assignment}"
    blocks = [*_facts(results), *_changes(results), *_scores(results), *_mistakes(results), *_review(results),
              *similar_submissions(results, settings), *roster_blocks]
    atomic_write(results.files.report_html, to_html(title, blocks))
    atomic_write(results.files.report_md, to_markdown(title, blocks))
    return "\n".join([f"class report: {results.files.report_html} (and {REPORT_MD})", *map(terminal, roster_lines)])


def finish(grading_dir: Path, facts: RunFacts, settings: LabGrader, roster: Path | None = None) -> str:
    """What ``grade`` does last: record the run's facts, then write the report (and the Canvas import); what to
    say on screen (``write_report``)."""
    facts.write(grading_dir)
    return write_report(read_class(grading_dir), settings, roster)


def _num(value: float) -> str:
    return f"{value:.3g}" if value != round(value) else f"{value:g}"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return " ".join(f"{n} {unit}" for n, unit in ((hours, "h"), (minutes, "min"), (secs, "s")) if n) or "0 s"


def _statuses(results: ClassResults) -> str:
    counts = Counter(row.status for row in results.rows)
    return ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts[s])


def _facts(results: ClassResults) -> list[Block]:
    rows = [["students", str(len(results.rows))], ["statuses", _statuses(results)]]
    facts = results.facts
    if facts is None:
        return [Heading("Run"), Table("Run facts", ["fact", "value"], rows),
                Paragraph("No run.json in this folder: its last grading did not record time, jobs or dataset.")]
    reused = facts.students - facts.graded - facts.rejudged
    others = [f"{facts.rejudged} re-judged from their kept runs"] * bool(facts.rejudged) \
        + [f"{reused} reused from an earlier run"] * bool(reused)
    rows += [["graded by the last run", str(facts.graded) + (f" (the other {', '.join(others)})" if others else "")],
             ["time taken", _duration(facts.seconds)], ["jobs", _jobs(facts)],
             ["dataset", f"{facts.dataset} ({facts.data_dir})"],
             ["sandbox", "yes" if facts.sandboxed else "no (--unsafe)"], ["finished", facts.finished]]
    return [Heading("Run"), Table("Run facts", ["fact", "value"], rows)]


def _changes(results: ClassResults) -> list[Block]:
    """The tests changed since the grading before the last one, and whose points moved (none: no section)."""
    facts = results.facts
    if facts is None or not (facts.changed or facts.moved):
        return []
    changed = (f"Tests changed since the grading before: {', '.join(facts.changed)}." if facts.changed else
               "No test changed since the grading before.")
    blocks: list[Block] = [Heading("Changes since the last grading"), Paragraph(changed)]
    if not facts.moved:
        return blocks + [Paragraph("No student's points moved.")]
    return blocks + [Table(f"Points that moved ({_students(len(facts.moved))})", ["student", "name", "before", "now"],
                           [list(row) for row in facts.moved])]


def _jobs(facts: RunFacts) -> str:
    return str(facts.jobs) if facts.shards == 1 else f"{facts.jobs} per shard, {facts.shards} shards"


def _section_row(s: Section) -> list[str]:
    return [s.label, _num(s.max_score), _num(s.mean), _num(s.median), _num(min(s.scores, default=0)),
            _num(max(s.scores, default=0)), str(s.full_marks), str(sum(x == 0 for x in s.scores))]


def _scores(results: ClassResults) -> list[Block]:
    sections, n, top = results.sections, len(results.rows), results.max_total
    totals = np.array([row.total for row in results.rows], dtype=float)
    counts, edges = np.histogram(totals, bins=BINS, range=(0, top or 1))
    bins = [f"{_num(lo)}-{_num(hi)}" for lo, hi in zip(edges[:-1], edges[1:])]
    section_alt = (f"Box plots of the points of {n} students in each section. "
                   + "; ".join(f"{s.label}: median {_num(s.median)} of {_num(s.max_score)}, {s.full_marks} with "
                               "full marks" for s in sections) + ".")
    totals_alt = (f"Histogram of the totals of {n} students, out of {_num(top)}: "
                  + ", ".join(f"{b}: {c}" for b, c in zip(bins, counts)) + ".")
    summary = (f"Totals out of {_num(top)}: mean {_num(totals.mean() if n else 0)}, median "
               f"{_num(float(np.median(totals)) if n else 0)}; bonus on top: mean "
               f"{_num(float(np.mean([row.bonus for row in results.rows])) if n else 0)}.")
    return [Heading("Scores"), Paragraph(summary),
            Figure(figures.sections_png(sections), section_alt, "Points per section across the class"),
            Table("Points per section", ["section", "max", "mean", "median", "lowest", "highest", "full marks",
                                         "zero"], [_section_row(s) for s in sections]),
            Figure(figures.totals_png(edges, counts, top or 1), totals_alt, "Totals across the class"),
            Table("Totals", ["points", "students"], [[b, str(c)] for b, c in zip(bins, counts)])]


def _students(n: int) -> str:
    return f"{n} student{'s' * (n != 1)}"


def _mistakes(results: ClassResults) -> list[Block]:
    blocks: list[Block] = [Heading("Common mistakes"),
                           Paragraph("The hints the tests gave, per section, most frequent first.")]
    for section in common_mistakes(results):
        blocks += [Heading(f"{section.title}: {_students(section.failed)} lost points", 3),
                   Bullets([f"{h.hint}: {_students(h.students)}" for h in section.hints])]
    return blocks if len(blocks) > 2 else blocks + [Paragraph("No test failed.")]


def _review(results: ClassResults) -> list[Block]:
    reviews = needs_a_person(results)
    heading = Heading(f"Review by hand ({len(reviews)})")
    if not reviews:
        return [heading, Paragraph("No row needs a person.")]
    return [heading, Table("Rows that need a person", ["student", "status", "why", "notes"],
                           [[r.name, r.status, ", ".join(r.why), r.reason] for r in reviews])]


def _roster_lines(matched: canvas.RosterMatch) -> list[str]:
    scored = sum(row is not None for _, row in matched.scores)
    lines = [f"canvas: {CANVAS_IMPORT}: {scored} of {len(matched.scores)} roster students scored",
             *(f"roster: {note}" for note in matched.roster.notes)]
    if matched.not_in_roster:
        lines.append(f"not in the roster ({len(matched.not_in_roster)}, no Canvas score): "
                     + ", ".join(f"{r.name} ({r.student})" for r in matched.not_in_roster))
    if matched.no_submission:
        lines.append(f"in the roster without a submission ({len(matched.no_submission)}, score left empty): "
                     + ", ".join(s.name for s in matched.no_submission))
    return lines


def _roster(matched: canvas.RosterMatch, column: str) -> list[Block]:
    new = canvas.ASSIGNMENT_COLUMN.match(column) is None
    where = "a new assignment" if new else "the existing assignment"
    return [Heading("Canvas roster"),
            Paragraph(f"Roster {matched.roster.path}; the import file's score column is \"{column}\" ({where})."),
            Bullets(_roster_lines(matched))]
