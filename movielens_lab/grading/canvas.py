"""Canvas: read a gradebook export (the roster) and write the grades in Canvas's import format.

Canvas's gradebook CSV starts with the columns ``Student, ID, SIS User ID, SIS Login ID,
Section``, one column per assignment headed ``Assignment Name (ID)``, and, in an export, a
second row ``Points Possible``. An import needs one of Student/ID/SIS User ID to find each
student; a column headed with an existing assignment's ``Name (ID)`` updates it, another name
makes a new assignment.

Students are matched by Canvas user ID (the number in a Canvas download's file names), else
by SIS login, SIS user ID or name as the submissions' file names spell them. Nobody is
dropped: roster students without a submission get an empty score, and submissions without a
roster student are listed.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import LabError
from .classresults import ClassResults, StudentRow
from .collect import student_id
from ..files import atomic_write

IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
"""Canvas's identifying columns, kept in the import file where the roster has them."""
REQUIRED = ("Student", "ID")
POINTS_POSSIBLE = "Points Possible"
ASSIGNMENT_COLUMN = re.compile(r"^(?P<name>.+) \((?P<id>\d+)\)$")
IMPORT_FILE = "canvas_import.csv"


@dataclass(frozen=True)
class RosterStudent:
    """One student row of a Canvas gradebook export (only the identifying columns)."""

    fields: dict[str, str]
    """The roster's value of each ``IDENTITY`` column it has."""

    @property
    def name(self) -> str:
        return self.fields["Student"]

    @property
    def canvas_id(self) -> str:
        return self.fields["ID"]

    def keys(self) -> set[str]:
        """What a submission's name may be: SIS login and user ID, the name as sorted and as written."""
        last, _, first = self.name.partition(",")
        spellings = [self.fields.get("SIS Login ID", ""), self.fields.get("SIS User ID", ""), self.name,
                     f"{first} {last}"]
        return {k for s in spellings if (k := _key(s))}


@dataclass(frozen=True)
class Roster:
    """A Canvas gradebook export."""

    path: Path
    columns: list[str]
    students: list[RosterStudent]
    points_possible: bool
    """Whether the export had the ``Points Possible`` row (kept in the import file)."""


@dataclass(frozen=True)
class RosterMatch:
    """The roster beside the graded class."""

    roster: Roster
    scores: list[tuple[RosterStudent, StudentRow | None]]
    """Every roster student, in roster order, with their graded row (None: no submission)."""
    not_in_roster: list[StudentRow]

    @property
    def no_submission(self) -> list[RosterStudent]:
        return [student for student, row in self.scores if row is None]


def _key(text: str) -> str:
    """Lower-case ASCII letters and digits only: ``"Doe, Jane"`` and Canvas's ``doejane`` give one key."""
    return re.sub(r"[^a-z0-9]", "", student_id(text)) if text.strip() else ""


def read_roster(path: Path) -> Roster:
    """The roster in ``path`` (a Canvas gradebook CSV export); a one-line LabError when it is not one."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        lines = list(csv.reader(io.StringIO(text)))
    except FileNotFoundError:
        raise LabError(f"roster {path} not found; export the gradebook from Canvas (Grades > Export)") from None
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise LabError(f"roster {path} is not a readable CSV file ({err}); export it again from Canvas") from None
    columns = [c.strip() for c in lines[0]] if lines else []
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise LabError(f"roster {path} is not a Canvas gradebook export: no column {', '.join(missing)} "
                       f"(it needs {', '.join(IDENTITY)})")
    kept = [c for c in IDENTITY if c in columns]
    rows = [dict(zip(columns, (v.strip() for v in line))) for line in lines[1:] if any(v.strip() for v in line)]
    students = [RosterStudent({c: r.get(c, "") for c in kept}) for r in rows if r.get("Student") != POINTS_POSSIBLE]
    if not students:
        raise LabError(f"roster {path} lists no students")
    return Roster(path, columns, students, len(students) < len(rows))


def match(roster: Roster, results: ClassResults) -> RosterMatch:
    """Each roster student's graded row: by Canvas user ID where the row has one, else by a name key that
    only one roster student has. A roster student takes one row at most; the other rows are listed."""
    by_id = {s.canvas_id: k for k, s in enumerate(roster.students) if s.canvas_id}
    owners: dict[str, set[int]] = {}
    for k, student in enumerate(roster.students):
        for key in student.keys():
            owners.setdefault(key, set()).add(k)
    found: dict[int, StudentRow] = {}
    unmatched = []
    for row in results.rows:
        if row.lms_user_id:
            candidates = {by_id[row.lms_user_id]} if row.lms_user_id in by_id else set()
        else:
            named = (owners.get(k, set()) for k in {_key(row.name), _key(row.student)})
            candidates = set().union(*(c for c in named if len(c) == 1))
        if len(candidates) == 1 and (k := candidates.pop()) not in found:
            found[k] = row
        else:
            unmatched.append(row)
    return RosterMatch(roster, [(s, found.get(k)) for k, s in enumerate(roster.students)], unmatched)


def assignment_column(roster: Roster, assignment: str) -> str:
    """The roster's ``Name (ID)`` column of this assignment where exactly one matches its name; else the name."""
    want = _key(assignment)
    hits = [c for c in roster.columns if (m := ASSIGNMENT_COLUMN.match(c)) and want and want in _key(m["name"])]
    return hits[0] if len(hits) == 1 else assignment


def import_csv(matched: RosterMatch, column: str, points_possible: float) -> str:
    """Canvas's import CSV: the identifying columns and ``column``, the score of each roster student.

    The score is the total with the bonus on top (Canvas takes scores above points possible);
    empty for a student without a submission, so that Canvas leaves that cell alone.
    """
    kept = [c for c in IDENTITY if c in matched.roster.columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*kept, column])
    if matched.roster.points_possible:
        writer.writerow([POINTS_POSSIBLE, *[""] * (len(kept) - 1), f"{points_possible:g}"])
    for student, row in matched.scores:
        writer.writerow([*(student.fields[c] for c in kept), "" if row is None else f"{row.total + row.bonus:g}"])
    return buffer.getvalue()


def write_import(roster: Roster, results: ClassResults, assignment: str) -> tuple[RosterMatch, str]:
    """Write ``canvas_import.csv`` into the grading folder; the match and the assignment column used."""
    matched = match(roster, results)
    column = assignment_column(roster, assignment)
    atomic_write(results.folder / IMPORT_FILE, import_csv(matched, column, results.max_total))
    return matched, column
