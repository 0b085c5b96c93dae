"""Shared fixtures: offline twins written once per test session, and the corpora graded on them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fixtures.gradedcorpus import Graded, grade_corpus
from movielens_lab.data import facts, lab_numbers, movielens
from movielens_lab.data.twin import write_twin
from movielens_lab.paths import LAB

SMALL_SCALE = 0.02
"""Scale of the fast twin (about 20,000 ratings): for tests where the published values are not the point."""


@pytest.fixture(scope="session")
def small_twin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small twin's ``ml-1m`` folder (seed 0)."""
    return write_twin(data_dir=tmp_path_factory.mktemp("small_twin"), seed=0, scale=SMALL_SCALE)


@pytest.fixture(scope="session")
def medium_twin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A twin at scale 0.1 (about 100,000 ratings): enough training for predictions above 5 stars."""
    return write_twin(data_dir=tmp_path_factory.mktemp("medium_twin"), seed=0, scale=0.1)


@pytest.fixture(scope="session")
def full_twin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full-scale twin's ``ml-1m`` folder (seed 0), as the lab's numbers need; its parent is a data folder."""
    return write_twin(data_dir=tmp_path_factory.mktemp("full_twin"), seed=0, scale=1.0)


@pytest.fixture(scope="session")
def corpora(small_twin: Path, request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Graded]:
    """Each corpus graded once a session, when a test first asks for it (``gradedcorpus``): Part 1's on the small
    twin; Part 2's on the full twin, the only one large enough for its lessons (over-fitting, a model better than
    the movie means) to show in seven short fits. Tests read the grading folders, never write them."""
    done: dict[str, Graded] = {}

    def graded(assignment: str) -> Graded:
        if assignment not in done:
            twin = small_twin if assignment == LAB else request.getfixturevalue("full_twin")
            done[assignment] = grade_corpus(assignment, twin, tmp_path_factory)
        return done[assignment]

    return graded


@pytest.fixture(scope="session")
def part2_numbers(full_twin: Path) -> dict[str, object]:
    """Part 2's numbers on the full twin, as the package computes them (seven fits, about a minute)."""
    ratings, _ = facts.load(full_twin)
    return lab_numbers.part2_numbers(ratings)


@pytest.fixture(scope="session")
def hand_placed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An ``ml-1m`` folder shaped as MovieLens 1M unzipped by hand: its ``.dat`` files have the
    published line counts and sizes (their lines are only ``x``s: this is no MovieLens data), and a README."""
    folder = tmp_path_factory.mktemp("hand_placed") / movielens.FOLDER
    folder.mkdir()
    for name, lines in movielens.FILE_LINES.items():
        width, extra = divmod(movielens.FILE_SIZES[name] - lines, lines)
        (folder / name).write_bytes(b"x" * extra + (b"x" * width + b"\n") * lines)
    (folder / "README").write_text("SUMMARY\n")
    return folder
