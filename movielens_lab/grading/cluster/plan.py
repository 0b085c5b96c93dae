"""``python -m movielens_lab plan``: before a class is graded in N shards, check what the shards need and
record the class.

Run it as the shards will run (the same user, interpreter and course folder: ``deploy/slurm/submit.sh``
does, before it submits anything). It reads the course (grader_config.py and the assignment's
source notebook), every submission and the data folder, and writes the class into the grading
folder (``shards/plan.json``), so that ``merge`` names every student without a grade even when no
shard ever started. What is missing, unreadable or not writable stops it with one line.
"""

from __future__ import annotations

from pathlib import Path

from ... import paths
from ...data import locate
from ...errors import LabError
from ..course import read_source
from ..grade import collect_class, data_folder, this_user
from ..judge.spec import course_spec
from ..keys import Keys
from ..outputs.runfacts import RunFacts, require_own_folder
from .shards import Member, Shard, assign, start


def plan(submissions: Path, *, shards: int, out: Path = Path("grading"), assignment: str | None = None,
         layout: str = "auto", data_dir: Path | None = None, source: Path | None = None,
         config: Path = paths.GRADER_CONFIG) -> int:
    """Check that ``shards`` shards can grade ``submissions`` into ``out`` from here, and record the class there.

    The assignment and ``source`` default as for ``grade``. Prints the class, the shards' sizes and
    the folders; a one-line LabError names what a shard would lack.
    """
    if shards < 1:
        raise LabError(f"--shards is the number of parts, at least 1 (got {shards})")
    try:
        subs, settings, _ = collect_class(Path(submissions), assignment, layout, Path(config))
    except OSError as err:
        raise LabError(f"cannot read {err.filename or submissions} as {this_user()}: {err.strerror}") from None
    source = paths.solution_notebook(settings.assignment) if source is None else Path(source)
    out = Path(out).resolve()
    require_own_folder(out, settings.assignment)
    data = data_folder(data_dir)
    nb = read_source(source)
    key = Keys.of(nb, settings, course_spec(nb, settings), data).key
    run = RunFacts(settings.assignment, len(subs), 0, 0.0, 1, locate.describe(data), str(data), True, "")
    try:
        start(out, Shard(0, shards), [Member.of(s) for s in subs], key, settings, run)
    except OSError as err:
        raise LabError(f"cannot write into the grading folder {out} as {this_user()}: {err.strerror}") from None
    sizes = sorted(list(assign([s.student for s in subs], shards).values()).count(k) for k in range(1, shards + 1))
    print(f"{settings.assignment}: {len(subs)} students in {shards} shards of {sizes[0]} to {sizes[-1]}; "
          f"grading folder {out}; data folder {data}")
    return 0
