"""``python -m movielens_lab grade``: autograde a class, N students at once, resumable. Orchestration only.

The class is collected (``submissions/``); each student is graded by a worker process
(``worker``) in a folder of its own: a copy of the released course (``course``) with its own
gradebook, since nbgrader's SQLite gradebook takes one writer at a time, each test judged as it
runs (``judge/``), the kernel in the sandbox (``sandbox/``). The parent is the only writer of the
outputs (``outputs/``): a student's record and files are written atomically as soon as they are
done, and a student whose record matches the submission's hash and the keys (``keys``) is not graded
again (``outputs/cache``); one whose judge alone changed is judged again from its kept run, without
running it (``rejudging``). The class report comes last (``report/``). With ``shard``, only that
part of the class is graded, into a folder the shards share (``cluster/shards``); ``cluster/merge``
then writes the class's files.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat
from tqdm.auto import tqdm

from .. import paths
from ..config import LabGrader, course_settings, pick
from ..data import locate
from ..errors import LabError
from ..files import atomic_write, fingerprint
from .cluster.shards import Shard, start
from .course import GRADEBOOK, NBGRADER_CONFIG, Course, build_course
from .executed import read_results, run_problems
from .judge.sealed import Verdict
from .judge.session import JudgeFailed, JudgeHost, JudgeSession, MemoStore, WarmUp, judge_limits
from .judge.spec import course_spec
from .judge.transcript import TRANSCRIPT, NeedsRun
from .kernelrun import KernelRun
from .keys import Keys, changed_tests, test_fingerprints, versions
from .lms.canvas import read_roster
from .outcomes import Outcome, TestResult, max_total
from .outputs.cache import course_key, read_record, write_record
from .outputs.folder import GradingFolder, grading_secret
from .outputs.grades import write_grades
from .outputs.runfacts import RunFacts, finished_now, require_own_folder
from .outputs.students import write_student_files
from .outputs.summary import summary_table
from .rejudging import FORCED, NEW, Judges, Tally, moved, rejudge, why_run
from .report import report as class_report
from .review import DEAD_KERNEL, Note
from .sandbox.client import Limits, limits_reached, memory_bound_note, require_sandbox, write_kernelspec
from .sandbox.lifetime import adopt_orphans, reap_children, stop_children
from .submissions import tampering
from .submissions.assignments import Assignments, misplaced
from .submissions.collect import Member, Submission, by_student, with_collect_notes
from .submissions.intake import notebook_files
from .submissions.rebuild import InputLimits, InvalidSubmission, read_cells, rebuild, student_cells
from .worker import REPORT, SETTINGS, VERDICT

KILL_GRACE = 30
"""Seconds after the notebook timeout at which the sandbox ends a kernel the grader did not stop."""
STOP_WAIT = 20
"""Seconds a stopped grader waits for its sandboxes to tidy up: within a scheduler's grace (Slurm's KillWait and
Kubernetes' terminationGracePeriodSeconds are 30 s by default), after which it kills what is left."""


@dataclass
class Batch:
    """What every student's grading shares."""

    course: Course
    template: nbformat.NotebookNode
    spec: dict
    """What the judge runs (``judge.spec.judge_spec`` of the source notebook)."""
    assignments: Assignments
    """The course's assignments, to tell a submission of another one."""
    out: GradingFolder
    data_dir: Path
    keys: Keys
    sandboxed: bool
    secret: str
    shard: Shard | None = None
    running: set[subprocess.Popen] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    """Set once grading was interrupted or stopped: no worker starts, and no student cut short gets a record."""
    hosts: list[JudgeHost] = field(default_factory=list)
    """The idle judge hosts of the batch's re-judges (:meth:`host`)."""

    @property
    def settings(self) -> LabGrader:
        return self.course.settings

    @property
    def work(self) -> Path:
        """The folder of the worker folders: one per shard, as shards share ``out``."""
        return self.out.work(self.shard.name if self.shard else "")

    @property
    def memo(self) -> Path:
        """The references the judges share (``MemoStore``), kept from run to run for the same data."""
        return self.out.memo(course_key(fingerprint(b"references", versions()), self.data_dir))

    def spec_for(self, sub: Submission) -> dict:
        """The judge's spec for one submission: the batch's, with this submission's secret choices."""
        salt = hmac.new(self.secret.encode(), sub.sha256.encode(), hashlib.sha256).hexdigest()
        return {**self.spec, "salt": salt}

    def judges(self, sub: Submission) -> Judges:
        """How a judge session of ``sub`` starts, re-judging it (none once grading stopped)."""
        spec, limits, memo = self.spec_for(sub), judge_limits(self.settings), MemoStore(self.memo)

        def session(host: JudgeHost | None) -> JudgeSession:
            if self.stopping.is_set():
                raise JudgeFailed("grading stopped")
            return JudgeSession(spec, self.data_dir, limits, self.sandboxed, "grade", memo,
                                test_seconds=float(self.settings.cell_timeout), host=host)

        return session

    @contextmanager
    def host(self) -> Iterator[JudgeHost]:
        """A judge host for one re-judge at a time: an idle one, or a new one (its process starts when first used)."""
        self.work.mkdir(parents=True, exist_ok=True)
        with self.lock:
            host = self.hosts.pop() if self.hosts else JudgeHost(self.spec, self.data_dir, judge_limits(self.settings),
                                                                 self.sandboxed, scratch=self.work)
        try:
            yield host
        finally:
            with self.lock:
                self.hosts.append(host)

    def close(self) -> None:
        """End the batch's judge hosts."""
        with self.lock:
            hosts, self.hosts = self.hosts, []
        for host in hosts:
            host.close()


def data_folder(explicit: Path | None) -> Path:
    """The instructor's data folder (absolute), which the kernels read through $MOVIELENS_DIR; a one-line LabError,
    before anything runs, when it holds no dataset, or one this user cannot read."""
    found = locate.where(explicit)
    dataset = found.folder / "ml-1m"
    user = this_user()
    for path in (found.folder, dataset):
        if path.is_dir() and not os.access(path, os.R_OK | os.X_OK):
            raise LabError(f"{path} cannot be read by {user}: make it readable (chmod o+rX) or grade as its owner")
    unreadable = sorted(p.name for p in dataset.iterdir() if p.is_file() and not os.access(p, os.R_OK)) \
        if dataset.is_dir() else []
    if unreadable:
        raise LabError(f"{', '.join(unreadable)} in {dataset} cannot be read by {user}: make them readable "
                       "(chmod o+r) or grade as their owner")
    return found.require("grading")


def this_user() -> str:
    """Who this process runs as, for messages (a container's user may have no name)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.geteuid()}"


def grade(submissions: Path, *, assignment: str | None = None, out: Path = Path("grading"), jobs: int = 1,
          unsafe: bool = False, data_dir: Path | None = None, layout: str = "auto", source: Path | None = None,
          config: Path = paths.GRADER_CONFIG, roster: Path | None = None, shard: str | None = None,
          rerun: bool = False) -> int:
    """Grade every submission of ``assignment`` under ``submissions`` into ``out``; print the summary table.

    Without ``assignment``, the one most submissions are (``Assignments.choose``), said on a line;
    ``source`` defaults to its ``paths.solution_notebook``. Student code runs in the sandbox;
    ``unsafe`` grades without it, when asked for. With ``roster`` (a Canvas gradebook export),
    also write canvas_import.csv. With ``shard`` (``K/N``), grade only the K-th of N parts of
    the class and write its students' files and its manifest, not grades.csv or the report:
    ``merge`` writes them once every shard is done. A student graded before whose tests alone changed is
    judged again from its kept run (``rejudging``); ``rerun`` runs every notebook again instead.
    """
    if jobs < 1:
        raise LabError(f"--jobs must be at least 1 (got {jobs})")
    part = Shard.parse(shard) if shard is not None else None
    if part is not None and roster is not None:
        raise LabError("--roster goes with merge when grading in shards: pass it to merge")
    if roster is not None:
        read_roster(roster)  # a bad roster stops here, before any grading
    subs, settings, known = collect_class(Path(submissions), assignment, layout, Path(config))
    source = paths.solution_notebook(settings.assignment) if source is None else Path(source)
    return grade_submissions(subs, settings, known, out=Path(out), jobs=jobs, unsafe=unsafe, data_dir=data_dir,
                             source=source, roster=roster, part=part, rerun=rerun)


def collect_class(submissions: Path, assignment: str | None, layout: str,
                  config: Path) -> tuple[list[Submission], LabGrader, Assignments]:
    """The class under ``submissions``, one submission per student, and the settings of its assignment (None: the
    one most submissions are, said on a line); with the course's assignments, to tell a submission of another."""
    course = course_settings(config)
    known = Assignments.of(course)
    limits = InputLimits.widest(course.values())
    files = notebook_files(submissions, limits)
    if assignment is None:
        choice = known.choose([(entry.path, entry.data) for entry in files], limits)
        print(choice)
        assignment = choice.name
    settings = pick(course, assignment)
    collected = by_student(files, settings.assignment, layout)
    print(collected.said)
    return collected.submissions, settings, known


def grade_submissions(subs: list[Submission], settings: LabGrader, known: Assignments, *, out: Path, jobs: int,
                      unsafe: bool, data_dir: Path | None, source: Path, roster: Path | None = None,
                      part: Shard | None = None, rerun: bool = False) -> int:
    """Grade the collected submissions ``subs`` of ``settings``' assignment into ``out`` (only ``part`` of them,
    when given); print the summary table. ``known``: the course's assignments, to tell a submission of
    another one. ``rerun``: run every notebook again, whatever its record."""
    started = time.monotonic()
    out = out.resolve()
    require_own_folder(out, settings.assignment)
    data = data_folder(data_dir)
    if unsafe:
        print("warning: grading without the sandbox (--unsafe): student code runs as you", file=sys.stderr)
    else:
        require_sandbox(data)
    if (note := memory_bound_note(not unsafe)) is not None:
        print(f"note: {note}", file=sys.stderr)
    folder = GradingFolder(out)
    course = build_course(folder.course, source, settings)
    source_nb = nbformat.read(course.source_notebook, as_version=4)
    spec = course_spec(source_nb, settings)
    keys = Keys.of(source_nb, settings, spec, data)
    batch = Batch(course, nbformat.read(course.student_notebook, as_version=4), spec, known, folder, data, keys,
                  not unsafe, grading_secret(folder), part)
    by_id = {s.student: Member.of(s) for s in subs}
    if part is not None:
        subs = part.own(subs)
    tests = test_fingerprints(spec)
    previous = RunFacts.read(out)
    run = RunFacts(course.assignment, len(subs), 0, 0.0, jobs, locate.describe(data), str(data), not unsafe, "",
                   tests=tests, changed=_labels(spec, changed_tests(previous.tests if previous else {}, tests)))
    manifest = start(out, part, list(by_id.values()), keys.key, settings, run) if part else None
    records = {s.student: read_record(folder, s.student) for s in subs}
    before = {student: Outcome.from_dict(record["outcome"]) for student, record in records.items() if record}
    outcomes = {s.student: before[s.student] for s in subs
                if not rerun and records[s.student] and records[s.student].get("submission") == s.sha256
                and records[s.student].get("key") == keys.key}
    todo = [s for s in subs if s.student not in outcomes]
    why = {s.student: FORCED if rerun and records[s.student] else why_run(records[s.student], s.sha256, keys)
           for s in todo}
    reused, tally = list(outcomes.values()), Tally()
    adopt_orphans()  # a kernel's supervisor whose worker died stays ours: stopped, we wait for it to tidy up
    with tqdm(total=len(subs), initial=len(outcomes), desc="grading", unit="student") as bar, \
            _warm_up(batch, any(why.values())), closing(batch), ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_grade_safely, batch, s, None if why[s.student] else records[s.student]): s
                   for s in todo}
        try:
            for future in as_completed(futures):
                outcome, ran = future.result()
                student = futures[future].student
                if ran is None:
                    tally.rejudged += 1
                elif (reason := ran or why[student] or "the grader failed") != NEW:
                    tally.again[reason] += 1
                outcomes[outcome.student] = outcome
                write_student_files(folder, complete([outcome], by_id), batch.settings)  # grades.csv: once, below
                bar.update()
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM from a scheduler (lifetime.Terminated)
            _stop(batch, pool)
            _write_outputs(batch, [], [outcomes[s.student] for s in subs if s.student in outcomes], by_id)
            raise
    everyone = [outcomes[s.student] for s in subs]
    _write_outputs(batch, reused, everyone, by_id)  # the reused students' notes of collection may differ
    shutil.rmtree(batch.work, ignore_errors=True)
    if (line := tally.line()) is not None:
        print(line)
    run = replace(run, graded=len(todo) - tally.rejudged, rejudged=tally.rejudged, moved=moved(before, everyone),
                  seconds=time.monotonic() - started, finished=finished_now())
    rows = complete(everyone, by_id)
    if manifest is None:
        publish(out, rows, batch.settings.points, batch.settings.bonus, run, roster, batch.settings)
    else:
        print(summary_table(rows, max_total(batch.settings.points, batch.settings.bonus)))
        manifest.finish(out, run)
        print(f"shard {manifest.shard} done ({len(subs)} students); once every shard is done: "
              f"python -m movielens_lab merge {out}")
    return 0


def _labels(spec: dict, grade_ids: list[str]) -> list[str]:
    """How the report names these tests: each one's section and grade_id."""
    titles = {test["grade_id"]: test["title"] for test in spec["tests"]}
    return [f"{titles[g]} ({g})" if g in titles and titles[g] != g else g for g in grade_ids]


def publish(out: Path, rows: list[Outcome], points: dict[str, float], bonus: list[str], run: RunFacts,
            roster: Path | None, settings: LabGrader) -> None:
    """The end of grading a whole class: print the summary table, write run.json and the report (``settings``:
    the assignment's, for its similar submissions)."""
    print(summary_table(rows, max_total(points, bonus)))
    folder = GradingFolder(out)
    print(f"{run.assignment}: grades: {folder.grades}; feedback and results.json: {folder.students}/<student>/")
    print(class_report.finish(out, run, settings, roster))


@contextmanager
def _warm_up(batch: Batch, needed: bool) -> Iterator[None]:
    """While the batch grades: a judge that computes the references the tests need, once for all (when there is
    anything to grade, and an earlier grading with these tests on these data did not compute them all)."""
    store = MemoStore(batch.memo) if needed else None
    if store is None or WarmUp.done(store, batch.keys.judge):
        yield
        return
    batch.work.mkdir(parents=True, exist_ok=True)  # its files in the batch's folder with the workers', not in /tmp
    warm = WarmUp(batch.spec, batch.data_dir, judge_limits(batch.settings), batch.sandboxed, store,
                  batch.keys.judge, scratch=batch.work)
    try:
        yield
    finally:
        warm.close()


def _write_outputs(batch: Batch, done: list[Outcome], graded: list[Outcome], by_id: dict[str, Member]) -> None:
    """Write the feedback and results.json of the ``done`` students and, but for a shard, grades.csv of the
    ``graded`` ones."""
    write_student_files(batch.out, complete(done, by_id), batch.settings)
    if batch.shard is None:  # a shard has only part of the class: merge writes grades.csv
        write_grades(batch.out, complete(graded, by_id), list(batch.settings.points), batch.course.assignment)


def complete(outcomes: list[Outcome], by_id: dict[str, Member]) -> list[Outcome]:
    """``outcomes`` with the notes and LMS fields of their students' collection (``with_collect_notes``)."""
    return [with_collect_notes(o, by_id[o.student]) for o in outcomes]


def _grade_safely(batch: Batch, sub: Submission, record: dict | None) -> tuple[Outcome, str | None]:
    """Grade one student, judging its kept run again when ``record`` is given (``rejudging``); whatever happens, an
    outcome (one bad submission never stops the batch), and why it ran (None: it was re-judged, without a run)."""
    settings = batch.settings
    started = time.monotonic()
    ran: str | None = ""
    kernel: KernelRun | None = None
    try:
        if record is not None:
            try:
                with batch.host() as host:
                    outcome, kernel = rejudge(record, sub.student, sub.name, settings,
                                              batch.out.transcript(sub.student), batch.out.blobs, batch.judges(sub),
                                              host)
                ran = None
            except NeedsRun as why:
                ran = str(why)
        if ran is not None:
            outcome, kernel = _grade(batch, sub)
    except InvalidSubmission as why:
        kernel = KernelRun.failed("invalid", [str(why)])
        outcome = kernel.outcome(sub.student, sub.name, None, settings)
    except Exception as err:  # a failure of the grader itself, reported in the row
        outcome = Outcome.ungraded(sub.student, sub.name, "crashed", [f"grader error: {type(err).__name__}: {err}"],
                                   settings.points, settings.bonus)
    outcome = replace(outcome, seconds=time.monotonic() - started)
    if batch.stopping.is_set():  # cut short by the stop (its worker killed): graded again by the next run
        return outcome, ran
    kept = {"run_key": batch.keys.run, "judge_key": batch.keys.judge, "kernel": kernel.to_dict()} if kernel else {}
    write_record(batch.out, sub.sha256, batch.keys.key, sub.origin, outcome, kept)
    return outcome, ran


def _grade(batch: Batch, sub: Submission) -> tuple[Outcome, KernelRun | None]:
    """Grade one submission in its worker folder: run it, each test judged as it runs; its outcome, and how it ran
    (kept to judge it again)."""
    cells = read_cells(sub.data, InputLimits.of(batch.settings))
    if (found := batch.assignments.elsewhere(cells, batch.course.assignment)) is not None:
        raise InvalidSubmission(misplaced(found, batch.course.assignment))
    nb, notes = rebuild(cells, batch.template)
    flags = tampering.scan(cell.source for cell in student_cells(nb))
    batch.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{sub.student}-", dir=batch.work))
    try:
        notebook = _prepare(batch, work, sub, nb)
        killed, code = _run_worker(batch, work, sub.student)
        kernel, verdict = _read_run(batch, work, notebook, killed, code, notes, flags)
        if notebook.is_file():  # for the instructor only: its outputs may hold anything the student printed
            atomic_write(batch.out.executed(sub.student), notebook.read_bytes())
        if (work / "worker.log").is_file():
            atomic_write(batch.out.grading_log(sub.student), (work / "worker.log").read_bytes())
        _keep_transcript(batch.out.transcript(sub.student), work / TRANSCRIPT)
        return kernel.outcome(sub.student, sub.name, verdict, batch.settings), kernel
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _keep_transcript(folder: Path, made: Path) -> None:
    """Keep the run's transcript ``made`` in ``folder`` (instructor only), or none when the run made none."""
    if made.is_file():
        atomic_write(folder / TRANSCRIPT, made.read_bytes())
    else:
        shutil.rmtree(folder, ignore_errors=True)


def _prepare(batch: Batch, work: Path, sub: Submission, nb: nbformat.NotebookNode) -> Path:
    """Lay out the worker's own course copy and the judge's settings; return where its autograded notebook
    will be."""
    course, assignment, student = batch.course, batch.course.assignment, sub.student
    for name in (NBGRADER_CONFIG, GRADEBOOK):
        shutil.copy2(course.root / name, work / name)
    shutil.copytree(course.root / "source" / assignment, work / "source" / assignment)
    submitted = work / "submitted" / student / assignment / f"{assignment}.ipynb"
    submitted.parent.mkdir(parents=True)
    nbformat.write(nb, submitted)
    (work / "autograded").mkdir()
    (work / "spec.json").write_text(json.dumps(batch.spec_for(sub)))
    settings = {"spec_file": str(work / "spec.json"), "judge_mode": "grade", "data_dir": str(batch.data_dir),
                "judge_limits": judge_limits(batch.settings).to_dict(), "sandboxed": batch.sandboxed,
                "memo_dir": str(batch.memo), "transcript_dir": str(work), "blob_store": str(batch.out.blobs)}
    (work / SETTINGS).write_text(json.dumps(settings))
    return work / "autograded" / student / assignment / f"{assignment}.ipynb"


def _run_worker(batch: Batch, work: Path, student: str) -> tuple[bool, int | None]:
    """Run the worker process under the notebook timeout; return (killed for time, exit code)."""
    limits = Limits.of(batch.settings, batch.settings.notebook_timeout + KILL_GRACE)
    kernel = write_kernelspec(work / "jupyter", work / "autograded", limits, batch.sandboxed)
    env = {**os.environ, "JUPYTER_PATH": str(work / "jupyter"), paths.DATA_ENV: str(batch.data_dir),
           "PYTHONWARNINGS": "ignore"}
    with open(work / "worker.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "movielens_lab.grading.worker", str(work), student,
                                 batch.course.assignment, str(batch.settings.cell_timeout), kernel, str(os.getpid())],
                                cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        with batch.lock:
            batch.running.add(proc)
            if batch.stopping.is_set():
                _kill(proc)
        try:
            return False, proc.wait(timeout=batch.settings.notebook_timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            return True, None
        finally:
            with batch.lock:
                batch.running.discard(proc)


def _stop(batch: Batch, pool: ThreadPoolExecutor) -> None:
    """Grading stopped: end the workers, wait for every sandbox and judge to tidy up (their cgroups, folders and
    temporary files) and remove the worker folders. The students graded so far keep their records."""
    batch.stopping.set()
    pool.shutdown(wait=False, cancel_futures=True)
    _kill_running(batch)
    stop_children()  # the judges: none keeps judging what will not be recorded
    pool.shutdown(wait=True)  # each grading thread has closed its judge and removed its worker folder
    batch.close()
    if not reap_children(STOP_WAIT):  # the adopted supervisors, removing their sandboxes
        print(f"warning: some sandboxes were still ending {STOP_WAIT} s after the stop", file=sys.stderr)
    shutil.rmtree(batch.work, ignore_errors=True)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _kill_running(batch: Batch) -> None:
    with batch.lock:
        for proc in list(batch.running):
            _kill(proc)


def _read_run(batch: Batch, work: Path, notebook: Path, killed: bool, code: int | None, notes: list[str],
              flags: list[str]) -> tuple[KernelRun, Verdict | None]:
    """How the notebook ran, and the judge's points, given as it ran (None where the run gave none)."""
    settings = batch.settings
    notes = notes + limits_reached(work / "autograded")

    def failed(status: str, why: str) -> tuple[KernelRun, None]:
        return KernelRun.failed(status, notes + [why], flags), None

    if killed:
        return failed("timeout", f"the notebook ran past {settings.notebook_timeout} s in all and was stopped")
    report_file, verdict_file = work / REPORT, work / VERDICT
    if not report_file.is_file():
        return failed("crashed", Note(f"the grading process died (exit code {code})", DEAD_KERNEL))
    autograde = json.loads(report_file.read_text())["autograde"]
    if not verdict_file.is_file():
        return failed("crashed", f"nbgrader autograde failed: {autograde['error']}")
    verdict = Verdict.from_dict(json.loads(verdict_file.read_text()))
    ran: list[TestResult] = []
    if autograde["success"]:
        nb = nbformat.read(notebook, as_version=4)
        ran = read_results(nb, settings.bonus)
        status, problems = run_problems(nb, settings.cell_timeout)
    elif autograde["kernel_died"]:
        status, problems = "crashed", [Note("the kernel died while running the notebook (os._exit, a crash, or "
                                            f"more than the {settings.memory_limit_mb} MiB memory limit); graded as "
                                            "far as it got", DEAD_KERNEL)]
    else:
        return failed("crashed", f"nbgrader autograde failed: {autograde['error']}")
    return KernelRun(status, notes, problems, ran, flags), verdict
