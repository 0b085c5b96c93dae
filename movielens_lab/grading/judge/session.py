"""The grader's end of a judge: start its sandboxed process, hand it each test's sealed values, read its verdict.

A :class:`JudgeSession` starts ``judge.py`` (copied with the modules it needs into a folder of its
own) in the sandbox, at the lowest CPU priority while it imports its libraries and runs the given
cells beside the student's kernel. :meth:`JudgeSession.judge` then sends one test's values and
answers the judge's requests until its verdict: a ``call`` of a student's callable goes to the
``on_call`` the caller gives (``sealed`` makes the kernel do it). ``memo?``/``memo!`` go to the
batch's :class:`MemoStore` whenever they come, even before the first test (the given cells' kept
calls). A judge that fails, or takes longer than a test may, costs that test only: the session says so
in that test's result and starts a fresh judge for the next one.

Re-judging a class, a :class:`JudgeHost` saves each submission's judge the import of its libraries: the
host process runs the first given cell once, then forks each submission's judge from that state.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ... import paths
from ...config import LabGrader
from ...files import atomic_write
from ...kernels import PYTHON, QUIET_ENV
from ..outcomes import TestResult
from ..sandbox.client import Limits, kernel_argv
from . import judge, plaindata, vocabulary, wire
from .wire import WireError

JUDGE_ENV = {**QUIET_ENV, "MPLBACKEND": "Agg"}
"""The judge's own settings: quiet libraries, the lab's TensorFlow settings, figures drawn off screen."""
MODULES = (judge, plaindata, vocabulary, wire)
"""What the judge's folder holds: the judge and the modules it imports."""
NICENESS = 19
"""The judge's CPU priority (``nice``): the lowest, so that its set-up takes only the time the kernel leaves."""
STOP_WAIT = 30
"""Seconds a judge has to end once told to stop, before it is killed: its supervisor ends the sandbox and removes
its cgroup (up to 10 s on a loaded machine) in that time."""
UNCHECKED = "the grader could not check this section (its checks failed or ran out of time)"
MEMO_WAIT = 600
"""Seconds a judge waits for a reference another judge of the batch is computing."""

Call = Callable[[dict, dict[str, bytes]], tuple[str | None, dict[str, bytes]]]
"""How a judge's request to call a student's function is answered: the answer's text and its blobs."""


class JudgeFailed(Exception):
    """The judge could not give a verdict; the message says why."""


def judge_limits(settings: LabGrader) -> Limits:
    """The judge's limits: the grading limits, with time to wait for a whole notebook and judge it."""
    return Limits.of(settings, 2 * settings.notebook_timeout)


class MemoStore:
    """A batch's references, computed once by whichever judge needs one first (a folder of JSON files).

    A judge that is computing a reference holds its ``.lock`` file (``claim``); another judge that asks
    for it meanwhile waits for it (``get``) rather than compute it again.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.claims: dict[str, int] = {}

    def _path(self, key: str, suffix: str = ".json") -> Path:
        if not plaindata.BLOB_NAME.match(key):
            raise ValueError("not a memo key")
        return self.folder / f"{key}{suffix}"

    def _read(self, key: str) -> tuple[dict | None, dict[str, bytes]]:
        try:
            entry = json.loads(self._path(key).read_text())
            return entry["node"], {k: base64.b64decode(v) for k, v in entry["blobs"].items()}
        except (OSError, ValueError, KeyError):
            return None, {}

    def get(self, key: str, wait: float = MEMO_WAIT) -> tuple[dict | None, dict[str, bytes]]:
        """The entry ``key`` (node, blobs), waiting up to ``wait`` s while another judge computes it."""
        node, blobs = self._read(key)
        lock = self._path(key, ".lock")
        if node is None and lock.exists():
            with open(lock, "rb") as fh:
                deadline = time.monotonic() + wait
                while time.monotonic() < deadline:
                    try:
                        fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        time.sleep(0.2)
            node, blobs = self._read(key)
        return node, blobs

    def has(self, key: str) -> bool:
        """Whether the entry ``key`` is stored."""
        try:
            return self._path(key).is_file()
        except ValueError:
            return False

    def claim(self, key: str) -> None:
        """Say that ``key`` is being computed here, until :meth:`put` or :meth:`release`."""
        fd = os.open(self._path(key, ".lock"), os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return
        self.claims[key] = fd

    def put(self, key: str, node: dict, blobs: dict[str, bytes]) -> None:
        atomic_write(self._path(key), json.dumps({"node": node, "blobs": {k: base64.b64encode(v).decode()
                                                                         for k, v in blobs.items()}}))
        self.release(key)

    def release(self, key: str | None = None) -> None:
        """Give up the claim on ``key`` (it will not be computed here), or every claim (the judge that made them has
        ended)."""
        for claimed in [key] if key is not None else list(self.claims):
            fd = self.claims.pop(claimed, None)
            if fd is not None:
                os.close(fd)


@dataclass
class Judged:
    """What a judge said of one test: the result, the repaired answers to send the kernel (and their blobs)."""

    result: TestResult
    visible: float
    """The score of the test's visible part alone (what the student's kernel and ``check`` give)."""
    repairs: dict
    blobs: dict[str, bytes]


def launch(spec: dict, mode: str, data_dir: Path, limits: Limits, sandboxed: bool, within: str,
           host: bool = False) -> tuple[subprocess.Popen, IO[str]]:
    """Start a judge process (``host``: a judge host) of ``spec`` in a new folder in ``within``; the process and the
    file of its stderr."""
    folder = Path(tempfile.mkdtemp(dir=within, prefix="judge-"))
    for module in MODULES:
        shutil.copy(module.__file__, folder / Path(module.__file__).name)
    (folder / "spec.json").write_text(json.dumps(spec))
    command = [PYTHON, "judge.py", "spec.json", mode, *(["host"] if host else [])]
    argv = ["nice", "-n", str(NICENESS), *kernel_argv(folder, limits, sandboxed)[:-1], "--run", *command]
    env = {**os.environ, **JUDGE_ENV, paths.DATA_ENV: str(data_dir)}
    stderr = open(folder.parent / f"{folder.name}.stderr", "w+", errors="replace")
    # a session of its own: a worker killed with its process group leaves the judge's supervisor to end
    # its sandbox and remove its cgroup (it gets SIGTERM when the worker dies), as a kernel's does
    return subprocess.Popen(argv, cwd=folder, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                            start_new_session=True), stderr


def end(proc: subprocess.Popen, stderr: IO[str]) -> None:
    """End a judge (or judge host) process if it still runs: the launcher then ends its whole sandbox."""
    with contextlib.suppress(OSError):
        proc.stdin.close()
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=STOP_WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    stderr.close()


class JudgeHost:
    """A judge process that forks each submission's judge (``JudgeSession(host=...)``), one at a time, from the
    state its first given cell left: re-judging a class, a judge starts without importing its libraries.

    Its process starts with the first judge it is asked for, and again after half its lifetime or once a judge of it
    ended otherwise than cleanly (a judge stopped mid-test ends its host with it). A host whose judge failed (cost a
    test) is not used again (:attr:`failed`): being forked may be why.
    """

    def __init__(self, spec: dict, data_dir: Path, limits: Limits, sandboxed: bool, mode: str = "grade",
                 scratch: Path | None = None) -> None:
        self.spec = {k: v for k, v in spec.items() if k != "salt"}
        self.data_dir, self.limits, self.sandboxed, self.mode = data_dir, limits, sandboxed, mode
        self.tmp = tempfile.TemporaryDirectory(prefix="mlk-judge-", dir=scratch)
        self.proc: subprocess.Popen | None = None
        self.started = 0.0
        self.failed = False

    def judge(self, spec: dict) -> tuple[subprocess.Popen, IO[str]]:
        """Have the host fork the judge of ``spec`` (this host's, with a submission's salt): the host's process,
        whose pipes are that judge's until it says ``ended``, and its stderr's file."""
        if {k: v for k, v in spec.items() if k != "salt"} != self.spec:
            raise ValueError("a judge host forks judges of its own spec only")
        lifetime = self.limits.wall_seconds or float("inf")
        if self.proc is None or self.proc.poll() is not None or time.monotonic() - self.started > lifetime / 2:
            self.discard()
            self.proc, self.stderr = launch(self.spec, self.mode, self.data_dir, self.limits, self.sandboxed,
                                            self.tmp.name, host=True)
            self.started = time.monotonic()
        with contextlib.suppress(OSError):  # a host that ended: its judge's session finds it so, and fails
            wire.send(self.proc.stdin, {"op": "judge", "salt": spec.get("salt", "")})
        return self.proc, self.stderr

    def discard(self) -> None:
        """End the host's process, if any (and the judge it forked, with its sandbox)."""
        if self.proc is not None:
            end(self.proc, self.stderr)
            self.proc = None

    def close(self) -> None:
        self.discard()
        self.tmp.cleanup()


class JudgeSession:
    """One submission's judge process, restarted when it fails (see the module's docstring); forked by ``host``,
    when given."""

    def __init__(self, spec: dict, data_dir: Path, limits: Limits, sandboxed: bool, mode: str,
                 memo: MemoStore | None = None, test_seconds: float = 600, scratch: Path | None = None,
                 claim: bool = False, host: JudgeHost | None = None) -> None:
        self.spec, self.data_dir, self.limits, self.sandboxed, self.mode = spec, data_dir, limits, sandboxed, mode
        self.memo, self.test_seconds, self.claim, self.host = memo, test_seconds, claim, host
        self.asked: list[str] = []
        """The memo entries the judge asked for, in order."""
        self.failures = 0
        """How many times the judge failed (each cost a test)."""
        self.sending = threading.Lock()
        self.titles = {test["grade_id"]: test["title"] for test in spec["tests"]}
        self.bonus = set(spec.get("bonus", []))
        self.leaderboard: dict[str, float] = {}
        self.tmp = tempfile.TemporaryDirectory(prefix="mlk-judge-", dir=scratch)
        self.proc: subprocess.Popen | None = None
        self.start()

    def __enter__(self) -> JudgeSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start a judge process (its set-up runs while the student's kernel runs), or have the host fork one."""
        if self.host is not None:
            self.proc, self.stderr = self.host.judge(self.spec)
        else:
            self.proc, self.stderr = launch(self.spec, self.mode, self.data_dir, self.limits, self.sandboxed,
                                            self.tmp.name)
        self.testing = self.ending = self.clean = False
        self.messages: queue.Queue = queue.Queue()
        self.reader = threading.Thread(target=self._read, args=(self.proc, self.messages), daemon=True)
        self.reader.start()

    def _read(self, proc: subprocess.Popen, messages: queue.Queue) -> None:
        """Answer the judge's memo requests as they come (its given cells may ask before the first test); pass its
        other messages on, then its end (a WireError; a host's ``ended`` says that its judge exited, and how)."""
        while True:
            try:
                message, blobs = wire.receive(proc.stdout)
            except WireError as end:
                messages.put(end)
                return
            if message.get("op") == "ended":
                self.clean = message.get("clean") is True
                messages.put(WireError("the judge ended"))
                return
            if message.get("op") in ("memo?", "memo!"):
                self._memo(proc, message, blobs)
            else:
                messages.put((message, blobs))

    def _memo(self, proc: subprocess.Popen, message: dict, blobs: dict[str, bytes]) -> None:
        """Store an entry the judge computed (``memo!``), or answer with the one it asks for (``memo?``): waiting for
        another judge computing it, or, with ``claim``, claiming it for this judge to compute."""
        key, value = str(message.get("key")), message.get("value")
        if message.get("op") == "memo!":
            if self.memo is not None and isinstance(value, dict):
                with contextlib.suppress(ValueError, OSError):
                    self.memo.put(key, value, blobs)
            elif self.memo is not None:  # it will not be computed there
                self.memo.release(key)
            return
        self.asked.append(key)
        node, found = None, {}
        if self.memo is not None:
            with contextlib.suppress(ValueError, OSError):  # a wait shorter than a test's: then it computes it
                node, found = self.memo.get(key, wait=0 if self.claim else min(MEMO_WAIT, self.test_seconds / 2))
                if node is None and self.claim:
                    self.memo.claim(key)
        self._send({"op": "memo", "value": node}, found, proc)

    def _next(self, deadline: float) -> tuple[dict, dict[str, bytes]]:
        try:
            item = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise JudgeFailed("the grader's checks ran out of time") from None
        if isinstance(item, WireError):
            raise JudgeFailed(f"the grader's checks could not run ({self._last_error()})")
        return item

    def _last_error(self) -> str:
        self.stderr.seek(0)
        lines = self.stderr.read().strip().splitlines()
        return lines[-1][:300] if lines else f"exit code {self.proc.poll() if self.proc else None}"

    def _send(self, message: dict, blobs: dict[str, bytes] | None = None, proc: subprocess.Popen | None = None) -> None:
        """Send the judge process ``proc`` (default: the current one) a message, one at a time."""
        try:
            with self.sending:
                wire.send((proc or self.proc).stdin, message, blobs)
        except (OSError, ValueError, AttributeError):  # the judge has ended (or was stopped): the next read says why
            pass

    def judge(self, grade_id: str, body: str | None, blobs: dict[str, bytes], on_call: Call) -> Judged:
        """Judge test ``grade_id`` on the kernel's ``body`` (None: the notebook stopped before it) and ``blobs``."""
        try:
            return self._judge(grade_id, body, blobs, on_call)
        except JudgeFailed as why:
            self.failures += 1
            self.restart()
            return Judged(self._failed(grade_id, str(why)), 0.0, {}, {})

    def _judge(self, grade_id: str, body: str | None, blobs: dict[str, bytes], on_call: Call) -> Judged:
        deadline = time.monotonic() + self.test_seconds
        self.testing = True
        self._send({"op": "test", "grade_id": grade_id, "body": body}, blobs)
        while True:
            message, extra = self._next(deadline)
            op = message.get("op")
            if op == "verdict":
                r = message["result"]
                result = TestResult(r["grade_id"], float(r["score"]), float(r["max_score"]), r["output"],
                                    grade_id in self.bonus, bool(r["error"]), self.titles[grade_id])
                self.testing = False
                return Judged(result, float(r.get("visible", r["score"])), message.get("repairs") or {}, extra)
            if op == "call":
                text, answer_blobs = on_call(message, extra)
                self._send({"op": "answer", "body": text}, answer_blobs)

    def _failed(self, grade_id: str, why: str) -> TestResult:
        points = next(float(t["points"]) for t in self.spec["tests"] if t["grade_id"] == grade_id)
        return TestResult(grade_id, 0.0, points, UNCHECKED, grade_id in self.bonus, True, self.titles[grade_id])

    def finish(self) -> dict[str, float]:
        """Tell the judge there is no more; its leaderboard values."""
        self.ending = True
        self._send({"op": "end"})
        try:
            message, _ = self._next(time.monotonic() + self.test_seconds)
            self.leaderboard = {str(k): float(v) for k, v in message.get("leaderboard", {}).items()}
        except JudgeFailed:  # no leaderboard values
            self.failures += 1
        return self.leaderboard

    def restart(self) -> None:
        self.stop()
        self.start()

    def stop(self) -> None:
        """End the judge process if it still runs (the launcher then ends its whole sandbox). A host's judge between
        tests is told to end, and the host kept when it did; otherwise the host ends with it."""
        if self.proc is None:
            return
        if self.host is None:
            end(self.proc, self.stderr)
        else:
            if not self.testing:
                if not self.ending:
                    self._send({"op": "end"})
                self.reader.join(timeout=STOP_WAIT)
            if not self.clean:  # the host ends with its judge
                self.host.discard()
            if self.failures:  # and is not used again: its judge failed, maybe for being forked
                self.host.failed = True
                self.host = None
        self.proc = None

    def close(self) -> None:
        self.stop()
        self.tmp.cleanup()


class WarmUp:
    """The batch's warm-up judge: it computes, from the raw data, the references the tests will need
    (their ``_warm_*`` functions) into ``memo`` while the submissions are graded; :meth:`close` ends it.

    Once every one is computed and stored, ``memo`` holds a mark named by ``key`` (the judge's,
    :func:`keys.judge_key`) that lists them: the same tests on the same data need no warm-up again while they are
    all there (:meth:`done`).
    """

    def __init__(self, spec: dict, data_dir: Path, limits: Limits, sandboxed: bool, memo: MemoStore,
                 key: str, scratch: Path | None = None) -> None:
        self.memo, self.mark = memo, self.done_mark(memo.folder, key)
        # an entry it asks for and is not stored is claimed: other judges wait for it
        self.session = JudgeSession(spec, data_dir, limits, sandboxed, "warm", memo, scratch=scratch, claim=True)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        """Wait for the warm-up judge's end; mark the memo when it computed and stored every entry it asked for."""
        try:
            message, _ = self.session._next(time.monotonic() + 24 * 3600)
            asked = self.session.asked
            if message.get("op") == "done" and message.get("complete") is True and all(map(self.memo.has, asked)):
                atomic_write(self.mark, json.dumps(asked))
        except JudgeFailed:
            pass
        finally:
            self.memo.release()

    @staticmethod
    def done_mark(memo: Path, key: str) -> Path:
        """The file that says every reference of the judge ``key`` is in ``memo``."""
        return memo / f"warmed-{key}"

    @classmethod
    def done(cls, memo: MemoStore, key: str) -> bool:
        """Whether a warm-up of the judge ``key`` computed every reference into ``memo``, and all are still there."""
        try:
            asked = json.loads(cls.done_mark(memo.folder, key).read_text())
        except (OSError, ValueError):
            return False
        return isinstance(asked, list) and all(memo.has(str(k)) for k in asked)

    def close(self) -> None:
        self.session.close()
        self.thread.join(timeout=STOP_WAIT)
        self.memo.release()
