"""The class report's Similar submissions and similar_submissions.csv: from a grading folder written directly, and
once from a real grading."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import nbformat
import pytest

from fixtures.gradingdir import Known, write_grading_folder
from fixtures.similarclass import STUDENTS, sections, write_similar_class
from fixtures.submissions import CONFIG, SETTINGS, SOURCE, data_folder, filled, write
from movielens_lab import paths
from movielens_lab.errors import LabError
from movielens_lab.grading.course import build_course
from movielens_lab.grading.grade import grade
from movielens_lab.grading.outputs.folder import SIMILAR_CSV
from movielens_lab.grading.report.report import report
from movielens_lab.grading.report.similar_section import CSV_HEADER
from movielens_lab.paths import LAB


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_similar_class(tmp_path_factory.mktemp("similar") / "grading")


@pytest.fixture
def folder(graded: Path, tmp_path: Path) -> Path:
    return shutil.copytree(graded, tmp_path / "grading")


def _config(tmp_path: Path, *lines: str) -> Path:
    """grader_config.py with ``lines`` added at its end."""
    path = tmp_path / "grader_config.py"
    path.write_text(paths.GRADER_CONFIG.read_text() + "\n" + "\n".join(lines) + "\n")
    return path


def _section(md: str) -> str:
    return md.split("## Similar submissions", 1)[1].split("\n## ", 1)[0]


def test_the_report_lists_the_pairs_most_similar_first_with_careful_words(folder: Path) -> None:
    assert report(folder) == 0
    md = (folder / "report.md").read_text()
    section = _section(md)
    assert section.startswith(" (2)\n") and "## Review by hand" in md.split("## Similar submissions")[0]
    assert "a reason to look at the two notebooks, not a verdict" in section
    rows = [line for line in section.splitlines() if line.startswith("| 1 |") or line.startswith("| 2 |")]
    assert rows[0].startswith("| 1 | helpers_a | helpers_b | 0.99 | 99% |")
    assert rows[1].startswith("| 2 | mistake_a | mistake_b | 0.95 | 75% |") and rows[1].endswith("| 1 |")
    assert section.index("### 1. helpers_a and helpers_b") < section.index("### 2. mistake_a and mistake_b")
    assert "code more than 4 of the 18 students compared share" in section


def test_each_pair_shows_its_matching_cells_side_by_side_and_its_shared_mistakes(folder: Path) -> None:
    report(folder)
    section = _section((folder / "report.md").read_text())
    assert "» def mean_per_id(ids, values, size, fallback):" in section
    assert "» def average_by_key(keys, vals, length, default):" in section
    assert "helpers_b: 4. Training and test sets, a cell added:" in section  # where the copy put it
    assert '\n  print(f"global mean {y0:.3f}; test MAE' in section  # a given line is never marked
    assert "» yhat_user = mod.predict([np.full(len(movie_ids), user[7]), movie_ids]" in section
    assert ("- 9. Recommendations for an existing user: yhat_user must be mod's predictions for user uid" in section
            and "(2 students got it)" in section)
    page = (folder / "report.html").read_text()
    assert page.count('<figure class="side-by-side">') == 7  # 3 helpers + baselines; sparse, curves, existing user
    assert "<mark>def mean_per_id(ids, values, size, fallback):</mark>" in page
    assert "<mark>    &quot;&quot;&quot;Mean of the values of every id 0..size-1; fallback" in page


def test_the_csv_has_every_pair_and_no_cell_a_spreadsheet_would_run(folder: Path) -> None:
    known = [Known(name, lost, name={"helpers_a": "=SUM(1+1)", "mistake_b": "-2+3", "mistake_a": "@cmd"}.get(name, ""))
             for name, (_, lost) in STUDENTS.items()]
    write_grading_folder(folder, known, sections(), ["test_bonus_sweep"], LAB)
    report(folder)
    with open(folder / SIMILAR_CSV, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == CSV_HEADER
    assert [row[:6] for row in rows[1:]] == [["1", "helpers_a", "'=SUM(1+1)", "helpers_b", "helpers_b", "0.991"],
                                             ["2", "mistake_a", "'@cmd", "mistake_b", "'-2+3", "0.953"]]
    assert rows[2][7].startswith("3. A sparse matrix, answer cell sparse; 8. Learning curves")
    assert rows[2][8].startswith("9. Recommendations for an existing user: yhat_user must be")


def test_the_threshold_comes_from_grader_config(folder: Path, tmp_path: Path) -> None:
    report(folder, config=_config(tmp_path, "c.LabGrader.similarity_threshold = 0.97"))
    section = _section((folder / "report.md").read_text())
    assert section.startswith(" (1)\n") and "from a similarity of 0.97" in section and "mistake_a" not in section
    assert len((folder / SIMILAR_CSV).read_text().splitlines()) == 2


def test_grader_config_turns_the_section_and_the_csv_off(folder: Path, tmp_path: Path) -> None:
    report(folder)
    assert (folder / SIMILAR_CSV).is_file()
    report(folder, config=_config(tmp_path, "c.LabGrader.similarity = False"))
    assert "Similar submissions" not in (folder / "report.md").read_text()
    assert "Similar submissions" not in (folder / "report.html").read_text()
    assert not (folder / SIMILAR_CSV).exists()  # no list left from an earlier report


def test_a_threshold_outside_0_to_1_is_one_line(folder: Path, tmp_path: Path) -> None:
    with pytest.raises(LabError, match="similarity_threshold must be above 0 and at most 1 \\(got 1.5\\)") as err:
        report(folder, config=_config(tmp_path, "c.LabGrader.similarity_threshold = 1.5"))
    assert "\n" not in str(err.value)


def test_no_pair_says_so(graded: Path, tmp_path: Path) -> None:
    folder = shutil.copytree(graded, tmp_path / "grading")
    for name in ("helpers_b", "mistake_b"):
        (folder / "executed" / f"{name}.ipynb").unlink()
    report(folder)
    section = _section((folder / "report.md").read_text())
    assert section.startswith(" (0)\n") and "No pair reaches a similarity of 0.5." in section
    assert "Not compared (2, no executed notebook: not graded, or not a notebook): helpers_b, mistake_b." in section
    assert (folder / SIMILAR_CSV).read_text() == ",".join(CSV_HEADER) + "\n"


HELPERS = '''def running_total(values):
    """The total of values, added one at a time."""
    total = 0
    for value in values:
        total = total + value
    return total


def how_many(values):
    """How many values there are, counted one at a time."""
    count = 0
    for _ in values:
        count += 1
    return count


def checked(values):
    """values as a list, refusing an empty one."""
    values = list(values)
    if not values:
        raise ValueError("mean of nothing")
    return values


def times(x, y):
    """x times the whole number y, by adding."""
    product = 0
    for _ in range(abs(y)):
        product = product + x
    return product if y >= 0 else -product'''
ANSWERS = {"square": "def square(x):\n    return times(x, x)",
           "mean": "def mean(xs):\n    xs = checked(xs)\n    return running_total(xs) / how_many(xs)",
           "bonus_answer": "answer = times(6, 7)"}
RENAMES = {"running_total": "add_up", "values": "items", "total": "acc", "value": "item", "how_many": "count_of",
           "count": "n", "checked": "non_empty", "times": "mul", "product": "res", "xs": "numbers"}


def _copy(source: str) -> str:
    for old, new in RENAMES.items():
        source = source.replace(old, new)
    return source


@pytest.mark.slow  # grades a class first
def test_grade_writes_the_similar_submissions_of_the_class(tmp_path: Path) -> None:
    """One real grading (fixture assignment, --unsafe): two copies, one with its names renamed, and an honest one.

    Their own code is short (25 lines, 200 normalised characters), so the threshold is set lower."""
    student = nbformat.read(build_course(tmp_path / "course", SOURCE, SETTINGS).student_notebook, as_version=4)
    subs = tmp_path / "subs"
    original = filled(student, **ANSWERS)
    original.cells.insert(2, nbformat.v4.new_code_cell(HELPERS))
    copied = filled(student, **{gid: _copy(source) for gid, source in ANSWERS.items()})
    copied.cells.insert(5, nbformat.v4.new_code_cell(_copy(HELPERS)))
    write(original, subs / "ann.ipynb")
    write(copied, subs / "ben.ipynb")
    write(filled(student), subs / "cat.ipynb")
    out = tmp_path / "out"
    config = tmp_path / "grader_config.py"
    config.write_text(CONFIG.read_text() + "c.LabGrader.similarity_threshold = 0.3\n")
    assert grade(subs, out=out, unsafe=True, data_dir=data_folder(tmp_path / "data"), source=SOURCE, config=config) == 0
    section = _section((out / "report.md").read_text())
    assert section.startswith(" (1)\n") and "### 1. ann and ben: similarity" in section and "cat" not in section
    assert "from a similarity of 0.3 " in section and "no code as common" in section
    assert "» def add_up(items):" in section
    assert "\n  def mean(xs):\n»     xs = checked(xs)\n" in section  # the given line is not marked
    rows = (out / SIMILAR_CSV).read_text().splitlines()
    assert len(rows) == 2 and rows[1].startswith("1,ann,ann,ben,ben,")
    assert float(rows[1].split(",")[5]) > 0.5
