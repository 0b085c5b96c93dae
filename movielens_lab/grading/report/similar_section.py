"""The class report's "Similar submissions" section, and ``similar_submissions.csv`` beside it.

The pairs ``similarity.compare_class`` finds, most similar first: a table of every pair, then,
for the first ``SHOWN``, the cells that match side by side (matching lines marked) and the failed
checks both got. The wording says what the numbers are: a reason to look, not a verdict.
``LabGrader.similarity`` turns it off (no section, no CSV); ``similarity_threshold`` sets the
threshold.
"""

from __future__ import annotations

import csv
import io

from ...config import LabGrader
from ...errors import LabError
from ...files import atomic_write
from ...tables import csv_safe
from ..outputs.folder import SIMILAR_CSV
from ..outputs.graded import ClassResults
from .document import Block, Bullets, Heading, Listing, Paragraph, SideBySide, Table
from .similarity import FAILURE_WEIGHT, MIN_OWN, K, Pair, Similarity, compare_class
from .studentcode import ADDED_SLOT, Cell

SHOWN = 30
"""Pairs shown cell by cell in the report (the CSV has them all)."""
CSV_HEADER = ["rank", "student_1", "name_1", "student_2", "name_2", "similarity", "matching_own_code", "cells",
              "shared_failed_checks"]


def similar_submissions(results: ClassResults, settings: LabGrader) -> list[Block]:
    """The section, after writing the CSV; nothing (and no CSV) when ``settings`` turn it off."""
    path = results.files.similar_csv
    if not settings.similarity:
        path.unlink(missing_ok=True)
        return []
    threshold = settings.similarity_threshold
    if not 0 < threshold <= 1:
        raise LabError(f"grader_config.py: similarity_threshold must be above 0 and at most 1 (got {threshold:g})")
    found = compare_class(results, threshold)
    names = {row.student: row.name for row in results.rows}
    titles = {s.grade_id: s.label for s in results.sections}
    atomic_write(path, pairs_csv(found, names, titles))
    return _blocks(found, names, titles)


def _cell(cell: Cell, titles: dict[str, str]) -> str:
    where = titles.get(cell.section, "after the last section")
    return f"{where}, a cell added" if cell.slot == ADDED_SLOT else f"{where}, answer cell {cell.slot}"


def _failure(section: str, hint: str, students: int, titles: dict[str, str]) -> str:
    return f"{titles.get(section, section)}: {hint} ({students} students got it)"


def _cells(pair: Pair, titles: dict[str, str]) -> str:
    return "; ".join(dict.fromkeys(_cell(m.left, titles) for m in pair.matches))


def pairs_csv(found: Similarity, names: dict[str, str], titles: dict[str, str]) -> str:
    """Every pair, most similar first: the two students, the similarity, the matching cells and failed checks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for rank, pair in enumerate(found.pairs, 1):
        failures = " | ".join(_failure(f.section, f.hint, f.students, titles) for f in pair.failures)
        row = [str(rank), pair.left, names[pair.left], pair.right, names[pair.right], f"{pair.score:.3f}",
               f"{pair.code:.3f}", _cells(pair, titles), failures]
        writer.writerow([csv_safe(cell) for cell in row])
    return buffer.getvalue()


def _method(found: Similarity) -> str:
    given = ("the code the released notebook gives" if found.given else
             "nothing the released notebook gives (it was not in the grading folder's course/release/)")
    students, limit = len(found.compared), found.common_limit
    common = (f"code more than {limit} of the {students} students compared share (what every answer has)"
              if students > limit else f"no code as common (that takes more than {limit} students; {students} "
                                       "were compared)")
    return (f"Each answer cell of a student is compared with the same answer cell of every other student, and the "
            f"cells they added with each other, as MOSS and Dolos do: names and strings abstracted (copydetect's "
            f"tokenizer), every run of {K} normalised characters fingerprinted. Left out: {given}, and {common}; "
            f"a fragment shared by a few counts for less than one shared by two. A pair's similarity is the "
            f"share of their own code that matches (each counted as at least {MIN_OWN} characters), plus up to "
            f"{FAILURE_WEIGHT:g} for each failed check both got with the same hint in the same section (less the "
            f"more students got it), at most 1.")


def _blocks(found: Similarity, names: dict[str, str], titles: dict[str, str]) -> list[Block]:
    blocks: list[Block] = [
        Heading(f"Similar submissions ({len(found.pairs)})"),
        Paragraph(f"Pairs of students whose answers are more alike than independent work usually is, most alike "
                  f"first, from a similarity of {found.threshold:g} (grader_config.py: similarity_threshold). A high "
                  "similarity is a reason to look at the two notebooks, not a verdict: students may have worked "
                  "together as allowed, learned from the same example, or written the same short answer. "
                  f"All the pairs are in {SIMILAR_CSV}."),
        Paragraph(_method(found))]
    if found.left_out:
        blocks.append(Paragraph(f"Not compared ({len(found.left_out)}, no executed notebook: not graded, or not a "
                                "notebook): " + ", ".join(names[s] for s in found.left_out) + "."))
    if not found.pairs:
        return blocks + [Paragraph(f"No pair reaches a similarity of {found.threshold:g}.")]
    blocks.append(Table("Pairs from the threshold up, most similar first",
                        ["#", "student", "student", "similarity", "own code that matches", "cells that match",
                         "shared failed checks"],
                        [[str(k), names[p.left], names[p.right], f"{p.score:.2f}", f"{p.code:.0%}", _cells(p, titles),
                          str(len(p.failures))] for k, p in enumerate(found.pairs, 1)]))
    for rank, pair in enumerate(found.pairs[:SHOWN], 1):
        left, right = names[pair.left], names[pair.right]
        cells = len(pair.matches)
        blocks += [Heading(f"{rank}. {left} and {right}: similarity {pair.score:.2f}", 3),
                   Paragraph(f"{pair.code:.0%} of their own code matches" + (
                       f", in {cells} cell{'s' * (cells != 1)}: the lines that match are highlighted (» in report.md)."
                       if cells else "."))]
        if pair.failures:
            blocks += [Paragraph("Failed checks both got, with the same hint:"),
                       Bullets([_failure(f.section, f.hint, f.students, titles) for f in pair.failures])]
        for match in pair.matches:
            moved = (match.right.section, match.right.slot) != (match.left.section, match.left.slot)
            blocks.append(SideBySide(_cell(match.left, titles),
                                     Listing(left, match.left.source.splitlines(), match.left_lines),
                                     Listing(f"{right}: {_cell(match.right, titles)}" if moved else right,
                                             match.right.source.splitlines(), match.right_lines)))
    if len(found.pairs) > SHOWN:
        blocks.append(Paragraph(f"The other {len(found.pairs) - SHOWN} pairs are in the table above and in "
                                f"{SIMILAR_CSV}."))
    return blocks
