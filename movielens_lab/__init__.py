"""movielens-lab: instructor-side tools for the MovieLens low-rank recommendation lab."""

__version__ = "0.1.0"
