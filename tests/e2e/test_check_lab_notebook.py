"""`check` on the real lab notebook tells the truth: what the grader's visible checks say, section by section."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from fixtures import corpus_2
from fixtures.corpus import CASES, POINTS, blank, completed
from movielens_lab.cli import main
from movielens_lab.grading.check import LATER_SECTIONS

pytestmark = pytest.mark.slow  # runs the real labs six times (test_check.py is the fast one)

SECTIONS = len(POINTS)


def _check(nb: nbformat.NotebookNode, folder: Path, data: Path, capsys) -> tuple[int, list[str]]:
    notebook = folder / "my lab.ipynb"
    nbformat.write(nb, notebook)
    code = main(["check", str(notebook), "--data-dir", str(data)])
    return code, capsys.readouterr().out.splitlines()


def _sections(lines: list[str]) -> dict[str, str]:
    """Each section's line of the report, by its number ("1." .. "11.")."""
    return {line.split(" ", 1)[0]: line for line in lines if line[:3].rstrip(" ").rstrip(".").isdigit()}


def test_the_complete_lab_passes_every_section(small_twin: Path, tmp_path: Path, capsys) -> None:
    code, lines = _check(completed(), tmp_path, small_twin.parent, capsys)
    assert code == 0, lines
    sections = _sections(lines)
    assert len(sections) == SECTIONS and all("passed" in line for line in sections.values()), lines
    assert f"{SECTIONS} of {SECTIONS} sections passed" in lines[-1] and "hidden checks worth" in lines[-1]


def test_the_blank_lab_fails_every_section(small_twin: Path, tmp_path: Path, capsys) -> None:
    code, lines = _check(blank(), tmp_path, small_twin.parent, capsys)
    assert code == 1
    sections = _sections(lines)
    assert len(sections) == SECTIONS and all("FAILED" in line for line in sections.values()), lines
    assert f"0 of {SECTIONS} sections passed" in lines[-1]
    assert lines[-2] == LATER_SECTIONS  # the later ones may fail only because of the first


@pytest.mark.parametrize("name, number", [("first_75_percent", "4."), ("top10_sorted_ascending", "9."),
                                          ("ymean_nan_for_unrated_movies", "5.")])
def test_one_mistake_fails_exactly_its_section_with_its_hint(small_twin: Path, tmp_path: Path, capsys,
                                                             name: str, number: str) -> None:
    case = CASES[name]
    code, lines = _check(case.build(), tmp_path, small_twin.parent, capsys)
    assert code == 1
    failed = [n for n, line in _sections(lines).items() if "FAILED" in line]
    assert failed == [number], lines
    (words,) = case.hints.values()
    assert any(words in line for line in lines), lines
    assert LATER_SECTIONS not in lines


def test_the_complete_part_2_passes_every_section_on_data_of_movielens_1m_size(full_twin: Path, tmp_path: Path,
                                                                              capsys) -> None:
    code, lines = _check(corpus_2.CASES["p2_complete"].build(), tmp_path, full_twin.parent, capsys)
    assert code == 0, lines
    sections = _sections(lines)
    assert len(sections) == len(corpus_2.POINTS) and all("passed" in line for line in sections.values()), lines
    assert lines[0].startswith("assignment: movielens_lab_2 (told by the cells' grade_ids"), lines
