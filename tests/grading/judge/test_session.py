"""The grader's end of a judge: the real judge process, sandboxed where this machine allows, and the batch memo."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from fixtures.judged import CORRECT, TEST, Kernel, spec
from movielens_lab.config import LabGrader
from movielens_lab.grading.judge.session import (
    NICENESS,
    UNCHECKED,
    JudgeHost,
    JudgeSession,
    MemoStore,
    WarmUp,
    judge_limits,
)
from movielens_lab.grading.sandbox.client import probe

LIMITS = judge_limits(LabGrader(notebook_timeout=120))


def session(tmp_path: Path, the_spec: dict, mode: str = "grade", memo: MemoStore | None = None,
            seconds: float = 120) -> JudgeSession:
    return JudgeSession(the_spec, tmp_path, LIMITS, probe() is None, mode, memo, test_seconds=seconds)


def judge_all(judge: JudgeSession, the_spec: dict, code: str) -> list:
    """Each test of ``the_spec`` judged on a kernel where ``code`` ran, its calls made there."""
    kernel = Kernel(the_spec, code)
    results = []
    for test in the_spec["tests"]:
        body, blobs = kernel.export(test)
        results.append(judge.judge(test["grade_id"], body, blobs, kernel.call))
    return results


def test_a_judge_process_judges_each_test_its_calls_made_in_the_kernel(tmp_path: Path) -> None:
    the_spec = spec()
    with session(tmp_path, the_spec) as judge:
        [judged] = judge_all(judge, the_spec, CORRECT)
        assert judge.finish() == {}
    r = judged.result
    assert (r.grade_id, r.score, r.max_score, r.error, r.title, judged.visible) == ("test_double", 4, 4, False,
                                                                                    "1. Double", 1)


def twice(the_spec: dict, test: str) -> dict:
    """``the_spec`` with a first test of code ``test``, then its own test again."""
    first = {**the_spec["tests"][0], "grade_id": "test_first", "title": "0. First", "visible": test, "hidden": "",
             "tail": "", "names": []}
    return {**the_spec, "tests": [first, *the_spec["tests"]]}


def test_a_judge_that_dies_costs_that_test_only(tmp_path: Path) -> None:
    the_spec = twice(spec(), "import os\nos._exit(3)")
    with session(tmp_path, the_spec) as judge:
        died, judged = judge_all(judge, the_spec, CORRECT)
    assert (died.result.score, died.result.output, died.result.error) == (0, UNCHECKED, True)
    assert judged.result.score == 4


def test_a_test_that_runs_too_long_costs_that_test_only(tmp_path: Path) -> None:
    the_spec = twice(spec(), "while True:\n    pass")
    with session(tmp_path, the_spec, seconds=20) as judge:
        stuck, judged = judge_all(judge, the_spec, CORRECT)
    assert (stuck.result.score, stuck.result.output) == (0, UNCHECKED) and judged.result.score == 4


def test_a_judge_ends_with_its_block_and_runs_at_the_lowest_cpu_priority(tmp_path: Path) -> None:
    """Beside the student's kernel, the judge's set-up must only take the CPU time the kernel leaves idle."""
    with session(tmp_path, spec()) as judge:
        deadline = time.monotonic() + 10
        while os.getpriority(os.PRIO_PROCESS, judge.proc.pid) != NICENESS and time.monotonic() < deadline:
            time.sleep(0.05)  # `nice` lowers its priority, then starts the sandbox
        assert os.getpriority(os.PRIO_PROCESS, judge.proc.pid) == NICENESS == 19
        proc = judge.proc
    assert proc.returncode is not None and not Path(judge.tmp.name).exists()


def test_a_memo_entry_being_computed_is_waited_for(tmp_path: Path) -> None:
    store = MemoStore(tmp_path / "memo")
    key = "a" * 64
    store.claim(key)
    threading.Timer(0.5, store.put, (key, {"t": "json", "v": 1.5}, {})).start()
    started = time.monotonic()
    assert MemoStore(tmp_path / "memo").get(key) == ({"t": "json", "v": 1.5}, {})
    assert time.monotonic() - started >= 0.4
    assert MemoStore(tmp_path / "memo").get("b" * 64, wait=0) == (None, {})


class CountingStore(MemoStore):
    """A memo store that counts the entries judges put (each is a reference computed)."""

    puts = 0

    def put(self, key: str, node: dict, blobs: dict[str, bytes]) -> None:
        CountingStore.puts += 1
        super().put(key, node, blobs)


def test_the_batch_warm_up_fills_the_memo_that_judges_then_read(tmp_path: Path) -> None:
    hidden = "def _ref():\n    return 42\n\n\ndef _warm_ref():\n    _remember(_ref)\n\n\n"
    test = TEST.replace("### END HIDDEN TESTS", hidden + "t.part(0, lambda: _remember(_ref) == 42, 'ref')\n"
                                                         "### END HIDDEN TESTS")
    the_spec = spec(test=test)
    store = CountingStore(tmp_path / "memo")
    assert not WarmUp.done(store, "key")
    warm = WarmUp(the_spec, tmp_path, LIMITS, probe() is None, store, "key")
    warm.thread.join(timeout=120)
    warm.close()
    assert len(list((tmp_path / "memo").glob("*.json"))) == 1 and CountingStore.puts == 1
    assert WarmUp.done(store, "key") and not WarmUp.done(store, "other")  # the next batch skips it
    with session(tmp_path, the_spec, memo=store) as judge:
        [judged] = judge_all(judge, the_spec, CORRECT)
    assert judged.result.score == 4 and CountingStore.puts == 1  # found, not computed again
    [entry] = (tmp_path / "memo").glob("*.json")
    entry.unlink()
    assert not WarmUp.done(store, "key")  # a reference gone: the next batch warms up again


def test_a_given_cells_kept_call_is_answered_before_the_first_test_and_computed_once(tmp_path: Path) -> None:
    """A given cell's call of a ``kept`` function asks the memo while the judge sets up, after the first test was
    sent: the first judge computes it (the test waits), the next finds it; the tests call the function."""
    given = "import time\n\n\ndef train(x):\n    return x * 2\n"
    the_spec = {**spec(given=(given, "time.sleep(2)\ntrained = train(21)\n_train = train\n")), "kept": ["train"]}
    the_spec["tests"][0]["hidden"] += "\nt.part(0, lambda: trained == 42 and _train(1) == 2, 'trained')"
    [test] = the_spec["tests"]
    store = CountingStore(tmp_path / "memo")
    CountingStore.puts = 0
    for _ in range(2):
        kernel = Kernel(the_spec, CORRECT)
        body, blobs = kernel.export(test)
        with session(tmp_path, the_spec, memo=store) as judge:
            judged = judge.judge(test["grade_id"], body, blobs, kernel.call)  # sent while the judge sleeps
        assert (judged.result.score, CountingStore.puts) == (4, 1) and "trained" not in judged.result.output


def test_a_warm_up_that_failed_is_not_marked_done(tmp_path: Path) -> None:
    hidden = "def _warm_broken():\n    raise ValueError\n\n\n"
    the_spec = spec(test=TEST.replace("### END HIDDEN TESTS", hidden + "### END HIDDEN TESTS"))
    store = MemoStore(tmp_path / "memo")
    warm = WarmUp(the_spec, tmp_path, LIMITS, probe() is None, store, "key")
    warm.thread.join(timeout=120)
    warm.close()
    assert not warm.thread.is_alive() and not WarmUp.done(store, "key")


JUDGE_ONE = """
import sys
sys.path.insert(0, {tests!r})
from pathlib import Path
from fixtures.judged import CORRECT, Kernel, spec
from movielens_lab.config import LabGrader
from movielens_lab.grading.judge.session import JudgeSession, judge_limits
from movielens_lab.grading.sandbox.client import probe
the_spec = spec()
kernel, [test], sandboxed = Kernel(the_spec, CORRECT), the_spec["tests"], probe() is None
with JudgeSession(the_spec, Path({data!r}), judge_limits(LabGrader(notebook_timeout=120)), sandboxed,
                  "grade") as judge:
    body, blobs = kernel.export(test)
    print(sandboxed, judge.judge(test["grade_id"], body, blobs, kernel.call).result.score)
"""


def test_a_grader_started_as_dotdot_venv_python_still_judges(tmp_path: Path) -> None:
    """``../.venv/bin/python -m movielens_lab grade`` from a course folder: the judge's sandbox, which sees only some
    folders (not this one), runs Python by its path without ``..``."""
    tests = Path(__file__).resolve().parents[2]
    python = os.path.relpath(sys.executable, tests)  # e.g. ../.venv/bin/python
    assert python.startswith("..")
    code = JUDGE_ONE.format(tests=str(tests), data=str(tmp_path))
    done = subprocess.run([python, "-c", code], cwd=tests, capture_output=True, text=True, timeout=300)
    assert done.stdout.split() == [str(probe() is None), "4.0"], done.stderr[-2000:]  # sandboxed as here


MUTATES = CORRECT.replace("def double(x):\n    return 2 * x",
                          "def double(x):\n    if isinstance(x, list):\n        x.append(9)\n    return 2 * x")


def forked_spec() -> dict:
    """A first given cell that seeds Python's random numbers; a first test that reads a given list and the judge's
    folder, then has the student's ``double`` called on the list (which may change it in place: the judge's list
    then changes too) and leaves a file there. Measured: the judge's process, its parent's, a secret choice and a
    random number."""
    the_spec = spec(given=("numbers = [1, 2]\n",))
    given = ["import os\nimport random\n\nrandom.seed(7)\n" + the_spec["given"][0], *the_spec["given"][1:]]
    first = {**the_spec["tests"][0], "grade_id": "test_first", "title": "0. First", "names": ["double"],
             "visible": "t = LabCheck('0. First')\n"
                        "t.part(1, lambda: numbers == [1, 2] and not os.path.exists('left'), 'as given')",
             "hidden": "double(numbers)\nopen('left', 'w').close()", "tail": "t.score()"}
    measured = {"pid": "os.getpid()", "parent": "os.getppid()", "pick": "_pick(list(range(1000)))",
                "random": "random.random()"}
    return {**the_spec, "given": given, "tests": [first, *the_spec["tests"]],
            "leaderboard": [{"name": k, "test": "test_first", "value": v} for k, v in measured.items()]}


def test_a_judge_host_forks_each_submission_a_judge_as_fresh_as_its_own_process(tmp_path: Path) -> None:
    """Re-judging a class, one host forks every judge: a student's function that changed a given value in place, or
    a check's file, changed it for its own judge only; each judge's verdicts, secret choices and random numbers are
    a judge process's own."""
    the_spec = forked_spec()
    host = JudgeHost(the_spec, tmp_path, LIMITS, probe() is None)
    hosted, plain, processes = [], [], set()
    try:
        for code in (MUTATES, CORRECT, MUTATES):
            salted = {**the_spec, "salt": f"salt of {len(hosted)}"}
            for judges, kind in ((hosted, host), (plain, None)):
                with JudgeSession(salted, tmp_path, LIMITS, probe() is None, "grade", host=kind) as judge:
                    results = [(j.result, j.visible) for j in judge_all(judge, salted, code)]
                    measured = judge.finish()
                judges.append((results, (measured.pop("pick"), measured.pop("random")), measured))
            processes.add(host.proc)
    finally:
        host.close()
    assert [results for results, _, _ in hosted] == [results for results, _, _ in plain]
    assert [first.score for (first, _), _ in (results for results, _, _ in hosted)] == [1, 1, 1]  # as given
    assert [drawn for _, drawn, _ in hosted] == [drawn for _, drawn, _ in plain]
    assert len({pick for _, (pick, _), _ in hosted}) > 1  # a secret choice per submission
    pids = [measured for _, _, measured in hosted]
    assert len({m["pid"] for m in pids}) == 3 and len({m["parent"] for m in pids}) == 1  # three judges of one host
    assert len(processes) == 1 and not host.failed


def test_a_judge_host_whose_judge_fails_is_not_used_again(tmp_path: Path) -> None:
    """A judge that a host forked and that fails (here: it waits for a thread of the host's first given cell, which
    a forked process does not have) ends its host; the session's next judge is a process of its own, which has it."""
    thread = ("import threading\n_asked, _done = threading.Event(), []\n"
              "threading.Thread(target=lambda: (_asked.wait(), _done.append(1)), daemon=True).start()\n")
    the_spec = spec()
    the_spec = {**the_spec, "given": [the_spec["given"][0] + thread, *the_spec["given"][1:]]}
    the_spec = twice(the_spec, "_asked.set()\nwhile not _done:\n    pass")
    host = JudgeHost(the_spec, tmp_path, LIMITS, probe() is None)
    try:
        with JudgeSession(the_spec, tmp_path, LIMITS, probe() is None, "grade", test_seconds=10, host=host) as judge:
            stuck, judged = judge_all(judge, the_spec, CORRECT)
            assert judge.host is None and judge.failures == 1
            with JudgeSession(the_spec, tmp_path, LIMITS, probe() is None, "grade", test_seconds=10) as own:
                waited, _ = judge_all(own, the_spec, CORRECT)
    finally:
        host.close()
    assert (stuck.result.score, stuck.result.output) == (0, UNCHECKED) and host.failed and host.proc is None
    assert judged.result.score == 4 and waited.result.score == 4  # the thread is there: the test is not stuck


def test_a_judge_host_whose_first_given_cell_fails_forks_no_judge(tmp_path: Path) -> None:
    """That cell half ran in the host: a judge forked from it would not be a fresh one. The host ends; the session's
    judge, and the next ones, are processes of their own."""
    the_spec = spec()
    fails = "import os\n\nif os.path.exists('judge.py'):  # a judge's folder\n    raise ValueError('no data')\n"
    the_spec = {**the_spec, "given": [fails + the_spec["given"][0]]}
    host = JudgeHost(the_spec, tmp_path, LIMITS, probe() is None)
    try:
        with JudgeSession(the_spec, tmp_path, LIMITS, probe() is None, "grade", host=host) as judge:
            first, again = judge_all(judge, the_spec, CORRECT) + judge_all(judge, the_spec, CORRECT)
            assert judge.host is None and judge.failures == 1 and host.failed
    finally:
        host.close()
    assert first.result.output == UNCHECKED
    assert "the grader's own set-up failed: ValueError: no data" in again.result.output
