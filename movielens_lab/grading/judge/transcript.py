"""What a notebook's run gave its judge, test by test, kept to judge it again without running it.

``sealed`` records, for each test, the names it asked for, the values the kernel sent (sealed when
the test ran), every call the judge had the kernel make with its answer, and the corrected answers
sent back into the kernel. :func:`rejudge` hands the same to a judge of new tests: a call asked the
same way gets the same answer, so the verdict is the one a fresh run would give. It cannot be when
the new tests read a name the run never sent, call a student's function anew, or correct a section
differently from the run (later sections would then have run on other values): :class:`NeedsRun`
says which, and the notebook must run again.

Blobs are content-addressed: one store serves a whole class (most students send the same arrays).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ...files import atomic_write
from . import plaindata
from .session import JudgeSession

TRANSCRIPT = "transcript.json"
BLOB_REFERENCE = re.compile(r'"b": "([0-9a-f]{64})"')
"""How a node names a blob in JSON text (``plaindata``)."""


class NeedsRun(Exception):
    """The kept run cannot answer the new tests; the message says why."""


def referenced(text: str, blobs: dict[str, bytes]) -> dict[str, bytes]:
    """The blobs of ``blobs`` that JSON ``text`` names."""
    return {name: blobs[name] for name in set(BLOB_REFERENCE.findall(text)) if name in blobs}


def _canonical(message: dict) -> str:
    return json.dumps(message, sort_keys=True)


@dataclass
class Transcript:
    """One run, test by test (see the module's docstring); ``notes``: what the run's steps noted."""

    tests: dict[str, dict] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def exported(self, grade_id: str, names: list[str], body: str | None, blobs: dict[str, bytes]) -> None:
        self.tests[grade_id] = {"names": list(names), "body": body, "blobs": sorted(blobs), "calls": [],
                                "repairs": {}, "repair_blobs": []}
        self.blobs.update(blobs)

    def called(self, grade_id: str, request: dict, request_blobs: dict[str, bytes], answer: str | None,
               answer_blobs: dict[str, bytes]) -> None:
        call = {key: request[key] for key in ("name", "args", "kwargs", "seed") if key in request}
        self.tests[grade_id]["calls"].append({"request": call, "answer": answer, "blobs": sorted(answer_blobs)})
        self.blobs.update(request_blobs)
        self.blobs.update(answer_blobs)

    def repaired(self, grade_id: str, repairs: dict, blobs: dict[str, bytes]) -> None:
        self.tests[grade_id].update(repairs=repairs, repair_blobs=sorted(blobs))
        self.blobs.update(blobs)

    def write(self, folder: Path, store: Path) -> None:
        """The transcript into ``folder``; its blobs into the class's ``store`` (each once; a damaged one again)."""
        store.mkdir(parents=True, exist_ok=True)
        for name, data in self.blobs.items():
            kept = store / name
            if not kept.is_file() or kept.stat().st_size != len(data):
                atomic_write(kept, data)
        atomic_write(folder / TRANSCRIPT, json.dumps({"tests": self.tests, "notes": self.notes}))

    @classmethod
    def read(cls, folder: Path, store: Path) -> Transcript | None:
        """The transcript kept in ``folder`` (None when there is none, or it or a blob of it is damaged)."""
        try:
            data = json.loads((folder / TRANSCRIPT).read_text())
            blobs = {name: (store / name).read_bytes() for name in _names(data["tests"])}
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None
        if any(plaindata.digest(data) != name for name, data in blobs.items()):
            return None
        return cls(data["tests"], blobs, list(data.get("notes", [])))

    def handed(self, names: list[str]) -> dict[str, bytes]:
        """The blobs ``names`` (what one step of the run handed over), from this transcript's."""
        return {name: self.blobs[name] for name in names}


def _names(tests: dict) -> set[str]:
    """The blobs the run handed over, test by test: with the values the kernel sent, its answers and the
    repairs sent back. (The judge never got a blob a step did not hand over, even if a text names it.)"""
    return {str(name) for entry in tests.values()
            for name in [*entry["blobs"], *entry["repair_blobs"], *(n for c in entry["calls"] for n in c["blobs"])]}


class Replay:
    """Answers to the judge's calls of one test, as the run gave them, while it asks them the same way."""

    def __init__(self, entry: dict, transcript: Transcript) -> None:
        self.calls, self.transcript = iter(entry["calls"]), transcript

    def __call__(self, request: dict, request_blobs: dict[str, bytes]) -> tuple[str | None, dict[str, bytes]]:
        kept = next(self.calls, None)
        asked = {key: request[key] for key in ("name", "args", "kwargs", "seed") if key in request}
        if kept is None or _canonical(kept["request"]) != _canonical(asked) \
                or any(self.transcript.blobs.get(name) != data for name, data in request_blobs.items()):
            raise NeedsRun(f"a check calls {asked.get('name')} anew")
        return kept["answer"], self.transcript.handed(kept["blobs"])

    def finished(self) -> bool:
        """Whether the judge made every call the run made (each ran in the kernel, and may have changed it)."""
        return next(self.calls, None) is None


def rejudge(transcript: Transcript, spec: dict, session: JudgeSession) -> list:
    """Each test of ``spec`` judged by ``session`` on what the run gave it; raises NeedsRun when it cannot be."""
    judged = []
    for test in spec["tests"]:
        grade_id = test["grade_id"]
        entry = transcript.tests.get(grade_id)
        if entry is None:  # the run never reached it
            judged.append(session.judge(grade_id, None, {}, Replay({"calls": []}, transcript)))
            continue
        new, gone = set(test["names"]) - set(entry["names"]), set(entry["names"]) - set(test["names"])
        if new:
            raise NeedsRun(f"{grade_id} reads {', '.join(sorted(new))}, which the run never sent")
        if gone:  # the run sent them with the rest: had they made its export too large, say, a run would differ
            raise NeedsRun(f"{grade_id} no longer reads {', '.join(sorted(gone))}")
        replay = Replay(entry, transcript)
        outcome = session.judge(grade_id, entry["body"], transcript.handed(entry["blobs"]), replay)
        if not replay.finished():
            raise NeedsRun(f"{grade_id} no longer makes a call the run made in the kernel")
        if _canonical(outcome.repairs) != _canonical(entry["repairs"]) \
                or any(transcript.blobs.get(name) != data for name, data in outcome.blobs.items()):
            raise NeedsRun(f"{grade_id} corrects its section's answers otherwise (later sections ran on them)")
        judged.append(outcome)
    return judged
