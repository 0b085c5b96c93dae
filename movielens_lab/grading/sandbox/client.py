"""How a submission's kernel is started while grading: in a sandbox (issue 5).

The grader writes a kernelspec with :func:`write_kernelspec` and runs nbgrader with
``JUPYTER_PATH`` pointing at it, that kernel's name, and :func:`client_config` merged into
its config (the kernel lives in its own network namespace, so client and kernel talk over
unix sockets instead of TCP). Every kernel then starts through
``python -m movielens_lab.grading.sandbox.supervisor``, which runs it in new mount, PID,
network, IPC and UTS namespaces (util-linux ``unshare``), as a fresh unprivileged user when
grading as root (otherwise in a user namespace), with no capabilities, resource limits, and a
file system holding only the Python install, the data folder (read-only) and a private copy
of the notebook's folder. :func:`probe` says why that cannot be done here, if it cannot.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import stat
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from traitlets.config import Config

from ...config import LabGrader
from ...errors import LabError
from ...kernels import PYTHON
from . import cgroups

KERNEL_NAME = "movielens-grading"
LIMITS_REACHED = ".limits-reached"
"""In a kernel's ``workdir``: the limits its kernels reached, one plain note a line (written by the supervisor)."""
SUPERVISOR = "movielens_lab.grading.sandbox.supervisor"
PROBE_OK = "sandbox-ok"
SHUTDOWN_WAIT = 15.0
"""Seconds a client waits for a grading kernel's supervisor to end after asking the kernel to shut down."""
PYTHON_UNREADABLE = "the sandbox's user cannot read the Python install"
"""The probe's complaint when the sandbox's Python is not the grader's (its pyvenv.cfg unreadable there)."""
PROC_MOUNTS_ALLOWED = ("/proc/sys/fs/binfmt_misc",)
"""A mount under /proc that hides nothing (an empty folder kept for it): systemd's, on many machines."""


class SandboxUnavailable(LabError):
    """The sandbox cannot be set up on this machine (the message says why and what to do)."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission's kernel (and of every process it starts)."""

    memory_mb: int
    """Heap and other private writable memory of each process (RLIMIT_DATA)."""
    processes: int = 512
    """Processes and threads at once (RLIMIT_NPROC; TensorFlow alone starts dozens of threads)."""
    file_mb: int = 1024
    """Largest file a process may write (RLIMIT_FSIZE)."""
    disk_mb: int = 1024
    """Space the kernel may write in all: its working copy and its /tmp, one tmpfs (held in memory)."""
    export_mb: int = 512
    """Room for the grader's steps in the kernel: the values of one test, as they leave it for the judge."""
    wall_seconds: int | None = None
    """Wall-clock lifetime of the kernel, after which it and all it started are killed."""

    @property
    def address_space_mb(self) -> int:
        """All mappings of each process, shared ones included (RLIMIT_AS): room for TensorFlow's reservations."""
        return 4 * self.memory_mb

    @property
    def total_memory_mb(self) -> int:
        """Memory of all the kernel's processes together, its tmpfs included (a cgroup's limit, where there is one)."""
        return self.memory_mb + self.disk_mb + self.export_mb

    def to_dict(self) -> dict:
        return {**asdict(self), "address_space_mb": self.address_space_mb}

    @classmethod
    def of(cls, settings: LabGrader, wall_seconds: int | None = None) -> Limits:
        """The limits ``grader_config.py`` sets for one submission's kernel (or its judge)."""
        return cls(memory_mb=settings.memory_limit_mb, disk_mb=settings.disk_limit_mb, wall_seconds=wall_seconds)

    @classmethod
    def from_dict(cls, data: dict) -> Limits:
        return cls(**{k: v for k, v in data.items() if k != "address_space_mb"})


def kernel_argv(workdir: Path, limits: Limits, sandboxed: bool = True) -> list[str]:
    """The command that starts a grading kernel whose working folder is inside ``workdir``.

    ``sandboxed=False`` (``grade --unsafe``) keeps only the resource limits.
    """
    policy = {"workdir": str(Path(workdir).resolve()), "limits": limits.to_dict(), "sandboxed": sandboxed}
    return [PYTHON, "-m", SUPERVISOR, json.dumps(policy), "{connection_file}"]


def limits_reached(workdir: Path) -> list[str]:
    """Plain notes on the limits the kernels started for ``workdir`` reached, e.g. "disk limit reached (1024 MiB)"."""
    try:
        return list(dict.fromkeys((Path(workdir) / LIMITS_REACHED).read_text().splitlines()))
    except FileNotFoundError:
        return []


def note_limit_reached(workdir: Path, note: str) -> None:
    """Add ``note`` to what :func:`limits_reached` returns for ``workdir``."""
    with open(Path(workdir) / LIMITS_REACHED, "a", encoding="utf-8") as fh:
        fh.write(note + "\n")


def memory_bound_note(sandboxed: bool = True) -> str | None:
    """Why a submission's memory is bounded only per process here, else None (one total per submission)."""
    if sandboxed and cgroups.parents():
        return None
    why = ("no writable cgroup hierarchy: grade as root where cgroup v2, or v1's memory controller, is writable"
           if sandboxed else "--unsafe")
    return f"submissions' memory is bounded per process only, not in total ({why})"


def write_kernelspec(jupyter_path: Path, workdir: Path, limits: Limits, sandboxed: bool = True) -> str:
    """Write a kernelspec under ``jupyter_path/kernels``; return its name.

    Run nbgrader with ``JUPYTER_PATH=jupyter_path``, ``--ExecutePreprocessor.kernel_name=<name>``
    and :func:`client_config`. The kernel's working folder (nbclient's notebook path) must be
    ``workdir`` or inside it, and ``workdir`` must hold nothing but that student's files: the
    kernel sees a private copy of its working folder, never ``workdir`` itself.
    """
    spec_dir = Path(jupyter_path) / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {"argv": kernel_argv(workdir, limits, sandboxed), "display_name": "Python 3 (grading)",
            "language": "python", "interrupt_mode": "signal"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
    return KERNEL_NAME


def client_config() -> Config:
    """nbclient/nbgrader settings for grading kernels: unix-socket (IPC) transport in a fresh folder.

    A sandboxed kernel has a network namespace of its own, where 127.0.0.1 is not the
    client's. Use one per client process (e.g. merge it into the config given to nbgrader).
    """
    config = Config()
    config.KernelManager.transport = "ipc"
    # After the kernel exits, its sandbox hands its folder back: the 5 s that jupyter_client waits
    # by default before SIGTERM and SIGKILL can be too short on a busy machine.
    config.KernelManager.shutdown_wait_time = SHUTDOWN_WAIT
    config.KernelManager.ip = str(Path(tempfile.gettempdir()) / f"mlk-{secrets.token_hex(6)}" / "kernel")
    return config


def unreadable(data_dir: Path) -> Path | None:
    """The first file or folder in ``data_dir`` that other users cannot read, if any.

    Grading as root, the kernel runs as a user of its own, who sees the data folder's entries
    (not the folder itself, which may be private) only if they are readable by others.
    """
    for folder, dirs, files in os.walk(data_dir):
        for path in [Path(folder, name) for name in dirs + files]:
            mode = path.stat().st_mode
            needed = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(mode) else 0)
            if mode & needed != needed:
                return path
    return None


@functools.cache
def _trial() -> str | None:
    """Start a real sandbox once and check, from inside, that it holds; return why not, or None."""
    with tempfile.TemporaryDirectory(prefix="mlk-probe-") as folder:
        argv = kernel_argv(Path(folder), Limits(memory_mb=1024))[:-1] + ["--probe"]
        try:
            done = _run_to_the_end(argv, cwd=folder, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as err:
            done = subprocess.CompletedProcess(argv, 1, "", str(err))
    if done.returncode == 0 and done.stdout.strip().endswith(PROBE_OK):
        return None
    lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    return lines[-1].strip() if lines else f"exit code {done.returncode}"


def _run_to_the_end(argv: list[str], cwd: str, timeout: float) -> subprocess.CompletedProcess:
    """``subprocess.run`` whose process, when this one is interrupted or stopped, is asked to end (SIGTERM: the
    supervisor then removes its sandbox and cgroup) and waited for, instead of killed."""
    with subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except BaseException:
            proc.terminate()
            try:
                proc.wait(timeout=SHUTDOWN_WAIT)
            except subprocess.TimeoutExpired:
                proc.kill()
            raise
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def proc_masks(mountinfo: Path = cgroups.MOUNTINFO) -> list[str]:
    """The mounts over parts of /proc (a container runtime's masking: /proc/kcore, /proc/sys, ...). While there is
    one, a user namespace may not mount a /proc of its own (the kernel's rule: only where /proc is fully visible)."""
    points = [line.split()[4] for line in mountinfo.read_text().splitlines()]
    return [p for p in points if p.startswith("/proc/") and p not in PROC_MOUNTS_ALLOWED]


def _fix(reason: str) -> str:
    """What to do about the sandbox failing for ``reason``."""
    unsafe = "or pass --unsafe to run student code without it, as you"
    if "mount proc" in reason and (masks := proc_masks()):
        shown = ", ".join(masks[:4]) + (", ..." if len(masks) > 4 else "")
        return (f"/proc is masked here ({shown}: a container runtime's default), so the sandbox's user namespace "
                "cannot mount a /proc of its own: unmask it (Kubernetes: the pod's procMount: Unmasked with "
                "hostUsers: false, as deploy/kubernetes/shards.yaml sets; Docker: --security-opt "
                f"systempaths=unconfined; Podman: --security-opt unmask=ALL), {unsafe}")
    if PYTHON_UNREADABLE in reason:
        return f"make it readable by other users (chmod -R o+rX {sys.prefix}), {unsafe}"
    return ("grade as root or where unprivileged user namespaces are enabled, with util-linux's unshare, setpriv "
            f"and pivot_root, {unsafe}")


def probe(data_dir: Path | None = None) -> str | None:
    """Why the sandbox cannot be set up here (one line, the CLI's error, with what to do), or None when it can.

    Grading as root, also checks that the sandbox's user can read the data folder ``data_dir``.
    """
    reason = _trial()
    if reason is not None:
        return f"the grading sandbox cannot be set up here ({reason}); {_fix(reason)}"
    bad = unreadable(Path(data_dir)) if data_dir is not None and os.geteuid() == 0 else None
    if bad is not None:
        return (f"the grading sandbox's user cannot read {bad} in the data folder; make it readable by others "
                f"(chmod -R o+rX {data_dir}) or pass --unsafe")
    return None


def require_sandbox(data_dir: Path | None = None) -> None:
    """Raise :class:`SandboxUnavailable` when :func:`probe` finds the sandbox cannot be set up."""
    reason = probe(data_dir)
    if reason is not None:
        raise SandboxUnavailable(reason)
