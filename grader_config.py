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
# notebook_timeout, leaderboard, references, tolerances, memory_limit_mb, disk_limit_mb, max_notebook_mb,
# max_cells, max_cell_kb. To add an assignment: write solutions/<name>.ipynb, add its entry
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
        # The lab's key values: references are MovieLens 1M's published numbers (LAB_SPEC, issue 2);
        # tolerances are absolute. `data stats` and tests/data/test_lab_numbers.py check the offline twin against
        # them. Measured on the twin at scale 1, seeds 0..4 (LAB_SPEC's split and training, 2-core CPU,
        # TF 2.21), per seed 0 / 1 / 2 / 3 / 4, then min / median / max:
        #   mae_movie     0.7779 0.7760 0.7820 0.7840 0.7836   0.7760 / 0.7820 / 0.7840
        #   mae_user      0.8525 0.8508 0.8510 0.8549 0.8530   0.8508 / 0.8525 / 0.8549
        #   mae_bias      0.7175 0.7144 0.7212 0.7232 0.7256   0.7144 / 0.7212 / 0.7256  (user+movie bias)
        #   train_loss    0.6782 0.6716 0.6871 0.6781 0.6836   0.6716 / 0.6782 / 0.6871  (Keras emb_dim 4)
        #   test_loss     0.7017 0.6971 0.7122 0.7073 0.7094   0.6971 / 0.7073 / 0.7122
        #   best_emb_dim  4      5      5      5      5        4 / 5 / 5                (sweep 0..8)
        #   precision@10 of the same model / popularity / random (LAB_SPEC_PART2 section 4; `data stats`):
        #     model 0.0437 0.0438 0.0311 0.0419 0.0373, popularity 0.1428-0.1641, random 0.0069-0.0075:
        #     the model ranks 4.4x to 6.3x better than random and below popularity, as on real data.
        # Largest deviation from the reference over these seeds: mae_movie 0.0040, mae_bias 0.0056,
        # train_loss 0.0084, test_loss 0.0129. Since the twin's exposure depends on taste (who rates what),
        # the seeds spread wider than before, so test_loss has issue 2's full +-0.015; the tolerances of
        # mae_movie, train_loss and test_loss are no looser than that. mae_user deviates by up to 0.025:
        # the twin sits about 0.02 above ml-1m's 0.83, hence 0.045. best_emb_dim 4.5 +- 1.5 means
        # "lowest test loss at emb_dim 3..6".
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
        # Part 2's key values on the twin (no published MovieLens 1M value exists for this model; Surprise's
        # SVD, trained on the squared error, has RMSE 0.873). `data stats` and tests/data/test_lab_numbers.py check
        # them. Measured at scale 1, seeds 0..4 (the notebook's split and training: batch 10,000, Adam 0.03,
        # 8 epochs; l2 1e-5; 2-core CPU, TF 2.21), per seed 0 / 1 / 2 / 3 / 4, then min / median / max:
        #   mae_mae (MAE loss, emb_dim 4)   0.6943 0.6912 0.6986 0.6997 0.7044   0.6912 / 0.6986 / 0.7044
        #   rmse_mae                        0.8816 0.8784 0.8864 0.8882 0.8937   0.8784 / 0.8864 / 0.8937
        #   rmse_mse (MSE loss)             0.8658 0.8674 0.8712 0.8737 0.8744   0.8658 / 0.8712 / 0.8744
        #   plain_last (emb_dim 16)         0.7345 0.7332 0.7395 0.7415 0.7428   0.7332 / 0.7395 / 0.7428
        #   l2_last (emb_dim 16, L2)        0.6867 0.6820 0.6883 0.6915 0.6911   0.6820 / 0.6883 / 0.6915
        #   mae_range (scaled sigmoid)      0.6818 0.6785 0.6872 0.6975 0.6881   0.6785 / 0.6872 / 0.6975
        #   precision_model (@10)           0.0448 0.0448 0.0488 0.0412 0.0360   0.0360 / 0.0448 / 0.0488
        #   precision_popularity (@10)      0.1605 0.1641 0.1508 0.1548 0.1428   0.1428 / 0.1548 / 0.1641
        # (random: 0.0069-0.0075, so the model ranks 5.1x to 6.9x better than random and 0.25 to 0.32 times as
        # well as popularity; real MovieLens 100K: 6.4x and 0.38.) Adam 0.05 fitted as fast but ranked only 2.0x
        # to 3.8x better than random; 0.03 also has the lower test MAE. Each reference is near the median; each
        # tolerance at least twice the largest deviation over these seeds. The lessons themselves (the MSE loss
        # has the lower RMSE, the plain curve rises by 0.038-0.042 from emb_dim 4 to 16 while the L2 one stays
        # within 0.003 of its best, the model ranks between random and popularity) held on every seed;
        # `data stats` checks them too.
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
