"""The lab's reference computations that need no training: the split, the per-id means, the baselines' MAEs.

Training (``model.train``) is checked against the solution notebook in test_solution_notebook.py (slow).
"""

from __future__ import annotations

import numpy as np

from movielens_lab import model


def _ratings(n: int = 400) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return rng.integers(0, 30, n), rng.integers(0, 50, n), rng.integers(1, 6, n).astype(float)


def test_the_split_is_seeded_and_three_quarters_for_training() -> None:
    user, movie, y = _ratings()
    s, again, other = model.split(user, movie, y), model.split(user, movie, y), model.split(user, movie, y, seed=1)
    assert (len(s.ytr), len(s.yts)) == (300, 100)
    assert np.array_equal(s.usertr, again.usertr) and not np.array_equal(s.usertr, other.usertr)
    rows = sorted(zip(np.r_[s.usertr, s.userts], np.r_[s.movietr, s.moviets], np.r_[s.ytr, s.yts]))
    assert rows == sorted(zip(user, movie, y))


def test_group_means_count_each_id_and_default_where_none() -> None:
    mean, count = model.group_means(np.array([0, 0, 2]), np.array([1.0, 4.0, 5.0]), 4, default=3.5)
    assert mean.tolist() == [2.5, 3.5, 5.0, 3.5]
    assert count.tolist() == [2, 0, 1, 0]


def test_bias_maes_predict_by_the_training_means() -> None:
    s = model.Split(usertr=np.array([0, 0, 1]), movietr=np.array([0, 1, 1]), ytr=np.array([4.0, 2.0, 3.0]),
                    userts=np.array([1, 2]), moviets=np.array([0, 2]), yts=np.array([5.0, 1.0]))
    # movie means: 0 -> 4, 1 -> 2.5, 2 -> the overall 3; user means: 0 -> 3, 1 -> 3, 2 -> 3
    assert model.bias_maes(s) == (1.5, 2.0)


def _ranking_split() -> model.Split:
    """Three users, six movies (ids 0-5): user 0 rated movies 0 and 1 in training, 2 (5 stars) and 3 (2 stars)
    in the test set; user 1 rated movie 2 in training and 4 (4 stars) in the test set; user 2 has no relevant
    test rating (3 stars), so it is left out; movie 5 has no training rating."""
    return model.Split(usertr=np.array([0, 0, 1, 2, 2]), movietr=np.array([0, 1, 2, 3, 4]),
                       ytr=np.array([4.0, 3.0, 5.0, 4.0, 4.0]),
                       userts=np.array([0, 0, 1, 2]), moviets=np.array([2, 3, 4, 5]),
                       yts=np.array([5.0, 2.0, 4.0, 3.0]))


def test_ranking_excludes_training_movies_and_divides_recall_by_the_relevant() -> None:
    s = _ranking_split()
    # The best scores go to movies 0 and 1 (seen by user 0 in training) and to 5 (no training rating): skipped.
    best_first = np.array([9.0, 8.0, 1.0, 2.0, 0.5, 10.0])
    precision, recall = model.ranking_at_k(s, lambda users: np.tile(best_first, (users.size, 1)), k=2)
    # user 0: top 2 of {2, 3, 4} = 3, 2 -> one hit (movie 2); user 1: top 2 of {0, 1, 3, 4} = 0, 1 -> no hit.
    assert (precision, recall) == (0.25, 0.5)
    assert model.ranking_at_k(s, lambda users: np.tile(-best_first, (users.size, 1)), k=1) == (0.5, 0.5)


def test_popularity_ranks_by_training_counts_and_random_is_seeded() -> None:
    s = _ranking_split()
    assert model.popularity_scores(s)(np.array([0, 1])).tolist() == [[1, 1, 1, 1, 1, 0]] * 2
    first, again = model.random_scores(s)(np.array([0, 1])), model.random_scores(s)(np.array([0, 1]))
    assert first.shape == (2, 6) and np.array_equal(first, again)
