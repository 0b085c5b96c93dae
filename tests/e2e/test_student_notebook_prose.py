"""What the student notebooks' prose says of numbers (issue 24): each measured value names the data it was measured on,
twin values are called twin values, and no sentence promises a lesson as a fact of every data set."""

from __future__ import annotations

import re

import nbformat
import pytest

from movielens_lab.paths import LAB, LAB_2, student_notebook

NUMBER = re.compile(r"(?<![\w.,])(\d+\.\d+|\d{1,3}(?:,\d{3})+|\d{4,}|\d+%)(?![\w%])")
"""A number that may be a measurement: a decimal, a percentage, or a count of a thousand or more."""

SOURCE = re.compile(r"MovieLens 1M|MovieLens 100K|\btwin\b|Surprise")
"""The data a value was measured on: MovieLens 1M (published or the course's own run), real MovieLens 100K, the
offline twin, or the Surprise library's published MovieLens 1M benchmark."""

SETTINGS = {
    "75%": "the split the notebooks ask for",
    "4.8": "the mean above which part 1 lists top_movies",
    "1000": "part 1's batch size", "1,000": "part 1's batch size",
    "10,000": "part 2's batch size",
    "0.01": "part 1's learning rate", "0.03": "part 2's learning rate",
    "5.3": "an example of a prediction above 5 stars (part 1, section 9)",
}
"""Numbers of the prose that are no measurement: the notebooks' own settings and examples."""

TWIN_ONLY = {"0.66", "0.72", "0.694", "0.702", "0.97", "0.69", "0.88", "0.87", "0.74", "0.684", "0.687", "0.682",
             "0.045", "0.16", "0.007", "0.013", "0.07", "0.003", "4.6", "0.038", "0.015", "0.004"}
"""Values the prose quotes from the offline twin that are no MovieLens value: each must be called a twin value."""

PROMISES = {
    r"both should fall": "a learning curve need not fall (part 1, section 8)",
    r"two falling curves": "a learning curve need not fall (part 1, section 8)",
    r"watch over-fitting disappear": "the L2 lesson shows weakly on some data (part 2)",
    r"the shapes are the same": "over-fitting and L2's flat curve show weakly on some data (part 2, section 2)",
    r"keeps the curve nearly flat\.": "l2 = 1e-5 was measured on the twin (part 2, section 2)",
    r"^The penalty turns the embedding dimension": "only where the penalty flattens the curve (part 2, section 2)",
    r"In part 1's sweep the test loss was lowest": "a student's sweep may show another minimum (part 2, section 2)",
    r"differ a little": "real data may differ by more than a little (part 2)",
    r"does clearly better than random": "measured on MovieLens 100K only (part 2, section 4)",
    r"comparison is closer": "not measured on real data (part 2, section 6)",
    r"\*means\* belonged to movies rated": "a fact of MovieLens 1M, not of every data set (part 2, section 5)",
    r"^Look at _: the movies with the very best": "a fact of MovieLens 1M, not of every data set (part 1, section 5)",
}
"""Sentences that stated a lesson as a fact of every data set, fixed in issue 24, and why each may not come back."""


def _markdown(assignment: str) -> str:
    nb = nbformat.read(student_notebook(assignment), as_version=4)
    return "\n\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")


def _sentences(markdown: str) -> list[str]:
    """The sentences of ``markdown`` (list items and table rows count as sentences), on one line each, without
    their formulas and code: a number in code is a setting the student types."""
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$|`[^`\n]*`", "_", markdown, flags=re.S)
    parts = re.split(r"(?<=[.!?)])\s+(?=[A-Z(*])|\n\s*\n|\n(?=\s*(?:- |\d+\. |\|))", text)
    return [" ".join(part.split()) for part in parts if part.strip()]


def unsourced(markdown: str) -> list[str]:
    """The sentences that give a measured number without the data it was measured on."""
    return [s for s in _sentences(markdown)
            if set(NUMBER.findall(s)) - set(SETTINGS) and not SOURCE.search(s) and not s.startswith("|")]


def twin_unlabelled(markdown: str) -> list[str]:
    """The sentences that give a twin value without calling it a twin value."""
    return [s for s in _sentences(markdown) if set(NUMBER.findall(s)) & TWIN_ONLY and "twin value" not in s]


def promises(markdown: str) -> list[str]:
    """The sentences that promise a lesson as a fact of every data set."""
    return [s for s in _sentences(markdown) if any(re.search(pattern, s) for pattern in PROMISES)]


@pytest.mark.parametrize("assignment", [LAB, LAB_2])
def test_every_measured_number_names_its_data(assignment: str) -> None:
    assert not unsourced(_markdown(assignment))


@pytest.mark.parametrize("assignment", [LAB, LAB_2])
def test_twin_values_are_called_twin_values(assignment: str) -> None:
    assert not twin_unlabelled(_markdown(assignment))


@pytest.mark.parametrize("assignment", [LAB, LAB_2])
def test_no_lesson_is_promised_as_a_fact_of_every_data_set(assignment: str) -> None:
    assert not promises(_markdown(assignment))


def test_the_checks_find_what_issue_24_fixed() -> None:
    """Each check fails on a sentence of the prose before issue 24."""
    before = ("A loop over the 6,000 users is fine (a few seconds per row). The biases-only model (`emb_dim` 0) is "
              "about 0.72. On\nreal data the numbers differ a little, and the best `l2` too; the shapes are the same.\n"
              "\n- Compile with `Adam(learning_rate=0.01)`, 8 epochs. On the twin it gives 0.694 (twin values). "
              "On the twin it gives 0.97.")
    assert unsourced(before) == ["A loop over the 6,000 users is fine (a few seconds per row).",
                                 "The biases-only model (_ 0) is about 0.72."]
    assert twin_unlabelled(before) == ["The biases-only model (_ 0) is about 0.72.", "On the twin it gives 0.97."]
    assert promises(before) == ["On real data the numbers differ a little, and the best _ too; the shapes are the "
                                "same."]
