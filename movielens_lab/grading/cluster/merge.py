"""``merge``: the class's files of a folder graded in shards, once every student has a grade.

It reads the manifest of the shard that started last, or the plan (``plan``) when it is newer
(its class, N and course key), checks every shard of that run and every student's record, then
writes what a single ``grade`` writes: grades.csv (the same file, row for row), each student's
results.json, run.json and the report. Who has no grade is named with their shard, and nothing
is written: every student of the class, from the plan, even when no shard ever started.
"""

from __future__ import annotations

import sys
from contextlib import suppress
from dataclasses import replace
from pathlib import Path

from ... import paths
from ...config import lab_settings
from ...errors import LabError
from ..grade import complete, publish
from ..lms.canvas import read_roster
from ..outcomes import Outcome
from ..outputs.cache import cached
from ..outputs.folder import GradingFolder
from ..outputs.grades import write_grades
from ..outputs.runfacts import RunFacts, finished_now
from ..outputs.students import write_student_files
from .shards import Manifest, Shard, assign, latest, moment, path


def merge(out: Path, *, roster: Path | None = None, config: Path = paths.GRADER_CONFIG) -> int:
    """Write grades.csv, results.json, run.json and the report of ``out`` from its shards' records.

    The assignment is the one the shards graded (their manifests say). Returns 1, naming the
    students without a grade and their shards, while any is missing. With ``roster`` (a Canvas
    gradebook export), also write canvas_import.csv.
    """
    if roster is not None:
        read_roster(roster)
    out = Path(out).resolve()
    folder = GradingFolder(out)
    last = latest(out)
    if last is None:
        raise LabError(f"no shard manifests in {folder.shards}: grade with --shard K/N and --out {out} first "
                       "(deploy/slurm/submit.sh plans, then submits the shards and this merge)")
    settings = lab_settings(Path(config), last.run.assignment)
    count = last.shard.count
    shards = {k: last if k == last.shard.index else Manifest.read(path(out, Shard(k, count)))
              for k in range(1, count + 1)}
    ours = [m for m in shards.values() if m is not None and m.same_run(last)]
    found = {m.student: cached(folder, m.student, m.sha256, last.key) for m in last.members}
    missing = [student for student, outcome in found.items() if outcome is None]
    if missing:
        _name_missing(out, last, shards, missing)
        return 1
    if not ours:
        raise LabError(f"no shard of the class planned at {last.started} has run in {out}: grade with --shard K/N")
    outcomes: list[Outcome] = [o for o in found.values() if o is not None]
    by_id = {m.student: m for m in last.members}
    rows = complete(outcomes, by_id)
    write_student_files(folder, rows, settings)
    write_grades(folder, rows, list(last.points), last.run.assignment)
    with suppress(OSError):
        folder.work().rmdir()  # the shards' worker folders, once all are gone
    publish(out, rows, last.points, last.bonus, _facts(ours, len(outcomes)), roster, settings)
    return 0


def _facts(shards: list[Manifest], students: int) -> RunFacts:
    """The run of all the shards: from the first start to the last finish, ``jobs`` per shard."""
    runs = [m.run for m in shards]
    end = max((moment(r.finished) for r in runs if r.finished), default=moment(finished_now()))
    seconds = (end - min(moment(m.started) for m in shards)).total_seconds()
    return replace(runs[0], students=students, graded=sum(r.graded for r in runs),
                   rejudged=sum(r.rejudged for r in runs), moved=sorted(m for r in runs for m in r.moved),
                   seconds=max([seconds, *(r.seconds for r in runs)]), jobs=max(r.jobs for r in runs),
                   sandboxed=all(r.sandboxed for r in runs), finished=end.isoformat(timespec="seconds"),
                   shards=shards[0].shard.count)


def _name_missing(out: Path, last: Manifest, shards: dict[int, Manifest | None], missing: list[str]) -> None:
    """Say on stderr who has no grade, per shard, and how each shard's run went."""
    parts = assign([m.student for m in last.members], last.shard.count)
    plan = Manifest.read(path(out, Shard(0, last.shard.count)))
    lines = [f"error: {len(missing)} of {len(last.members)} students have no grade yet; grades.csv not written"]
    for k, manifest in shards.items():
        who = [s for s in missing if parts[s] == k]
        if who:
            lines.append(f"  shard {k}/{last.shard.count} ({_state(manifest, last, plan)}): {', '.join(who)}")
    lines.append(f"grade those shards again (--shard K/N --out {out}; students graded already are kept), "
                 "then merge again")
    print("\n".join(lines), file=sys.stderr)


def _state(manifest: Manifest | None, last: Manifest, plan: Manifest | None) -> str:
    """How shard ``manifest`` (None: it left none) went, in the run of ``last``, planned by ``plan`` if any."""
    planned = plan is not None and plan.same_run(last)
    if planned and (manifest is None or moment(manifest.started) < moment(plan.started)):
        return f"never ran since the plan of {plan.started}"
    if manifest is None:
        return "never ran"
    if not manifest.same_run(last):
        return f"last ran on another class, course or data, at {manifest.started}"
    return f"started {manifest.started}, " + ("finished" if manifest.done else "did not finish: still running, or died")
