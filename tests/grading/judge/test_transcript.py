"""What a run gave its judge, kept and handed to a judge of new tests: the same verdict a fresh run gives, or why
not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixtures.judged import CORRECT, TEST, Kernel, spec
from movielens_lab.config import LabGrader
from movielens_lab.grading.judge import plaindata
from movielens_lab.grading.judge.session import JudgeSession, judge_limits
from movielens_lab.grading.judge.transcript import NeedsRun, Transcript, rejudge
from movielens_lab.grading.sandbox.client import probe

LIMITS = judge_limits(LabGrader(notebook_timeout=120))


def session(tmp_path: Path, the_spec: dict) -> JudgeSession:
    return JudgeSession(the_spec, tmp_path, LIMITS, probe() is None, "grade")


def run(the_spec: dict, code: str, tmp_path: Path) -> tuple[list, Transcript]:
    """Judge ``code``'s kernel test by test as ``sealed`` does, keeping the transcript: the results and it."""
    kernel, transcript, results = Kernel(the_spec, code), Transcript(), []
    with session(tmp_path, the_spec) as judge:
        for test in the_spec["tests"]:
            body, blobs = kernel.export(test)
            transcript.exported(test["grade_id"], test["names"], body, blobs)

            def call(request: dict, blobs: dict, grade_id: str = test["grade_id"]) -> tuple:
                answer, answer_blobs = kernel.call(request, blobs)
                transcript.called(grade_id, request, blobs, answer, answer_blobs)
                return answer, answer_blobs

            judged = judge.judge(test["grade_id"], body, blobs, call)
            if judged.repairs:
                transcript.repaired(test["grade_id"], judged.repairs, judged.blobs)
                kernel.repair(judged.repairs, judged.blobs)
            results.append(judged.result)
    return results, transcript


def again(transcript: Transcript, the_spec: dict, tmp_path: Path) -> list:
    with session(tmp_path, the_spec) as judge:
        return [judged.result for judged in rejudge(transcript, the_spec, judge)]


@pytest.mark.parametrize("change", [
    lambda s: s.replace('"double(-1) should be -2"', '"double(-1) must be -2: negative numbers too"'),  # a hint
    lambda s: s.replace("t.part(1, lambda: answer == 42", "t.part(3, lambda: answer == 42"),  # a hidden part's points
    lambda s: s.replace("list(_table[\"x\"]) == [1.0, 2.0]", "_table[\"x\"].sum() == 3.0"),  # a check, the same calls
])
def test_a_changed_test_judged_from_the_transcript_is_judged_as_a_fresh_run(change, tmp_path: Path) -> None:
    wrong = CORRECT.replace("answer = 42", "answer = 41")
    _, kept = run(spec(), wrong, tmp_path / "first")
    kept.write(tmp_path / "kept", tmp_path / "blobs")
    changed = spec(test=change(TEST))
    fresh, _ = run(changed, wrong, tmp_path / "fresh")
    assert again(Transcript.read(tmp_path / "kept", tmp_path / "blobs"), changed, tmp_path / "again") == fresh


@pytest.mark.parametrize("change, why", [
    (lambda s: s.replace("t.score()", "t.part(1, lambda: extra == 1, 'extra')\nt.score()"), "reads extra"),
    (lambda s: s.replace("t.score()", "t.part(1, lambda: double(5) == 10, 'more')\nt.score()"), "calls double anew"),
    (lambda s: s.replace("    answer = 42\n", "    answer = 43\n"), "corrects its section's answers otherwise"),
    # the run's call ran in the kernel (and may have changed it, reseeded it): a run without it may differ
    (lambda s: s.replace('list(halve(_table)["x"]) == [0.5, 1.0] and ', "callable(halve) and "),
     "no longer makes a call the run made"),
    (lambda s: s.replace('t.part(1, lambda: answer == 42, "answer is 42")\n', ""), "no longer reads answer"),
])
def test_what_the_run_never_gave_needs_a_run(change, why: str, tmp_path: Path) -> None:
    _, kept = run(spec(), CORRECT.replace("answer = 42", "answer = 41") + "\nextra = 1\n", tmp_path / "first")
    with pytest.raises(NeedsRun, match=why):
        again(kept, spec(test=change(TEST)), tmp_path / "again")


def test_only_the_blobs_a_step_handed_over_are_read_back(tmp_path: Path) -> None:
    """A text of the kernel's may name any blob; the judge got only those its step handed over, and so does a
    judge of the kept run (another student's blob in the store changes nothing)."""
    _, kept = run(spec(), CORRECT, tmp_path / "first")
    kept.write(tmp_path / "kept", tmp_path / "blobs")
    other = b"another student's array"
    name = plaindata.digest(other)
    (tmp_path / "blobs" / name).write_bytes(other)
    data = json.loads((tmp_path / "kept" / "transcript.json").read_text())
    for entry in data["tests"].values():
        stolen = f'"values": {{"stolen": {{"t": "array", "b": "{name}"}}, '
        entry["body"] = entry["body"].replace('"values": {', stolen, 1)
    (tmp_path / "kept" / "transcript.json").write_text(json.dumps(data))
    assert name in (tmp_path / "kept" / "transcript.json").read_text()
    assert name not in Transcript.read(tmp_path / "kept", tmp_path / "blobs").blobs
