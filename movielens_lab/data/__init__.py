"""The data, before any stage of the lab or the grader: MovieLens found (``locate``), fetched (``fetch``,
``download``, ``registry``) and read (``loaders``), its published figures (``movielens``), the synthetic
``twin`` made to match them, and the checks of a dataset's facts and lab numbers (``stats``).
"""
