"""The judge on its own: each test run on the values a kernel sent for it, its calls made in that kernel.

The kernel here is in-process (``fixtures/judged.py``: the real exporter in a namespace); the judge's
real process is in test_session.py, the real kernel in test_sealed.py.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import keras
import nbformat
import numpy as np
import pytest

from fixtures.judged import CORRECT, TEST, Kernel, Linked, judged, spec
from movielens_lab import model, paths
from movielens_lab.config import lab_settings
from movielens_lab.data.loaders import load_ratings
from movielens_lab.grading.judge.judge import STOPPED, UNREADABLE, Judge, memo_key
from movielens_lab.grading.judge.plaindata import REASONS
from movielens_lab.grading.judge.spec import course_spec, judge_spec, without_solution_markers


def test_a_correct_answer_gets_every_point_and_its_visible_part_alone_what_check_gives() -> None:
    result, repairs, _ = judged(CORRECT)
    assert (result["score"], result["max_score"], result["error"], result["visible"]) == (4, 4, False, 1)
    assert repairs == {}
    check, _, _ = judged(CORRECT, hidden=False)
    assert (check["score"], check["max_score"], check["error"]) == (1, 1, False)


def test_what_the_student_did_to_the_kernel_changes_nothing() -> None:
    cheat = "LabCheck.score = lambda self: 4\nLabCheck.part = lambda self, *a: True\n" + CORRECT.replace("2 * x", "x")
    result, _, _ = judged(cheat)
    assert result["score"] == 2 and "double(2) should be 4" in result["output"]


@pytest.mark.parametrize("double", [
    "double = lambda x: 2 * x",
    "import functools, operator\ndouble = functools.partial(operator.mul, 2)",
    "class Doubler:\n    def __call__(self, x):\n        return 2 * x\n\n\ndouble = Doubler()",
    "class Twice:\n    def of(self, x):\n        return x * 2\n\n\ndouble = Twice().of",
    "import numpy as np\ndouble = np.vectorize(lambda x: 2 * x)",
])
def test_every_kind_of_callable_is_called_in_the_kernel(double: str) -> None:
    code = CORRECT.replace("def double(x):\n    return 2 * x\n", "") + "\n" + double
    result, _, _ = judged(code)
    assert result["score"] == 4, result["output"]


@pytest.mark.parametrize("answer", ["answer = np.int64(42)", "answer = pd.Series([42]).iloc[0]",
                                    "import tensorflow as tf\nanswer = tf.constant(42)"])
def test_array_likes_arrive_as_arrays(answer: str) -> None:
    result, _, _ = judged("import numpy as np\n" + CORRECT.replace("answer = 42", answer))
    assert result["score"] == 4, result["output"]


def test_a_function_that_changes_its_argument_is_caught() -> None:
    result, _, _ = judged(CORRECT.replace('return table.assign(x=table["x"] / 2)',
                                          'table["x"] = table["x"] / 2\n    return table'))
    assert result["score"] == 3 and "leaving its argument alone" in result["output"]


def test_errors_come_back_as_their_builtin_type_and_never_with_the_students_words() -> None:
    result, _, _ = judged(CORRECT.replace("return 2 * x", "raise ZeroDivisionError('LEAKED words')"))
    assert result["score"] == 2 and "double(2) should be 4 [ZeroDivisionError: your code raised this error]" in \
        result["output"]
    own = "class Secret_HIDDEN_words(Exception):\n    pass\n\n\n" + CORRECT.replace(
        "return 2 * x", "raise Secret_HIDDEN_words('LEAKED')")
    result, _, _ = judged(own)
    assert "[Exception: your code raised this error]" in result["output"]
    assert "LEAKED" not in result["output"] and "HIDDEN" not in result["output"]
    result, _, _ = judged(own.replace("(Exception)", "(LookupError)"))  # named by its nearest built-in class
    assert "[LookupError: your code raised this error]" in result["output"] and "HIDDEN" not in result["output"]


def test_values_that_are_not_data_get_a_fixed_reason() -> None:
    code = CORRECT.replace("answer = 42", "class Mine_LEAKED:\n    pass\n\n\nanswer = Mine_LEAKED()")
    result, _, _ = judged(code)
    assert result["score"] == 3 and f"answer could not be graded: {REASONS['kind']}" in result["output"]
    assert "LEAKED" not in result["output"]
    result, _, _ = judged(CORRECT.replace("answer = 42", "answer = [[[[[[[[[[[[[[1]]]]]]]]]]]]]]"))
    assert f"answer could not be graded: {REASONS['deep']}" in result["output"] and result["score"] == 3


def test_nothing_sent_means_the_notebook_stopped_before() -> None:
    the_spec = spec()
    result, _, _ = Judge(the_spec, Linked(Kernel(the_spec, "")), True).test(the_spec["tests"][0], None)
    assert result["score"] == 0 and STOPPED in result["output"]


@pytest.mark.parametrize("body", ["", "{", "[1, 2]", "[" * 100_000 + "]" * 100_000,
                                  json.dumps({"values": {"double": {"t": "array", "b": "0" * 64}}})])
def test_a_malformed_export_costs_this_test_only_and_says_so(body: str) -> None:
    the_spec = spec()
    judge = Judge(the_spec, Linked(Kernel(the_spec, CORRECT)), True)
    result, _, _ = judge.test(the_spec["tests"][0], body)
    assert result["score"] < 4 and (UNREADABLE in result["output"] or REASONS["missing"] in result["output"])


def test_only_the_names_a_test_reads_are_taken_never_a_builtin_or_a_given_name() -> None:
    """An export may name anything: the judge takes the test's own names only."""
    the_spec = spec()
    kernel = Kernel(the_spec, CORRECT.replace("answer = 42", "answer = 41"))
    kernel.exporter.export("test_double", ["double", "halve", "answer", "abs", "LabCheck", "pd", "t", "bool"],
                           {**kernel.ns, "abs": lambda x: 0, "bool": lambda x: True, "LabCheck": 1, "pd": 2, "t": 3})
    body, blobs = kernel._message()
    channel = Linked(kernel)
    channel.blobs.update(blobs)
    result, _, _ = Judge(the_spec, channel, True).test(the_spec["tests"][0], body)
    assert result["score"] == 3 and "answer is 42" in result["output"]


def test_a_lost_section_repairs_its_own_names_as_data_and_functions_as_the_solutions() -> None:
    wrong = CORRECT.replace("answer = 42", "answer = 7").replace("return 2 * x", "return x")
    result, repairs, kernel = judged(wrong)
    assert result["score"] == 1
    assert set(repairs["values"]) == {"answer"} and kernel.ns["answer"] == 42
    [function] = repairs["functions"]
    assert "return 2 * x" in function and "x + x" not in function  # the solution's, never the hidden code's
    assert kernel.ns["double"](21) == 42


def test_hidden_code_names_outside_the_sections_todo_are_never_repaired() -> None:
    test = TEST.replace("    answer = 42\n", "    answer = 42\n    unrelated = 1\n    _private = 2\n")
    the_spec = spec(test=test)
    assert the_spec["tests"][0]["repairs"] == ["answer", "double"]
    _, repairs, kernel = judged(CORRECT.replace("answer = 42", "answer = 7"), the_spec=the_spec)
    assert set(repairs["values"]) == {"answer"} and "unrelated" not in kernel.ns


def test_a_reference_is_computed_once_per_batch() -> None:
    """The hidden code's _remember: a second judge (another student) finds the first judge's value."""
    calls = []
    given = ("def _reference(x):\n    _calls.append(x)\n    return x * 10\n",)
    test = TEST.replace("### END HIDDEN TESTS", "t.part(0, lambda: _remember(_reference, 4) == 40, 'ref')\n"
                                                "### END HIDDEN TESTS")
    the_spec = spec(test=test, given=given)
    the_spec["given"].append("_calls = []")
    memo: dict = {}
    for _ in range(2):
        kernel = Kernel(the_spec, CORRECT)
        judge = Judge(the_spec, Linked(kernel, memo), True)
        judge.base["_calls"] = calls
        body, blobs = kernel.export(the_spec["tests"][0])
        judge.channel.blobs.update(blobs)
        assert judge.test(the_spec["tests"][0], body)[0]["score"] == 4
    assert calls == [4] and len(memo) == 1


def test_warm_up_functions_fill_the_memo_and_a_failing_one_is_ignored() -> None:
    hidden = ("def _warm_broken():\n    raise ValueError\n\n\ndef _ref():\n    return 'ahead'\n\n\n"
              "def _warm_reference():\n    _remember(_ref)\n")
    the_spec = spec(test=TEST.replace("### END HIDDEN TESTS", hidden + "### END HIDDEN TESTS"))
    memo: dict = {}
    assert Judge(the_spec, Linked(Kernel(the_spec, ""), memo), True).warm_up() is False  # not all of them
    assert len(memo) == 1


def test_the_labs_references_are_warmed_up_from_the_raw_data_for_the_labs_own_split(
        small_twin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bonus check's fits, warmed up from ratings.dat, are the ones a correct split and build_model ask for."""
    monkeypatch.setenv(paths.DATA_ENV, str(small_twin.parent))
    settings = lab_settings(assignment=paths.LAB)
    the_spec = judge_spec(nbformat.read(paths.SOLUTION_NOTEBOOK, as_version=4), settings.points, settings.bonus)
    memo: dict = {}
    warm = Judge(the_spec, Linked(Kernel({"given": []}, ""), memo), True)
    assert warm.warm_up() is True
    assert warm.given_error is None and len(memo) == 1 + 9  # section 7's fit, the sweep's nine
    [bonus] = [t for t in the_spec["tests"] if t["grade_id"] == "test_bonus_sweep"]
    student = Judge(the_spec, Linked(Kernel({"given": []}, ""), memo), True)
    ns, _ = student.namespace(bonus, None)
    exec(compile(ast.Module([node for node in ast.parse(bonus["hidden"]).body if isinstance(
        node, (ast.FunctionDef, ast.Assign))][:-1], []), "<hidden>", "exec"), ns)
    ratings = load_ratings(small_twin)
    user, movie = ratings["UserID"].to_numpy(), ratings["MovieID"].to_numpy()
    s = model.split(user, movie, ratings["Rating"].to_numpy().astype(float))
    nusers, nmovies = int(user.max()), int(movie.max())
    init = ns["_initial"](ns["_solution"]("build_model"), nusers, nmovies, 3)
    found = ns["_remember"](ns["_final_losses"], [s.usertr, s.movietr], s.ytr, [s.userts, s.moviets], s.yts, nusers,
                            nmovies, 3, init)
    assert 0.5 < found[0] < 2.0 and len(memo) == 10  # found, not fitted again


def test_lines_the_student_could_have_written_are_never_said() -> None:
    """Printed text and hints are kept only when they are the instructor's literals."""
    test = TEST.replace("t.score()", "print('double(2) should be 4')\nprint(str(answer))\nt.score()")
    the_spec = spec(test=test)
    result, _, _ = judged(CORRECT.replace("answer = 42", "answer = 'LEAKED <script>'"), the_spec=the_spec)
    assert "LEAKED" not in result["output"] and "answer is 42" in result["output"]


def test_a_partial_and_a_keyword_call_are_answered() -> None:
    code = CORRECT + ("\nimport functools\n"
                      "halve = functools.partial(lambda table, by: table.assign(x=table['x'] / by), by=2)")
    result, _, _ = judged(code)
    assert result["score"] == 4, result["output"]


def test_a_seeded_call_runs_in_the_kernel_right_after_keras_is_seeded() -> None:
    """How the judge rebuilds a student's model with the initial weights their notebook gave it."""
    test = TEST.replace("### END HIDDEN TESTS", "t.part(0, lambda: _seeded(draw, 3)() == _seeded(draw, 3)() == "
                                                "_np_random(3), 'seeded'); _np_random = None\n### END HIDDEN TESTS")
    the_spec = spec(test=test, given=("import numpy as np\n\n\ndef _np_random(seed):\n"
                                      "    return float(np.random.RandomState(seed).rand())\n",))
    result, _, _ = judged(CORRECT + "\nimport numpy as np\n\n\ndef draw():\n    return float(np.random.rand())\n",
                          the_spec=the_spec)
    assert result["score"] == 4 and "seeded" not in result["output"]


def test_a_references_memo_key_follows_the_helpers_and_constants_it_reads() -> None:
    """A reference memoized across gradings: changing a helper it calls, or a constant it reads, is another key."""
    def define(code: str) -> dict:
        ns: dict = {}
        exec(code, ns)
        return ns

    base = "SIZE = 4\ndef _layers(x):\n    return x * SIZE\ndef _fit(x):\n    return [_layers(v) for v in x]\n"
    keys = {memo_key(define(code)["_fit"], ([1.0, 2.0],)) for code in (
        base, base.replace("SIZE = 4", "SIZE = 8"), base.replace("x * SIZE", "x + SIZE"))}
    assert len(keys) == 3
    assert memo_key(define(base)["_fit"], ([1.0, 2.0],)) in keys  # and the same code gives the same key


def test_a_kept_call_is_kept_only_when_the_memo_can_read_its_arguments() -> None:
    given = ("def train(x, fn=None):\n    return x * 2\n", "trained = train(21, fn=len)\nagain = train(x=21)\n")
    the_spec = {**spec(given=given), "kept": ["train"]}
    memo: dict = {}
    judge = Judge(the_spec, Linked(Kernel(the_spec, CORRECT), memo), True)
    assert judge.given_error is None and judge.base["trained"] == judge.base["again"] == 42
    assert [node for node, _ in memo.values()] == [{"t": "json", "v": 42}]  # a function as argument: just called


@pytest.mark.slow
def test_part_2s_given_training_kept_gives_a_judge_what_training_does(
        medium_twin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Part 2's given cells train part 1's model (``kept_given_calls``): the first judge trains it and keeps it; the
    next one trains nothing in its given cells, and has the same given values and gives the solution the same
    verdicts."""
    monkeypatch.setenv(paths.DATA_ENV, str(medium_twin.parent))
    source = nbformat.read(paths.solution_notebook(paths.LAB_2), as_version=4)
    the_spec = course_spec(source, lab_settings(assignment=paths.LAB_2))
    assert the_spec["kept"] == ["train"]
    answers = "\n".join(without_solution_markers(c.source) for c in source.cells
                        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution"))
    memo: dict = {}
    channel = Linked(Kernel(the_spec, "from IPython.display import display\n" + answers), memo)  # one kernel's pipe
    trained = Judge(the_spec, channel, True)
    assert trained.given_error is None and len(memo) == 1
    fits = []
    real_fit = keras.Model.fit
    monkeypatch.setattr(keras.Model, "fit", lambda *a, **k: fits.append(1) or real_fit(*a, **k))
    kept = Judge(the_spec, channel, True)
    assert kept.given_error is None and fits == [] and len(memo) == 1
    for name in ("yhat_mod", "P", "b", "Q", "c"):
        np.testing.assert_array_equal(kept.base[name], trained.base[name])
    for w_kept, w_trained in zip(kept.base["mod"].get_weights(), trained.base["mod"].get_weights(), strict=True):
        np.testing.assert_array_equal(w_kept, w_trained)
    for test in the_spec["tests"]:
        body, blobs = channel.kernel.export(test)
        channel.blobs.update(blobs)
        verdicts = [judge.test(test, body)[0] for judge in (trained, kept)]
        assert verdicts[0] == verdicts[1], test["grade_id"]
        assert verdicts[0]["score"] == verdicts[0]["max_score"], verdicts[0]["output"]
