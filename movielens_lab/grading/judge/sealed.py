"""Running a notebook with each test sealed: nbgrader's Execute, with the grader's steps around every test cell.

The student's kernel runs the released notebook: its own cells and the visible tests, nothing else.
Around test cell k the grader runs steps of its own in that kernel (``exporter``), which the notebook
never shows and the kernel's history never records:

1. before the cell, the values test k reads leave the kernel as that step's one output message: what
   the judge gets for test k is fixed then, and a message of any other step or cell never counts;
2. the judge (``session``) runs test k, visible and hidden parts, on them; each call it makes to a
   student's callable is made in the kernel, by another step, with arguments and result as data;
3. the cell runs, as the student sees it;
4. when the judge corrected the section's answers (the section was lost and later ones need them),
   a last step sets them in the kernel, as data (a function as the solution's own).

Hidden test code never enters the kernel: only values cross, both ways. The results are in
:attr:`SealedExecute.results` (and, given ``verdict_file``, written there) once the notebook has run,
the tests its kernel never reached judged on nothing.
"""

from __future__ import annotations

import base64
import json
import queue
import time
from dataclasses import dataclass, field
from pathlib import Path

from nbclient.exceptions import DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Dict, Unicode

from ..executed import is_test
from ..outcomes import TestResult
from ..sandbox.client import Limits
from . import exporter, plaindata
from .session import Judged, JudgeSession, MemoStore
from .spec import without_hidden
from .transcript import Transcript, referenced

BROKEN = "the grader's steps failed in your kernel (did the notebook change _mlk?)"
TOO_LARGE = "what your notebook sent for a test was too large to grade"


def boot_source() -> str:
    """The grader's first step: the exporter, from this package's own source."""
    sources = [("_mlk_plaindata", Path(plaindata.__file__).read_text()),
               ("_mlk_exporter", Path(exporter.__file__).read_text())]
    return ("def _mlk_boot(sources):\n"
            "    import sys, types\n"
            "    for name, text in sources:\n"
            "        module = types.ModuleType(name)\n"
            "        sys.modules[name] = module\n"
            "        exec(compile(text, name, 'exec'), module.__dict__)\n"
            "    return sys.modules['_mlk_exporter'].Exporter()\n\n\n"
            f"_mlk = _mlk_boot({sources!r})\n"
            "del _mlk_boot\n")


@dataclass
class Verdict:
    """What the judge gave a run: one result per test, in the spec's order, and the leaderboard."""

    tests: list[TestResult]
    visible: dict[str, float] = field(default_factory=dict)
    """Each test's visible part alone, as the judge scored it: what the student's kernel should show."""
    leaderboard: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"tests": [t.to_dict() for t in self.tests], "visible": self.visible, "leaderboard": self.leaderboard,
                "notes": self.notes}

    @classmethod
    def from_dict(cls, data: dict) -> Verdict:
        return cls([TestResult(**t) for t in data["tests"]], dict(data.get("visible", {})),
                   dict(data.get("leaderboard", {})), list(data.get("notes", [])))


class StripHiddenTests(NbGraderPreprocessor):
    """Remove the hidden part of every test cell: the student's kernel runs the visible tests only.

    (Unlike nbgrader's ClearHiddenTests, it touches test cells alone, so text a student writes in an
    answer cell can neither break grading nor be cut.)
    """

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        if is_test(cell):
            cell.source = without_hidden(cell.source)
        return cell, resources


class SealedExecute(Execute):
    """nbgrader's Execute with every test sealed and judged as it runs (see the module's docstring)."""

    spec_file = Unicode("", help="the judge's spec (``spec.judge_spec``), as JSON").tag(config=True)
    judge_mode = Unicode("grade", help="grade (visible and hidden parts) or check (visible only)").tag(config=True)
    data_dir = Unicode("", help="the data folder the judge reads").tag(config=True)
    judge_limits = Dict(help="the judge's sandbox limits (``Limits.to_dict``)").tag(config=True)
    sandboxed = Bool(True, help="run the judge in the sandbox").tag(config=True)
    memo_dir = Unicode("", help="the batch's shared references (``MemoStore``); empty: none").tag(config=True)
    scratch_dir = Unicode("", help="where the judge's files go (a folder removed with the run, even when its "
                                   "process is killed); empty: the temporary folder").tag(config=True)
    verdict_file = Unicode("", help="where to write the verdict as JSON; empty: keep it in memory").tag(config=True)
    transcript_dir = Unicode("", help="where to keep what the judge got, to judge again (``transcript``); empty: "
                                      "nowhere").tag(config=True)
    blob_store = Unicode("", help="the class's store of the transcripts' blobs").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict | None = None, km=None) -> tuple[NotebookNode, dict]:
        spec = json.loads(Path(self.spec_file).read_text())
        self.tests = {test["grade_id"]: test for test in spec["tests"]}
        self.results: dict[str, TestResult] = {}
        self.visible: dict[str, float] = {}
        self.blobs: dict[str, bytes] = {}
        self.notes: list[str] = []
        self.transcript = Transcript()
        self.booted = False
        limits = Limits.from_dict(self.judge_limits)
        self.limit = limits.export_mb << 20  # base64 text: about 3/4 of that in bytes
        memo = MemoStore(Path(self.memo_dir)) if self.memo_dir else None
        with JudgeSession(spec, Path(self.data_dir), limits, self.sandboxed, self.judge_mode, memo,
                          test_seconds=float(self.timeout or 600),
                          scratch=Path(self.scratch_dir) if self.scratch_dir else None) as session:
            self.session = session
            try:
                return super().preprocess(nb, resources, km)
            finally:
                for grade_id in self.tests:  # the tests the kernel never reached: judged on nothing
                    if grade_id not in self.results:
                        self._judged(grade_id, session.judge(grade_id, None, {}, self._no_call))
                self.verdict = Verdict([self.results[g] for g in self.tests], self.visible, session.finish(),
                                       list(dict.fromkeys(self.notes)))
                if self.verdict_file:
                    Path(self.verdict_file).write_text(json.dumps(self.verdict.to_dict()))
                if self.transcript_dir:
                    self.transcript.notes = self.verdict.notes
                    self.transcript.write(Path(self.transcript_dir), Path(self.blob_store))

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        if not self.booted:
            self.booted = True
            self._step(boot_source())
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id") if is_test(cell) else None
        if grade_id not in self.tests or grade_id in self.results:
            return super().preprocess_cell(cell, resources, index)
        names = self.tests[grade_id]["names"]
        body, blobs = self._take(self._step(f"_mlk.export({grade_id!r}, {names!r}, globals())"), "export")
        self.transcript.exported(grade_id, names, body, blobs)
        self.current = grade_id
        outcome = self._judged(grade_id, self.session.judge(grade_id, body, blobs, self._call))
        cell, resources = super().preprocess_cell(cell, resources, index)
        if outcome.repairs:
            self.transcript.repaired(grade_id, outcome.repairs, outcome.blobs)
            payload = {**outcome.repairs, "blobs": exporter.pack(outcome.blobs)}
            self._step(f"_mlk.repair({json.dumps(payload)!r}, globals())")
        return cell, resources

    def _judged(self, grade_id: str, outcome: Judged) -> Judged:
        self.results[grade_id], self.visible[grade_id] = outcome.result, outcome.visible
        return outcome

    def _call(self, request: dict, blobs: dict[str, bytes]) -> tuple[str, dict[str, bytes]]:
        """Make one call the judge asks for in the kernel; the answer's text and the blobs it names."""
        payload = {key: request[key] for key in ("id", "name", "args", "kwargs", "seed") if key in request}
        payload["blobs"] = exporter.pack(blobs)
        answer, answer_blobs = self._take(self._step(f"_mlk.call({json.dumps(payload)!r})"), "answer")
        self.transcript.called(self.current, request, blobs, answer, answer_blobs)
        return answer, answer_blobs

    @staticmethod
    def _no_call(request: dict, blobs: dict[str, bytes]) -> tuple[None, dict[str, bytes]]:
        return None, {}

    def _take(self, payloads: list, step: str) -> tuple[str, dict[str, bytes]]:
        """The one message of ``step`` among a step's outputs: its text and the blobs it names.

        Anything else (none, several, malformed, blobs whose bytes are not their names') gives an empty
        text, which the judge reads as nothing sent.
        """
        ours = [p for p in payloads if isinstance(p, dict) and p.get("step") == step]
        if len(ours) != 1 or not isinstance(ours[0].get("body"), str) or not isinstance(ours[0].get("blobs"), dict):
            self.notes.append(BROKEN)
            return "", {}
        body = ours[0]["body"]
        if len(body) + sum(len(str(text)) for text in ours[0]["blobs"].values()) > self.limit:
            self.notes.append(TOO_LARGE)
            return "", {}
        for name, text in ours[0]["blobs"].items():
            try:
                data = base64.b64decode(text, validate=True)
            except (ValueError, TypeError):
                continue
            if plaindata.digest(data) == name:
                self.blobs[name] = data
        return body, referenced(body, self.blobs)

    def _step(self, code: str) -> list:
        return run_sync(self._async_step)(code)

    async def _async_step(self, code: str) -> list:
        """Run ``code`` in the kernel, out of the notebook and its history; the step messages it sent."""
        assert self.kc is not None and self.km is not None
        msg_id = self.kc.execute(code, silent=False, store_history=False, allow_stdin=False, stop_on_error=False)
        deadline = time.monotonic() + float(self.timeout or 600)
        payloads = []
        while True:
            if time.monotonic() > deadline:
                await ensure_async(self.km.interrupt_kernel())
                return []
            try:
                msg = await ensure_async(self.kc.get_iopub_msg(timeout=1))
            except queue.Empty:
                if not await ensure_async(self.km.is_alive()):
                    raise DeadKernelError("Kernel died") from None
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            content = msg["content"]
            if msg["msg_type"] == "status" and content.get("execution_state") == "idle":
                return payloads
            if msg["msg_type"] == "display_data" and exporter.MIME in content.get("data", {}):
                payloads.append(content["data"][exporter.MIME])
