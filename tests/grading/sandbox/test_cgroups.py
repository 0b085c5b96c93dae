"""Where a submission's cgroup is made: the hierarchies found from /proc/self/mountinfo and /proc/self/cgroup.

These cases use fake files; tests/grading/sandbox/test_sandbox.py grades a batch in real cgroups where
this machine has them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from movielens_lab.grading.sandbox import cgroups, client

V1 = ("35 31 0:32 / {root}/memory rw,relatime - cgroup cgroup rw,memory\n"
      "39 31 0:36 / {root}/pids rw,relatime - cgroup cgroup rw,pids\n")
V2 = "41 31 0:38 / {root}/unified rw,relatime - cgroup2 cgroup2 rw\n"


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Write fake mountinfo and cgroup files; return a function that does it and returns the parents found."""
    if os.geteuid() != 0:
        pytest.skip("cgroups are only used when grading as root")

    def found(mountinfo: str, own: str, folders: dict[str, str]) -> dict[str, Path]:
        for folder, controllers in folders.items():
            (tmp_path / folder).mkdir(parents=True, exist_ok=True)
            (tmp_path / folder / "cgroup.subtree_control").write_text(controllers)
        (tmp_path / "mountinfo").write_text(mountinfo.format(root=tmp_path))
        (tmp_path / "own").write_text(own)
        monkeypatch.setattr(cgroups, "MOUNTINFO", tmp_path / "mountinfo")
        monkeypatch.setattr(cgroups, "OWN_CGROUPS", tmp_path / "own")
        return {kind: folder.relative_to(tmp_path) for kind, folder in cgroups.parents().items()}

    return found


def test_v2_uses_the_nearest_ancestor_that_hands_memory_and_pids_down(fake):
    folders = {"unified": "cpu memory pids", "unified/user.slice": "memory pids", "unified/user.slice/s.scope": ""}
    assert fake(V2, "0::/user.slice/s.scope\n", folders) == {"v2": Path("unified/user.slice")}


def test_v1_uses_the_own_memory_and_pids_cgroups(fake):
    folders = {"memory/jobs/grader": "", "pids": ""}
    assert fake(V1, "8:pids:/\n4:memory:/jobs/grader\n0::/\n", folders) == {
        "memory": Path("memory/jobs/grader"), "pids": Path("pids")}


def test_v1_when_v2_has_no_memory_controller(fake):
    folders = {"unified": "hugetlb", "memory": "", "pids": ""}
    assert fake(V1 + V2, "8:pids:/\n4:memory:/\n0::/\n", folders) == {"memory": Path("memory"), "pids": Path("pids")}


def test_nowhere_without_a_memory_controller(fake):
    assert fake(V2, "0::/s.scope\n", {"unified": "cpu", "unified/s.scope": ""}) == {}
    assert "bounded per process only" in client.memory_bound_note()
    assert "--unsafe" in client.memory_bound_note(sandboxed=False)
