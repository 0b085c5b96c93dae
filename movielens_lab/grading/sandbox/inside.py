"""Inside the sandbox's new namespaces: build its file system, set its limits, drop privileges, exec.

``python -m movielens_lab.grading.sandbox.inside PLAN.json`` runs as the first process (PID 1)
of the namespaces that ``unshare`` made (root there, or root of a new user namespace). It
mounts a fresh root holding only what the plan names, pivots into it, then starts the
kernel as its child with the resource limits, through ``setpriv`` (util-linux), which drops to
the plan's user, clears every capability, sets no_new_privs and execs the kernel. Each failure is one line on stderr
and exit code 125 (the supervisor reports it).

All the kernel can write (its working copy, /tmp) lies in one tmpfs of the disk limit. When the
kernel ends, this process kills what it left running, then hands the working copy back to the
supervisor's folder, with a mark when that space ended full.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1, 2, 4, 8, 32, 4096, 16384, 1 << 18)
MNT_DETACH = 2
PR_SET_DUMPABLE = 4
OLD_ROOT = ".old_root"
FAILED = 125
SCRATCH = "scratch"
DISK_FULL = "disk-full"
"""Left in the sandbox's folder when the kernel ended with its writable space full (the supervisor reports it)."""
INODES_PER_MB = 64
"""Files and folders the writable space may hold, per MiB of it (each costs kernel memory outside its size)."""

_libc = ctypes.CDLL(None, use_errno=True)


class SetupError(Exception):
    """A step of the set-up failed; the message says which."""


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise SetupError(f"{what}: {os.strerror(errno)}")


def mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    """mount(2)."""
    _check(_libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None,
                       ctypes.c_ulong(flags), data.encode() if data else None),
           f"mount {source} on {target}")


def _locked_flags(path: str) -> int:
    """Flags a read-only remount must keep (a user namespace may not clear them)."""
    keep = {os.ST_NOSUID: MS_NOSUID, os.ST_NODEV: MS_NODEV, os.ST_NOEXEC: MS_NOEXEC,
            os.ST_NOATIME: 1024, os.ST_NODIRATIME: 2048, os.ST_RELATIME: 1 << 21}
    flags = os.statvfs(path).f_flag
    return sum(ms for st, ms in keep.items() if flags & st)


def _make_target(target: Path, like: Path) -> None:
    if like.is_dir():
        target.mkdir(parents=True, exist_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch(exist_ok=True)


def _bind(source: str, target: Path, writable: bool, device: bool = False) -> None:
    _make_target(target, Path(source))
    mount(source, str(target), None, MS_BIND)
    flags = MS_REMOUNT | MS_BIND | MS_NOSUID | _locked_flags(str(target))
    if not device:
        flags |= MS_NODEV
    if not writable:
        flags |= MS_RDONLY
    mount("none", str(target), None, flags)


def chown_tree(folder: Path, uid: int) -> None:
    """Give ``folder`` and everything in it to ``uid`` (symlinks themselves, not what they point to)."""
    os.chown(folder, uid, uid, follow_symlinks=False)
    for parent, dirs, files in os.walk(folder):
        for name in dirs + files:
            os.chown(os.path.join(parent, name), uid, uid, follow_symlinks=False)


def mount_scratch(plan: dict) -> Path:
    """The kernel's writable space: one tmpfs of the disk limit, outside the new root (its folders are bound in)."""
    scratch = Path(plan["base"]) / SCRATCH
    scratch.mkdir()
    size = plan["limits"]["disk_mb"]
    mount("tmpfs", str(scratch), "tmpfs", MS_NOSUID | MS_NODEV,
          f"size={size}m,nr_inodes={size * INODES_PER_MB},mode=0700")
    return scratch


def scratch_folder(scratch: Path, index: int, entry: dict, uid: int | None) -> Path:
    """A folder of the writable space for ``entry``: a copy of its source folder, or an empty one of its mode."""
    folder = scratch / str(index)
    if "source" in entry:
        shutil.copytree(entry["source"], folder, symlinks=True, copy_function=shutil.copyfile)
        if uid is not None:
            chown_tree(folder, uid)
    else:
        folder.mkdir()
        folder.chmod(int(entry["mode"], 8))
    return folder


def build_root(root: Path, plan: dict) -> None:
    """Mount the new root at ``root``: tmpfs, read-only binds, the writable folders, /dev, /proc."""
    mount("none", "/", None, MS_REC | MS_PRIVATE)
    mount("tmpfs", str(root), "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=0755")
    scratch = mount_scratch(plan)
    for link, to in plan["symlinks"].items():
        os.symlink(to, root / link.lstrip("/"))
    for index, entry in enumerate(plan["mounts"]):
        target = root / entry["target"].lstrip("/")
        if entry["kind"] == "scratch":
            _bind(str(scratch_folder(scratch, index, entry, plan["uid"])), target, writable=True)
        elif entry["kind"] == "tmpfs":
            target.mkdir(parents=True, exist_ok=True)
            mount("tmpfs", str(target), "tmpfs", MS_NOSUID | MS_NODEV, f"size={entry['size_mb']}m,mode={entry['mode']}")
        else:
            _bind(entry["source"], target, entry["kind"] == "rw")
    for entry in plan["mounts"]:
        if entry["kind"] == "tmpfs" and entry.get("readonly"):  # only now: its entries are mounted
            mount("none", str(root / entry["target"].lstrip("/")), None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    dev = root / "dev"
    dev.mkdir(exist_ok=True)
    mount("tmpfs", str(dev), "tmpfs", MS_NOSUID | MS_NOEXEC, "size=1m,mode=0755")
    for node in ("null", "zero", "full", "random", "urandom"):
        _bind(f"/dev/{node}", dev / node, writable=True, device=True)
    for name, to in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                     ("stderr", "/proc/self/fd/2")):
        os.symlink(to, dev / name)
    (dev / "shm").mkdir()
    mount("tmpfs", str(dev / "shm"), "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
    (root / "proc").mkdir(exist_ok=True)
    mount("proc", str(root / "proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)


def pivot(root: Path) -> None:
    """Make ``root`` the root directory and detach the old one entirely."""
    pivot_root = shutil.which("pivot_root", path="/usr/sbin:/sbin:/usr/bin:/bin")
    if pivot_root is None:
        raise SetupError("pivot_root (util-linux) not found")
    (root / OLD_ROOT).mkdir()
    os.chdir(root)
    done = subprocess.run([pivot_root, ".", OLD_ROOT], capture_output=True, text=True)
    if done.returncode != 0:
        raise SetupError(f"pivot_root: {done.stderr.strip()}")
    os.chdir("/")
    _check(_libc.umount2(f"/{OLD_ROOT}".encode(), MNT_DETACH), "detach the old root")
    os.rmdir(f"/{OLD_ROOT}")
    mount("none", "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


def set_limits(limits: dict) -> None:
    """The resource limits, inherited by the kernel and everything it starts."""
    mib = 1024 * 1024
    for name, value in (("RLIMIT_DATA", limits["memory_mb"] * mib), ("RLIMIT_AS", limits["address_space_mb"] * mib),
                        ("RLIMIT_NPROC", limits["processes"]), ("RLIMIT_FSIZE", limits["file_mb"] * mib),
                        ("RLIMIT_CORE", 0)):
        resource.setrlimit(getattr(resource, name), (value, value))


def drop_privileges_argv(plan: dict) -> list[str]:
    """``setpriv`` in front of the command: the plan's user, no capabilities, no_new_privs."""
    setpriv = shutil.which("setpriv", path="/usr/bin:/bin:/usr/sbin:/sbin")
    if setpriv is None:
        raise SetupError("setpriv (util-linux) not found in the sandbox")
    user = plan.get("uid")
    ids = ["--reuid", str(user), "--regid", str(user), "--clear-groups"] if user is not None else []
    return [setpriv, *ids, "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--", *plan["argv"]]


def run_kernel(plan: dict, command: list[str]) -> int:
    """Stay as the namespace's PID 1 (keeping the parent-death signal of ``unshare --kill-child``) while the
    kernel runs as a child.

    Setting another user would clear the parent-death signal, so this process keeps its
    identity and only the child drops privileges; when the child ends, this process
    returns its status and the kernel of the OS kills whatever else is left in the namespace.
    """
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    child = os.fork()
    if child == 0:
        try:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_DFL)
            set_limits(plan["limits"])
            os.execve(command[0], command, plan["env"])
        except OSError as err:
            print(f"sandbox set-up failed: cannot start {command[-1]!r}: {err}", file=sys.stderr)
        os._exit(FAILED)
    while True:
        pid, status = os.wait()
        if pid == child:
            return os.waitstatus_to_exitcode(status)


def end_the_rest() -> None:
    """Kill every other process of the namespace (this is its PID 1) and reap them: nothing writes any more."""
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass
    while True:
        try:
            os.wait()
        except ChildProcessError:
            return


def hand_back(plan: dict, base: int) -> None:
    """Tell the supervisor, through the sandbox's folder (open as ``base``), whether the writable space
    ended full, and put each copied folder back there as the kernel left it (pipes and sockets left out)."""
    host = Path(f"/proc/self/fd/{base}")
    copies = [entry for entry in plan["mounts"] if entry["kind"] == "scratch"]
    space = os.statvfs(copies[0]["target"])
    if space.f_bavail == 0 or space.f_favail == 0:
        (host / DISK_FULL).touch()
    for entry in (e for e in copies if "source" in e):
        back = host / Path(entry["source"]).relative_to(plan["base"])
        shutil.rmtree(back, ignore_errors=True)
        try:
            shutil.copytree(entry["target"], back, symlinks=True, copy_function=shutil.copyfile)
        except (OSError, shutil.Error, RecursionError):
            print(f"sandbox: part of {entry['target']} was not kept (special files, or no room)", file=sys.stderr)


def main(argv: list[str]) -> int:
    plan = json.loads(Path(argv[0]).read_text())
    _libc.prctl(PR_SET_DUMPABLE, 0)  # the kernel may not ptrace or read this process (it keeps privileges)
    try:
        root = Path(plan["root"])
        build_root(root, plan)
        base = os.open(plan["base"], os.O_RDONLY | os.O_DIRECTORY)  # not inherited by the kernel
        pivot(root)
        os.chdir(plan["cwd"])
        command = drop_privileges_argv(plan)
    except (SetupError, OSError) as err:
        print(f"sandbox set-up failed: {err}", file=sys.stderr)
        return FAILED
    code = run_kernel(plan, command)
    end_the_rest()
    hand_back(plan, base)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
