"""What the judge may say: the instructor's literals, number-only f-strings, built-in errors; nothing else."""

from __future__ import annotations

from movielens_lab.grading.judge.vocabulary import Vocabulary, error_name, identifier

CODE = '''t.part(1, lambda: x == 1, "x should be 1 (see the prose)")
hint = "y is wrong" if y else "y is missing"
print(f"{n} ratings, MAE {mae:.3f}")
assert z, "z must hold"
'''


def test_the_instructors_literals_and_number_only_fstrings_are_kept() -> None:
    words = Vocabulary([CODE])
    assert words.allows("x should be 1 (see the prose)") and words.allows("y is missing")
    assert words.allows("1,000 ratings, MAE 0.712") and words.allows("nan ratings, MAE inf")
    assert not words.allows("<script> ratings, MAE 0.712") and not words.allows("anything a student printed")


def test_a_hint_keeps_its_error_only_in_words_of_its_own() -> None:
    words = Vocabulary([CODE])
    assert words.hint("x should be 1 (see the prose) [NameError: name 'x' is not defined]") == \
        "x should be 1 (see the prose) [NameError: name 'x' is not defined]"
    assert words.hint("x should be 1 (see the prose) [ValueError: invalid literal for int(): 'LEAK']") == \
        "x should be 1 (see the prose) [ValueError]"
    assert words.hint("x should be 1 (see the prose) [MyOwnError_LEAK: text]") == \
        "x should be 1 (see the prose) [Exception]"
    assert words.hint("a hint a student's code wrote") is None
    assert words.error("AssertionError", "z must hold") == "AssertionError: z must hold"
    assert words.error("AssertionError", "student text") == "AssertionError"


def test_printed_lines_are_kept_only_when_they_are_the_instructors() -> None:
    words = Vocabulary([CODE])
    assert words.lines("x should be 1 (see the prose)\nLEAKED\n  - y is wrong\n") == [
        "x should be 1 (see the prose)", "  - y is wrong"]


def test_names_and_error_types_as_they_may_be_shown() -> None:
    assert identifier("ymean") == "ymean" and len(identifier("x" * 500)) == 40
    assert identifier("a<b>") == "a_b_" and identifier("1abc").isidentifier()
    assert error_name("ZeroDivisionError") == "ZeroDivisionError" and error_name("Secret") == "Exception"
