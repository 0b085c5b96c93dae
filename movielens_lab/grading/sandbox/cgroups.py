"""One cgroup per submission: a total memory limit and a process limit for all its processes (issue 14).

Grading as root where a cgroup hierarchy is writable (v2 with the memory and pids
controllers, or v1's memory controller, with v1's pids controller when it is mounted), the
sandbox supervisor makes a cgroup for each kernel below the grader's own (v2: below the nearest
ancestor that hands those controllers down), sets its limits, starts the sandbox in it and
removes it afterwards. No cgroup this module did not make is ever changed.
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Iterator
from pathlib import Path

MOUNTINFO = Path("/proc/self/mountinfo")
OWN_CGROUPS = Path("/proc/self/cgroup")
MIB = 1024 * 1024
REMOVE_TRIES = 500
REMOVE_PAUSE = 0.02
"""A cgroup is removed once its last processes are gone: up to 10 s (a loaded machine ends a killed kernel of
many threads slowly), trying every 20 ms."""

SETTINGS = {"v2": {"memory.max": "memory", "memory.swap.max": "swap", "pids.max": "pids"},
            "memory": {"memory.limit_in_bytes": "memory", "memory.memsw.limit_in_bytes": "memory"},
            "pids": {"pids.max": "pids"}}
"""The files that limit a submission's cgroup, per kind of hierarchy, and which limit each gets.

Swap files are absent where swap is not accounted; v1's memory+swap limit equal to the memory limit means no swap.
"""
EVENTS = {"v2": "memory.events", "memory": "memory.oom_control"}
"""The file whose ``oom_kill N`` line counts the processes killed at the memory limit."""


class CgroupError(Exception):
    """A submission's cgroup cannot be made or limited; the message says why."""


def _cgroup_mounts() -> Iterator[tuple[str, Path, str]]:
    """(kind, mount point, root within the hierarchy) of each hierarchy of interest that is mounted."""
    for line in MOUNTINFO.read_text().splitlines():
        fields = line.split()
        fstype, options = fields[fields.index("-") + 1], fields[fields.index("-") + 3].split(",")
        if fstype == "cgroup2":
            yield "v2", Path(fields[4]), fields[3]
        elif fstype == "cgroup":
            yield from ((c, Path(fields[4]), fields[3]) for c in ("memory", "pids") if c in options)


def _own_cgroups() -> dict[str, str]:
    """This process's cgroup in each hierarchy, by kind."""
    own = {}
    for line in OWN_CGROUPS.read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for kind in controllers.split(",") if controllers else ["v2"]:
            own[kind] = path
    return own


def _delegating(folder: Path, top: Path) -> Path | None:
    """The nearest of ``folder`` and its ancestors up to ``top`` that hands memory and pids down (v2)."""
    for candidate in (folder, *folder.parents):
        try:
            if {"memory", "pids"} <= set((candidate / "cgroup.subtree_control").read_text().split()):
                return candidate
        except OSError:
            pass
        if candidate == top:
            return None
    return None


def parents() -> dict[str, Path]:
    """Where a submission's cgroups can be made, by kind ("v2", or v1's "memory" and "pids"); empty when nowhere."""
    if os.geteuid() != 0:
        return {}
    own = _own_cgroups()
    found: dict[str, Path] = {}
    for kind, mount, root in _cgroup_mounts():
        if kind not in own or kind in found or not (own[kind] + "/").startswith(root.rstrip("/") + "/"):
            continue
        folder = mount / own[kind][len(root.rstrip("/")):].lstrip("/")
        folder = _delegating(folder, mount) if kind == "v2" else folder
        if folder is not None and os.access(folder, os.W_OK):
            found[kind] = folder
    if "v2" in found:
        return {"v2": found["v2"]}
    return {k: found[k] for k in ("memory", "pids") if k in found} if "memory" in found else {}


class Cgroup:
    """A submission's cgroup (one folder per hierarchy), made and limited by :meth:`create`."""

    def __init__(self, folders: dict[str, Path]) -> None:
        self.folders = folders

    @classmethod
    def create(cls, name: str, memory_mb: int, processes: int) -> Cgroup | None:
        """Make cgroup ``name``, limited to ``memory_mb`` in all (swap included) and ``processes``; None if nowhere."""
        where = parents()
        if not where:
            return None
        cgroup = cls({kind: parent / name for kind, parent in where.items()})
        values = {"memory": str(memory_mb * MIB), "swap": "0", "pids": str(processes)}
        try:
            for kind, folder in cgroup.folders.items():
                folder.mkdir(exist_ok=True)
                for setting, limit in SETTINGS[kind].items():
                    if (folder / setting).exists():
                        (folder / setting).write_text(values[limit])
        except OSError as err:
            cgroup.remove()
            raise CgroupError(f"cannot set up the submission's cgroup {err.filename or ''}: {err.strerror}") from None
        return cgroup

    def join(self) -> None:
        """Move the calling process into the cgroup (its children to come are then in it too)."""
        for folder in self.folders.values():
            (folder / "cgroup.procs").write_text("0")

    def oom_killed(self) -> bool:
        """Whether a process of the cgroup was killed for going past the memory limit."""
        kind = "v2" if "v2" in self.folders else "memory"
        try:
            lines = (self.folders[kind] / EVENTS[kind]).read_text().splitlines()
        except OSError:
            return False
        return any(line.split()[0] == "oom_kill" and int(line.split()[1]) > 0 for line in lines if line.strip())

    def remove(self) -> None:
        """Remove the cgroup, waiting briefly for its last processes to be gone."""
        for folder in self.folders.values():
            for _ in range(REMOVE_TRIES):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError as err:
                    if err.errno != errno.EBUSY:
                        break
                    time.sleep(REMOVE_PAUSE)
