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

Rows as Canvas exports them, each with a note: the ``Points Possible`` row and, in older
exports, the ``Muted`` row are not students; Canvas's test student (Student View, "Student,
Test") is kept in the import as exported but not counted as missing; an ID on several rows is
one Canvas user, and every such row gets that user's score.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ...errors import LabError
from ...files import atomic_write
from ...safetext import csv_text
from ..outputs.graded import ClassResults, StudentRow
from ..submissions.collect import student_id

IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
"""Canvas's identifying columns, kept in the import file where the roster has them."""
REQUIRED = ("Student", "ID")
POINTS_POSSIBLE = "Points Possible"
MUTED = "Muted"
"""The ``Student`` cell of the row older exports put under the header to mark muted assignments."""
TEST_STUDENT = "student, test"
"""Canvas's test student (Student View), as its ``Student`` cell reads (lower-cased)."""
ASSIGNMENT_COLUMN = re.compile(r"^(?P<name>.+) \((?P<id>\d+)\)$")


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

    @property
    def test_student(self) -> bool:
        """Whether this is Canvas's test student (Student View): no SIS ID, named "Student, Test"."""
        return self.name.lower() == TEST_STUDENT and not self.fields.get("SIS User ID")

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
    notes: list[str]
    """How rows that are not plain students were read (Muted row, test student, an ID on several rows)."""


@dataclass(frozen=True)
class RosterMatch:
    """The roster beside the graded class."""

    roster: Roster
    scores: list[tuple[RosterStudent, StudentRow | None]]
    """Every roster student, in roster order, with their graded row (None: no submission)."""
    not_in_roster: list[StudentRow]

    @property
    def no_submission(self) -> list[RosterStudent]:
        """Roster students without a submission (Canvas's test student is not one)."""
        return [student for student, row in self.scores if row is None and not student.test_student]


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
    points = any(r.get("Student") == POINTS_POSSIBLE for r in rows)
    muted = [r for r in rows if r.get("Student") == MUTED and not r.get("ID")]
    students = [RosterStudent({c: r.get(c, "") for c in kept}) for r in rows
                if r.get("Student") != POINTS_POSSIBLE and not (r.get("Student") == MUTED and not r.get("ID"))]
    if not students:
        raise LabError(f"roster {path} lists no students")
    return Roster(path, columns, students, points, _notes(students, bool(muted)))


def _notes(students: list[RosterStudent], muted: bool) -> list[str]:
    """Notes on the roster's rows that are not plain students."""
    notes = ["the roster's Muted row (Canvas's mark of muted assignments) is not a student: left out"] if muted else []
    notes += [f"{s.name} (ID {s.canvas_id}) is Canvas's test student (Student View): kept in the import as exported, "
              "not counted as a student" for s in students if s.test_student]
    counts = Counter(s.canvas_id for s in students if s.canvas_id)
    for canvas_id, n in counts.items():
        if n > 1:
            names = ", ".join(s.name for s in students if s.canvas_id == canvas_id)
            notes.append(f"Canvas ID {canvas_id} is on {n} roster rows ({names}): one Canvas user, every row gets "
                         "its score")
    return notes


def match(roster: Roster, results: ClassResults) -> RosterMatch:
    """Each roster student's graded row: by Canvas user ID where the row has one, else by a name key that
    only one roster student has. A Canvas user (the rows of one ID) takes one row at most; the other rows are
    listed."""
    users = [s.canvas_id or f"row {k}" for k, s in enumerate(roster.students)]
    owners: dict[str, set[str]] = {}
    for user, student in zip(users, roster.students):
        for key in student.keys():
            owners.setdefault(key, set()).add(user)
    found: dict[str, StudentRow] = {}
    unmatched = []
    for row in results.rows:
        if row.lms_user_id:
            candidates = {row.lms_user_id} & set(users)
        else:
            named = (owners.get(k, set()) for k in {_key(row.name), _key(row.student)})
            candidates = set().union(*(c for c in named if len(c) == 1))
        if len(candidates) == 1 and (user := candidates.pop()) not in found:
            found[user] = row
        else:
            unmatched.append(row)
    return RosterMatch(roster, [(s, found.get(user)) for user, s in zip(users, roster.students)], unmatched)


def assignment_column(roster: Roster, assignment: str) -> str:
    """The roster's ``Name (ID)`` column of this assignment where exactly one matches its name; else the name."""
    want = _key(assignment)
    hits = [c for c in roster.columns if (m := ASSIGNMENT_COLUMN.match(c)) and want and want in _key(m["name"])]
    return hits[0] if len(hits) == 1 else assignment


def import_csv(matched: RosterMatch, column: str, points_possible: float) -> str:
    """Canvas's import CSV: the identifying columns and ``column``, the score of each roster student.

    The score is the total with the bonus on top (Canvas takes scores above points possible);
    empty for a student without a submission, so that Canvas leaves that cell alone. No cell starts a
    formula (``safetext.csv_text``): the roster's own cells may.
    """
    kept = [c for c in IDENTITY if c in matched.roster.columns]
    possible = [POINTS_POSSIBLE, *[""] * (len(kept) - 1), f"{points_possible:g}"]
    rows = [possible] if matched.roster.points_possible else []
    rows += [[*(student.fields[c] for c in kept), "" if row is None else f"{row.total + row.bonus:g}"]
             for student, row in matched.scores]
    return csv_text([*kept, column], rows)


def write_import(roster: Roster, results: ClassResults, assignment: str) -> tuple[RosterMatch, str]:
    """Write ``canvas_import.csv`` into the grading folder; the match and the assignment column used."""
    matched = match(roster, results)
    column = assignment_column(roster, assignment)
    atomic_write(results.files.canvas_import, import_csv(matched, column, results.max_total))
    return matched, column
