"""Both parts on several shapes of data, not the twin alone (issue 24): the solution gets every point with the
shipped grader_config.py, and a classic mistake costs exactly its own section, on each.

The shapes: the twin at another seed and a tenth of MovieLens 1M's size, the twin at another seed and a
twentieth, and data generated with other knobs, where taste barely decides the ratings (the lessons barely
show). The corpus test covers the small twin (Part 1) and the full twin (Part 2).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from fixtures import corpus, corpus_2
from movielens_lab.data.twin import StarModel, write_twin
from movielens_lab.grading.grade import grade
from movielens_lab.paths import LAB, LAB_2

pytestmark = pytest.mark.slow

SHAPES = {
    "seed3-10pct": {"seed": 3, "scale": 0.1},
    "seed7-5pct": {"seed": 7, "scale": 0.05},
    "weak-taste-10pct": {"seed": 1, "scale": 0.1, "knobs": StarModel(factor_scale=0.08, exposure=0.05)},
}
CASES = {LAB: {"complete": corpus.CASES["complete"], "ymean_by_id_minus_1": corpus.CASES["ymean_by_id_minus_1"],
               "no_split": corpus.CASES["no_split"]},
         LAB_2: {"p2_complete": corpus_2.CASES["p2_complete"], "p2_mistakes_1": corpus_2.CASES["p2_mistakes_1"]}}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory):
    """Each (shape, part) graded once, in one batch, when a test first asks for it: its grades.csv rows."""
    done: dict[tuple[str, str], dict[str, dict]] = {}

    def rows(shape: str, assignment: str) -> dict[str, dict]:
        if (shape, assignment) not in done:
            data = tmp_path_factory.mktemp(f"data-{shape}")
            write_twin(data_dir=data, **SHAPES[shape])
            subs, out = tmp_path_factory.mktemp(f"subs-{shape}-{assignment}"), tmp_path_factory.mktemp("out")
            corpus.write(subs, CASES[assignment])
            (subs / "expected.json").unlink()
            assert grade(subs, assignment=assignment, out=out, jobs=2, data_dir=data) == 0
            with open(out / "grades.csv", newline="") as fh:
                done[shape, assignment] = {row["student"]: row for row in csv.DictReader(fh)}
        return done[shape, assignment]

    return rows


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("assignment", [LAB, LAB_2])
def test_every_point_for_the_solution_and_exactly_its_sections_for_a_mistake(graded, shape: str,
                                                                             assignment: str) -> None:
    """How much of its section a mistake costs may depend on the data (a mistake in ranking also shows in the random
    row where users rated a larger share of the movies); that it costs its sections and no other never does."""
    rows = graded(shape, assignment)
    for name, case in CASES[assignment].items():
        got = {g: float(rows[name][g]) for g in case.points}
        lost = {g for g, p in case.points.items() if got[g] < p}
        assert lost == set(case.lost), (name, got, rows[name]["reason"])


def test_the_shapes_differ_in_what_they_show(tmp_path: Path) -> None:
    """The weak shape's taste barely matters: its model gains little over the biases (the lessons barely show)."""
    from movielens_lab import model
    from movielens_lab.data import facts

    gains = {}
    for shape in ("seed3-10pct", "weak-taste-10pct"):
        folder = write_twin(data_dir=tmp_path / shape, **SHAPES[shape])
        ratings, _ = facts.load(folder)
        user, movie = ratings["UserID"].to_numpy(), ratings["MovieID"].to_numpy()
        s = model.split(user, movie, ratings["Rating"].to_numpy(dtype=float))
        losses = [model.train(s, int(user.max()), int(movie.max()), d)[1]["val_loss"][-1] for d in (0, 4)]
        gains[shape] = losses[0] - losses[1]
    assert gains["weak-taste-10pct"] < gains["seed3-10pct"]
