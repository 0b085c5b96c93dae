"""MovieLens 1M's published figures: the one place the package and its tests read them from.

Counts and codes are those of ml-1m's README and files (GroupLens, 2003); the twin is generated
to match them and ``data stats`` checks a dataset against them.
"""

from __future__ import annotations

FOLDER = "ml-1m"
"""The dataset's folder inside the data folder, as ml-1m.zip extracts it."""
FILES = ("ratings.dat", "movies.dat", "users.dat", "README")
ENCODING = "latin-1"
"""The ``.dat`` files' encoding (some titles have accents)."""

USERS = 6040
MOVIES_LISTED = 3883
MOVIES_RATED = 3706
MAX_MOVIE_ID = 3952
RATINGS = 1_000_209
MIN_PER_USER = 20
STAR_COUNTS = (56_174, 107_557, 261_197, 348_971, 226_310)
"""Ratings with 1..5 stars (5.62%, 10.75%, 26.11%, 34.89%, 22.63%)."""
MEAN_RATING = sum(stars * count for stars, count in enumerate(STAR_COUNTS, start=1)) / RATINGS
"""3.58."""
FIRST_TIMESTAMP = 956_703_932  # 2000-04-25 23:05:32 UTC
LAST_TIMESTAMP = 1_046_454_590  # 2003-02-28 17:49:50 UTC
PER_USER_MEDIAN = 96
PER_USER_MAX = 2314
PER_MOVIE_MEDIAN = 123.5
PER_MOVIE_MAX = 3428
MOVIES_UNDER_5 = 290
"""About this many rated movies have fewer than 5 ratings."""

GENRES = ("Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
          "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
          "War", "Western")
AGE_CODES = (1, 18, 25, 35, 45, 50, 56)
AGE_USERS = (222, 1103, 2096, 1193, 550, 496, 380)
"""Users in each age group of ``AGE_CODES``."""
FEMALE_USERS = 1709
OCCUPATIONS = 21

FILE_LINES = {"ratings.dat": RATINGS, "movies.dat": MOVIES_LISTED, "users.dat": USERS}
"""Lines of each ``.dat`` file: one rating, movie or user a line."""
FILE_SIZES = {"ratings.dat": 24_594_131, "movies.dat": 171_308, "users.dat": 134_368}
"""Bytes of each ``.dat`` file as ml-1m.zip extracts it (its README has changed between repackagings)."""
