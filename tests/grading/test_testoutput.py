"""A test's output read once, for every reader: the feedback page, `check`, the common mistakes."""

from __future__ import annotations

from movielens_lab.grading import testoutput

OUTPUT = ("5. Baselines: 10/14 points, some checks failed\n"
          "  - ymean is indexed by id - 1\n"
          "  - ycnt counts the training ratings [IndexError: index 3953 is out of bounds]\n"
          "  - ymean is indexed by id - 1\n"
          "ValueError: setting an array element with a sequence\n"
          "test_baselines could not be graded: a pickle")


def test_each_line_is_the_summary_a_hint_or_another_line() -> None:
    read = testoutput.lines(OUTPUT + "\n\n")
    assert [(line.summary, line.hint) for line in read] == [
        (True, None), (False, "ymean is indexed by id - 1"), (False, "ycnt counts the training ratings"),
        (False, "ymean is indexed by id - 1"), (False, None), (False, None)]
    assert read[1].raw == "  - ymean is indexed by id - 1" and read[1].text == "- ymean is indexed by id - 1"


def test_the_hints_drop_what_was_raised_and_repeats() -> None:
    assert testoutput.hints(OUTPUT) == ["ymean is indexed by id - 1", "ycnt counts the training ratings"]
    assert testoutput.hints("this section: 0/2 points, some checks failed\nNameError: name 'square' is not defined") \
        == ["NameError: name 'square' is not defined"]  # without hints: the first line besides the summary


def test_a_student_reads_every_line_but_the_summary() -> None:
    assert testoutput.shown(OUTPUT) == [
        "ymean is indexed by id - 1", "ycnt counts the training ratings [IndexError: index 3953 is out of bounds]",
        "ymean is indexed by id - 1", "ValueError: setting an array element with a sequence",
        "test_baselines could not be graded: a pickle"]
    assert testoutput.shown("this section: 1/2 points, some checks failed\n  - a hint") == ["a hint"]


def test_check_shows_the_hints_and_errors_as_written_at_most_six() -> None:
    assert testoutput.what_failed(OUTPUT) == [
        "  - ymean is indexed by id - 1",
        "  - ycnt counts the training ratings [IndexError: index 3953 is out of bounds]",
        "  - ymean is indexed by id - 1", "ValueError: setting an array element with a sequence"]
    many = "\n".join(f"  - hint {k}" for k in range(9))
    assert testoutput.what_failed(many) == [f"  - hint {k}" for k in range(6)]
    assert testoutput.what_failed("printed\nthe last line") == ["the last line"] and testoutput.what_failed("") == []


def test_an_ungraded_test_says_so() -> None:
    assert testoutput.ungraded(testoutput.UNGRADED + "not a notebook") and not testoutput.ungraded(OUTPUT)
