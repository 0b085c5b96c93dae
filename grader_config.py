# The grading configuration of movielens-lab: a traitlets config file, like nbgrader_config.py.
# `python -m movielens_lab release|grade|check|gradescope` read it; nbgrader's own settings sit
# beside the lab's (LabGrader).
c = get_config()  # noqa: F821  (provided by traitlets when the file is loaded)

# The course: settings every assignment shares unless its entry in `assignments` (below) sets its own.
c.LabGrader.course_id = "movielens-lab"
c.CourseDirectory.course_id = c.LabGrader.course_id
c.LabGrader.memory_limit_mb = 4096
# All a submission may write (its working folder and /tmp, a tmpfs: held in memory), with room for
# the grader's export of its variables (up to ~150 MB on the full data set).
c.LabGrader.disk_limit_mb = 1024
# After grading, the class report compares the students' answers and lists the pairs whose similarity
# (0 to 1: the share of their own code that matches, plus their rare shared mistakes) reaches the
# threshold, also in similar_submissions.csv: a reason to look, not a verdict. False: no comparison.
c.LabGrader.similarity = True
c.LabGrader.similarity_threshold = 0.5

# How large a submitted notebook may be before the grader parses it (the defaults): a larger file, more
# cells or a larger code cell gets the row "too large" and is not read further.
# c.LabGrader.max_notebook_mb = 50
# c.LabGrader.max_cells = 2000
# c.LabGrader.max_cell_kb = 256

# The course's assignments, in order; the first is the default of every command's --assignment.
# Each is named like its notebooks (solutions/<name>.ipynb, the nbgrader source; notebooks/<name>.ipynb,
# the student notebook `release` writes) and sets its own LabGrader settings: points (one per test
# cell's grade_id, which no other assignment may use), bonus, objectives, cell_timeout,
# notebook_timeout, leaderboard, kept_given_calls, references, tolerances, memory_limit_mb, disk_limit_mb,
# max_notebook_mb, max_cells, max_cell_kb. To add an assignment: write solutions/<name>.ipynb, add its entry
# "<name>": {"points": {...}, ...} below, then `python -m movielens_lab release --assignment <name>`.
c.LabGrader.assignments = {
    "movielens_lab": {
        # Training cells run for tens of seconds: nbgrader's 30 s default per cell is far too short.
        "cell_timeout": 300,
        "notebook_timeout": 1800,
        # Points of each autograder-test cell, by grade_id (`release` writes them into the notebook).
        # The ten sections sum to 100; the bonus is reported on top of the total.
        "points": {
            "test_movies": 8, "test_ratings": 8, "test_sparse": 6, "test_split": 10, "test_baselines": 14,
            "test_model": 12, "test_training": 12, "test_curves": 6, "test_existing_user": 12,
            "test_new_user": 12, "test_bonus_sweep": 10,
        },
        "bonus": ["test_bonus_sweep"],
        # Each section's learning objective (the tags of its test in Gradescope's results.json).
        "objectives": {
            "test_movies": "read a real data set", "test_ratings": "represent ratings as arrays",
            "test_sparse": "represent ratings as a sparse matrix", "test_split": "hold out a test set",
            "test_baselines": "measure the MAE of movie and user bias predictors",
            "test_model": "build a low-rank model from Embedding layers", "test_training": "train a low-rank model",
            "test_curves": "read learning curves", "test_existing_user": "recommend movies to an existing user",
            "test_new_user": "recommend movies to a new user", "test_bonus_sweep": "choose the embedding dimension",
        },
        # Gradescope's leaderboard: off unless a column is listed. The judge evaluates each column's value
        # after its test, on the student's exported values (never in the student's kernel). To rank the
        # class by the test MAE of section 7's model (lower is better), uncomment:
        # "leaderboard": [{
        #     "name": "test MAE", "test": "test_training", "order": "asc",
        #     "value": "float(_np.mean(_np.abs(_np.ravel(mod.predict(Xts, batch_size=10000, verbose=0))"
        #              " - _np.ravel(yts))))",
        # }],
        # The lab's key values: references are MovieLens 1M's published numbers (LAB_SPEC, issue 2); tolerances
        # are absolute. `data stats` and tests/data/test_lab_numbers.py check the offline twin against them;
        # the per-seed measurements behind each tolerance: docs/calibration.md.
        "references": {
            "mae_movie": 0.78, "mae_user": 0.83, "mae_bias": 0.72,
            "train_loss": 0.68, "test_loss": 0.71, "best_emb_dim": 4.5,
        },
        "tolerances": {
            "mae_movie": 0.01, "mae_user": 0.045, "mae_bias": 0.015,
            "train_loss": 0.015, "test_loss": 0.015, "best_emb_dim": 1.5,
        },
    },
    "movielens_lab_2": {
        # Part 2, "beyond MAE" (LAB_SPEC_PART2): seven short fits, about 90 s on the full data set.
        # Its given cells rebuild Part 1's answers (sections 1, 2, 4, 5 and 6): `release` says to hand it out
        # only after Part 1's deadline.
        "reveals": ["movielens_lab"],
        # Its given cells also train Part 1's model (`train`), in the student's kernel and in the grader's
        # judge: the judge keeps that training with the course's references instead of repeating it per student.
        "kept_given_calls": ["train"],
        "cell_timeout": 300,
        "notebook_timeout": 1200,
        # The five sections sum to 100; the new-user bonus is reported on top of the total.
        "points": {
            "test_p2_metrics": 16, "test_p2_regularisation": 20, "test_p2_range": 14, "test_p2_ranking": 26,
            "test_p2_embeddings": 24, "test_p2_cold_start": 10,
        },
        "bonus": ["test_p2_cold_start"],
        "objectives": {
            "test_p2_metrics": "compare MAE and RMSE and the losses that optimise them",
            "test_p2_regularisation": "regularise embeddings against over-fitting",
            "test_p2_range": "keep predictions in the star range",
            "test_p2_ranking": "evaluate recommendations with ranking metrics and baselines",
            "test_p2_embeddings": "read what embeddings and biases learned",
            "test_p2_cold_start": "recommend to new users",
        },
        # Part 2's key values on the twin (no published MovieLens 1M value exists for this model), checked
        # like Part 1's; the per-seed measurements behind each: docs/calibration.md.
        "references": {
            "mae_mae": 0.698, "rmse_mae": 0.886, "rmse_mse": 0.871, "plain_last": 0.739, "l2_last": 0.688,
            "mae_range": 0.687, "precision_model": 0.044, "precision_popularity": 0.155,
        },
        "tolerances": {
            "mae_mae": 0.014, "rmse_mae": 0.016, "rmse_mse": 0.012, "plain_last": 0.012, "l2_last": 0.012,
            "mae_range": 0.021, "precision_model": 0.016, "precision_popularity": 0.025,
        },
    },
}
