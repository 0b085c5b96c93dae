"""The grading kernelspec's command: ``python -m movielens_lab.grading.sandbox.supervisor POLICY CONNECTION_FILE``.

Runs outside the sandbox, as the grader, and supervises one kernel:

1. copies the kernel's working folder (its cwd, inside the policy's ``workdir``) to a private
   folder, which the kernel sees at the same path (in its writable space, a tmpfs of the disk
   limit): nothing it writes reaches the grader;
2. gives the kernel a private folder for its unix sockets, linked from where the client
   connects, and a copy of its connection file;
3. starts ``unshare`` (new mount, PID, network, IPC and UTS namespaces, plus a user namespace
   when not root) running ``inside``, which builds the kernel's file system and starts it,
   in a cgroup of its own with a total memory and process limit where it can make one (``cgroups``);
4. kills the whole namespace when asked to stop (SIGTERM, which it also gets when its parent,
   the client, dies: ``lifetime``) or when the wall-clock limit passes; notes the disk or memory
   limit in the policy's ``workdir`` when the kernel reached it (``client.limits_reached``); and
   removes the private folders and the cgroup, and the client's connection file when the client
   was killed (it cannot remove it then).

With ``--probe`` instead of a connection file it runs a check inside the sandbox instead of a
kernel (``client.probe``). With an unsandboxed policy (``grade --unsafe``) it only sets the
resource limits on the kernel.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ...kernels import PYTHON, QUIET_ENV, QUIET_KERNEL_ARGS
from ...paths import DATA_ENV
from .cgroups import Cgroup, CgroupError
from .client import PROBE_OK, PYTHON_UNREADABLE, Limits, note_limit_reached
from .inside import DISK_FULL, FAILED, chown_tree, set_limits
from .lifetime import die_with_parent

SYSTEM_DIRS = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc")
ENV_KEEP = {"PATH", "LANG", "LANGUAGE", "TZ", "TERM", DATA_ENV, "PYTHONHASHSEED", "PYTHONWARNINGS",
            "MPLBACKEND", "OMP_NUM_THREADS", "CUDA_VISIBLE_DEVICES"}
ENV_KEEP_PREFIXES = ("LC_", "TF_", "KMP_")
PORTS = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
UID_BASE = 1_600_000_000
"""Grading as root, each kernel runs as user ``UID_BASE + supervisor pid``: unused, unprivileged, its own."""
INSIDE = "movielens_lab.grading.sandbox.inside"
SOCKET_PATH_MAX = 107
POLL_SECONDS = 0.1
CLIENT_WAIT = 5
"""Seconds a supervisor told to stop waits for its client to end too (and then removes its connection file)."""

PROBE_CODE = f"""
import errno, os, socket, sys
assert sys.prefix == {sys.prefix!r}, "{PYTHON_UNREADABLE} {sys.prefix} (it ran as " + sys.prefix + ")"
assert not os.path.exists(sys.argv[1]), "the grader's files are visible"
assert len([p for p in os.listdir("/proc") if p.isdigit()]) <= 3, "host processes are visible"
try:
    socket.create_connection(("127.0.0.1", 9), timeout=1)
except OSError as err:
    assert err.errno == errno.ENETUNREACH, "the network is reachable"
with open("/proc/self/status") as status:
    caps = [line for line in status if line.startswith("CapEff:")][0].split()[1]
assert int(caps, 16) == 0, "capabilities kept"
print({PROBE_OK!r})
"""


class LaunchError(Exception):
    """The kernel cannot be started as asked; the message says why."""


def kernel_env(environ: dict[str, str]) -> dict[str, str]:
    """The kernel's environment: only harmless settings of the grader's (no tokens, no paths to its files)."""
    env = {k: v for k, v in environ.items() if k in ENV_KEEP or k.startswith(ENV_KEEP_PREFIXES)}
    # JPY_PARENT_PID=1: ipykernel neither polls its parent (outside the namespace) nor prints a console banner.
    return {**env, **QUIET_ENV, "HOME": "/tmp", "TMPDIR": "/tmp", "PYTHONNOUSERSITE": "1", "JPY_PARENT_PID": "1"}


def readonly_mounts(environ: dict[str, str]) -> tuple[dict[str, str], list[dict]]:
    """System folders (symlinks kept as symlinks), the Python install and the data folder, read-only."""
    symlinks, sources = {}, []
    for name in SYSTEM_DIRS:
        path = Path("/") / name
        if path.is_symlink():
            symlinks[str(path)] = os.readlink(path)
        elif path.is_dir():
            sources.append(path)
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        sources.append(Path(prefix).resolve())
    mounts = [{"kind": "ro", "source": str(s), "target": str(s)} for s in dict.fromkeys(sources)]
    data = environ.get(DATA_ENV)
    if data and Path(data).is_dir():
        mounts += data_mounts(Path(data).absolute())
    return symlinks, mounts


def data_mounts(data: Path) -> list[dict]:
    """The data folder, read-only: its entries bound into a fresh folder at its path.

    So a private data folder (mode 0700, like a temporary folder) does not hide its
    readable entries from the sandbox's user; nothing written there later appears.
    """
    folder = {"kind": "tmpfs", "target": str(data), "size_mb": 1, "mode": "0755", "readonly": True}
    return [folder, *({"kind": "ro", "source": str(entry.resolve()), "target": str(entry)} for entry in data.iterdir())]


class Sandbox:
    """One kernel's sandbox: its private folders, its namespaces, and their clean-up."""

    def __init__(self, workdir: Path, limits: Limits, parent: int) -> None:
        self.limits = limits
        self.parent = parent
        self.cwd = Path.cwd().resolve()
        workdir = workdir.resolve()
        if self.cwd != workdir and workdir not in self.cwd.parents:
            raise LaunchError(f"the kernel's folder {self.cwd} is not inside the grading folder {workdir}")
        self.base = Path(tempfile.mkdtemp(prefix=".sandbox-", dir=workdir))
        self.uid = UID_BASE + os.getpid() if os.geteuid() == 0 else None
        self.links: list[Path] = []
        self.ipc_folder: Path | None = None
        self.proc: subprocess.Popen | None = None
        self.cgroup: Cgroup | None = None
        self.stop = False
        self.supervisor = os.getpid()

    def private_copy(self) -> dict:
        """The kernel's working folder: a private copy, seen at the real folder's path.

        The kernel writes it in its writable space (``inside``); when the kernel ends,
        the copy here is what it left.
        """
        work = self.base / "work"
        shutil.copytree(self.cwd, work, symlinks=True,
                        ignore=lambda folder, names: [n for n in names if n.startswith(".sandbox-")])
        return {"kind": "scratch", "source": str(work), "target": str(self.cwd)}

    def sockets(self, connection_file: Path) -> tuple[dict, Path]:
        """A private socket folder linked from the client's; return its mount and the kernel's connection file."""
        info = json.loads(connection_file.read_text())
        if info.get("transport") != "ipc" or not os.path.isabs(info.get("ip", "")):
            raise LaunchError("a sandboxed kernel needs the IPC transport with an absolute path: merge "
                              "movielens_lab.grading.sandbox.client.client_config() into the client's config")
        prefix = Path(info["ip"])
        folder = prefix.parent
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(folder)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
            raise LaunchError(f"socket folder {folder} is not a folder of the grader's own")
        self.ipc_folder = folder
        private = self.base / "ipc"
        private.mkdir()
        for key in PORTS:
            link = folder / f"{prefix.name}-{info[key]}"
            if len(str(link)) > SOCKET_PATH_MAX:
                raise LaunchError(f"socket path {link} is longer than {SOCKET_PATH_MAX} bytes; use a shorter TMPDIR")
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(private / link.name)
            self.links.append(link)
        inner = private / "connection.json"
        shutil.copyfile(connection_file, inner)
        inner.chmod(0o600)
        return {"kind": "rw", "source": str(private), "target": str(folder)}, folder / inner.name

    def plan(self, command: list[str], mounts: list[dict], environ: dict[str, str]) -> Path:
        """Write what ``inside`` does in the sandbox; return the file."""
        symlinks, readonly = readonly_mounts(environ)
        workdir = self.base.parent
        for mount in readonly:
            if "source" in mount and Path(mount["source"]) in (workdir, *workdir.parents):
                raise LaunchError(f"{mount['source']} would show the kernel the grading folder {workdir}; "
                                  "keep the data folder and the Python install apart from it")
        tmp = {"kind": "scratch", "target": "/tmp", "mode": "1777"}
        everything = sorted([*readonly, tmp, *mounts], key=lambda m: len(Path(m["target"]).parts))
        (self.base / "root").mkdir()
        plan = {"root": str(self.base / "root"), "base": str(self.base), "symlinks": symlinks, "mounts": everything,
                "cwd": str(self.cwd), "uid": self.uid, "limits": self.limits.to_dict(), "argv": command,
                "env": kernel_env(environ)}
        self.plan_file.write_text(json.dumps(plan))
        return self.plan_file

    @property
    def plan_file(self) -> Path:
        return self.base / "plan.json"

    def run(self, command: list[str], mounts: list[dict]) -> int:
        """Run ``command`` in the sandbox until it ends or must stop; return its exit code."""
        plan = self.plan(command, mounts, dict(os.environ))
        if self.uid is not None:
            for mount in mounts:
                if mount["kind"] == "rw":
                    chown_tree(Path(mount["source"]), self.uid)
        unshare = shutil.which("unshare")
        if unshare is None:
            raise LaunchError("unshare (util-linux) not found")
        user = [] if self.uid is not None else ["--user", "--map-root-user"]
        argv = [unshare, *user, "--mount", "--net", "--pid", "--ipc", "--uts", "--fork", "--kill-child",
                PYTHON, "-m", INSIDE, str(plan)]
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # interrupts are for the kernel (same process group)
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stop", True))
        die_with_parent(signal.SIGTERM, self.parent)
        self.cgroup = Cgroup.create(f"movielens-lab-{os.getpid()}", self.limits.total_memory_mb, self.limits.processes)
        self.proc = subprocess.Popen(argv, env={"PATH": os.defpath, "LANG": "C.UTF-8"}, preexec_fn=self._start)
        code = self.supervise()
        self.report_limits()
        return code

    def _start(self) -> None:
        """In ``unshare``, before it runs: die with the supervisor, join the submission's cgroup."""
        die_with_parent(signal.SIGKILL, self.supervisor)
        if self.cgroup is not None:
            self.cgroup.join()

    def report_limits(self) -> None:
        """Note the limits the submission reached in the grading folder, where the grader reads them."""
        if (self.base / DISK_FULL).exists():
            note_limit_reached(self.base.parent, f"disk limit reached ({self.limits.disk_mb} MiB)")
        if self.cgroup is not None and self.cgroup.oom_killed():
            note_limit_reached(self.base.parent, f"memory limit reached ({self.limits.total_memory_mb} MiB in all)")

    def supervise(self) -> int:
        """Wait for the sandbox; kill it all when told to stop (the client too is gone, maybe) or out of time."""
        assert self.proc is not None
        started, wall = time.monotonic(), self.limits.wall_seconds
        while True:
            try:
                return self.proc.wait(timeout=POLL_SECONDS)
            except subprocess.TimeoutExpired:
                pass
            if self.stop or (wall is not None and time.monotonic() - started > wall):
                self.kill()

    def kill(self) -> None:
        """Kill the namespace's first process: the OS then kills every process left in it.

        ``unshare`` exits once that is done, so the supervisor never returns while a process of
        the sandbox still runs. Before ``unshare`` has forked, killing it is enough.
        """
        assert self.proc is not None
        inits = _children(self.proc.pid)
        for init in inits:
            try:
                os.kill(init, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if not inits:
            self.proc.kill()

    def cleanup(self) -> None:
        """Remove the socket links, the private folders and the cgroup (the namespace is gone by now)."""
        if self.cgroup is not None:
            self.cgroup.remove()
        for link in self.links:
            if link.is_symlink():
                link.unlink()
        if self.ipc_folder is not None:
            try:
                self.ipc_folder.rmdir()
            except OSError:
                pass
        shutil.rmtree(self.base, ignore_errors=True)


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def kernel_command(connection_file: Path) -> list[str]:
    """ipykernel, with the output of its own process (TensorFlow's C++ log) kept out of the cells."""
    return [PYTHON, "-m", "ipykernel_launcher", "-f", str(connection_file), *QUIET_KERNEL_ARGS]


def run_unsafe(limits: Limits, parent: int, command: list[str], socket_folder: Path | None = None) -> int:
    """``--unsafe``: no isolation, only the resource limits; the command dies with this supervisor."""
    made = socket_folder is not None and not socket_folder.exists()
    if made:
        socket_folder.mkdir(mode=0o700, parents=True)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # interrupts are for the kernel (same process group)

    supervisor = os.getpid()

    def start() -> None:
        die_with_parent(signal.SIGKILL, supervisor)
        set_limits(limits.to_dict())

    proc = subprocess.Popen(command, preexec_fn=start, env={**os.environ, **QUIET_ENV})
    signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    die_with_parent(signal.SIGTERM, parent)
    try:
        return proc.wait()
    finally:
        if made:
            shutil.rmtree(socket_folder, ignore_errors=True)


def unsafe(limits: Limits, parent: int, argv: list[str]) -> int:
    """The unsandboxed supervisor: a command (``--run``) or a kernel."""
    if argv[0] == "--run":
        return run_unsafe(limits, parent, argv[1:])
    connection_file = Path(argv[0])
    info = json.loads(connection_file.read_text())
    folder = Path(info["ip"]).parent if info.get("transport") == "ipc" else None
    return run_unsafe(limits, parent, kernel_command(connection_file), folder)


def forget_client_files(parent: int, argv: list[str], wait: float = 0) -> None:
    """Remove the connection file of a client that is gone (killed: it could not remove it itself), waiting up to
    ``wait`` seconds for it to go (told to stop, a scheduler stops the client at the same time)."""
    if not argv or argv[0].startswith("--"):  # a probe or a command: no client, no connection file
        return
    deadline = time.monotonic() + wait
    while os.getppid() == parent and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
    if os.getppid() != parent:
        Path(argv[0]).unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    parent = os.getppid()
    policy = json.loads(argv[0])
    limits = Limits.from_dict(policy["limits"])
    if not policy["sandboxed"]:
        try:
            return unsafe(limits, parent, argv[1:])
        finally:
            forget_client_files(parent, argv[1:])
    sandbox = None
    try:
        sandbox = Sandbox(Path(policy["workdir"]), limits, parent)
        mounts = [sandbox.private_copy()]
        if argv[1] == "--probe":
            command = [PYTHON, "-c", PROBE_CODE, str(sandbox.plan_file)]  # outside: a file it must not see
        elif argv[1] == "--run":
            command = argv[2:]
        else:
            socket_mount, inner_file = sandbox.sockets(Path(argv[1]))
            mounts.append(socket_mount)
            command = kernel_command(inner_file)
        return sandbox.run(command, mounts)
    except (LaunchError, CgroupError, OSError) as err:
        print(f"sandbox: {err}", file=sys.stderr)
        return FAILED
    finally:
        if sandbox is not None:
            sandbox.cleanup()
        forget_client_files(parent, argv[1:], CLIENT_WAIT if sandbox is not None and sandbox.stop else 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
