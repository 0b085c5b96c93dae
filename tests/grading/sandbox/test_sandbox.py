"""The grading sandbox: real kernels started through the grading kernelspec, attacked from inside.

Every notebook here is pure Python, so each kernel takes a second or two. The attacks use
only this machine: files the test writes, and a TCP server the test runs on 127.0.0.1.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import textwrap
import threading
import time
import uuid
import venv
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_notebook

from fixtures.submissions import CONFIG, SETTINGS, SOURCE, data_folder, filled, write
from fixtures.users import as_ordinary_user, as_root
from movielens_lab import paths
from movielens_lab.grading.course import build_course
from movielens_lab.grading.grade import grade
from movielens_lab.grading.sandbox import cgroups
from movielens_lab.grading.sandbox import client as sandbox

SECRETS = {"gradebook": "GRADEBOOK-SECRET-7f3a", "source": "HIDDEN-TEST-SECRET-91c2", "other": "BOB-ANSWER-SECRET-5d0e"}
ENV_SECRET = "GRADER-TOKEN-SECRET-2b77"


class Layout:
    """A grader's folders as the batch grader lays them out: secrets beside the student's folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.work = root / "grading" / "work" / "alice"
        self.gradebook = self.work / "gradebook.db"
        self.source = self.work / "source" / "lab" / "lab.ipynb"
        self.other = root / "grading" / "work" / "bob" / "submitted" / "bob" / "lab" / "lab.ipynb"
        self.workdir = self.work / "autograded"
        self.cwd = self.workdir / "alice" / "lab"
        self.data = root / "data"
        self.jupyter = self.work / "jupyter"
        for path, secret in ((self.gradebook, "gradebook"), (self.source, "source"), (self.other, "other")):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(SECRETS[secret])
        self.cwd.mkdir(parents=True)
        (self.cwd / "lab.ipynb").write_text("{}")
        (self.data / "ml-1m").mkdir(parents=True)
        (self.data / "ml-1m" / "ratings.dat").write_text("1::1::5::978300760\n")
        self.data.chmod(0o700)  # private, like a temporary folder: its readable entries are still lent

    def client(self, cells: list[str], limits: sandbox.Limits, **kwargs) -> tuple[NotebookClient, NotebookNode]:
        """An nbclient for ``cells`` whose kernel starts through the grading kernelspec."""
        name = sandbox.write_kernelspec(self.jupyter, self.workdir, limits)
        nb = new_notebook(cells=[new_code_cell(textwrap.dedent(c)) for c in cells])
        client = NotebookClient(nb, kernel_name=name, config=sandbox.client_config(), allow_errors=True,
                                resources={"metadata": {"path": str(self.cwd)}}, **kwargs)
        return client, nb


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Layout:
    lay = Layout(tmp_path)
    monkeypatch.setenv("JUPYTER_PATH", str(lay.jupyter))
    monkeypatch.setenv("MOVIELENS_DIR", str(lay.data))
    monkeypatch.setenv("GRADER_TOKEN", ENV_SECRET)
    return lay


@pytest.fixture
def tcp_server():
    """A TCP server on 127.0.0.1 outside the sandbox; yields its port and the connections it got."""
    got: list[str] = []

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            got.append("connected")
            self.request.sendall(b"hello")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], got
    server.shutdown()
    server.server_close()


def _text(cell: nbformat.NotebookNode) -> str:
    parts = []
    for out in cell.outputs:
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
        elif "text/plain" in out.get("data", {}):
            parts.append(out.data["text/plain"])
    return "".join(parts)


def _processes_with(token: str) -> list[int]:
    """Host PIDs whose command line holds ``token``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                if token.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _wait_until(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def _spawn_survivors(token: str) -> str:
    """Cell: start a detached process and a double-forked daemon that try to outlive the kernel."""
    return f"""
        import os, subprocess, sys, time
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "{token}"], start_new_session=True)
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", "{token}-daemon"])
            os._exit(0)
        time.sleep(0.5)
        print("spawned")
    """


def test_probe_says_the_sandbox_works_here():
    assert sandbox.probe() is None
    sandbox.require_sandbox()


def test_attacks_from_inside_all_fail(layout: Layout, tcp_server):
    port, connections = tcp_server
    with socket.create_connection(("127.0.0.1", port), timeout=5) as control:  # the server works from outside
        assert control.recv(5) == b"hello"
    assert connections == ["connected"]
    token = f"survivor-{uuid.uuid4().hex}"
    paths = {"gradebook": layout.gradebook, "source": layout.source, "other": layout.other}
    cells = [
        # 0: read the secrets by absolute path
        f"""
        paths = {json.dumps({k: str(v) for k, v in paths.items()})}
        for name, path in paths.items():
            try:
                print("LEAK", name, open(path).read())
            except OSError as err:
                print("blocked", name, type(err).__name__)
        """,
        # 1: search the whole file system for them
        f"""
        import os
        secrets = {json.dumps(list(SECRETS.values()))}
        seen, leaks = 0, []
        for folder, dirs, files in os.walk("/"):
            if folder == "/proc":
                dirs.clear()
                continue
            for name in files:
                seen += 1
                path = os.path.join(folder, name)
                if name.endswith((".db", ".ipynb", ".json", ".py")) and "site-packages" not in path:
                    try:
                        text = open(path, errors="replace").read()
                    except OSError:
                        continue
                    leaks += [path for s in secrets if s in text]
        print("files seen", seen, "LEAK" if leaks else "no secret found", leaks)
        print("ratings visible", open(os.environ["MOVIELENS_DIR"] + "/ml-1m/ratings.dat").read().startswith("1::1"))
        """,
        # 2: write next to the gradebook, into the data and the Python install; write the own folder
        f"""
        import os, sys
        for path in [{str(layout.work / "evil.txt")!r}, os.environ["MOVIELENS_DIR"] + "/evil.txt",
                     os.path.join(sys.prefix, "evil.txt"), "/evil.txt"]:
            try:
                open(path, "w").write("pwned")
                print("LEAK wrote", path)
            except OSError as err:
                print("blocked write", type(err).__name__)
        open("lab.ipynb", "w").write("forged")
        print("own folder", open("lab.ipynb").read())
        """,
        # 3: the network: the test's server on 127.0.0.1
        f"""
        import socket
        try:
            socket.create_connection(("127.0.0.1", {port}), timeout=3)
            print("LEAK connected")
        except OSError as err:
            print("blocked network", err)
        """,
        # 4: memory past the limit (and an allocation within it, which works)
        """
        ok = bytearray(64 * 2**20)
        print("64 MiB ok")
        for what in ("heap", "mmap"):
            try:
                if what == "heap":
                    hog = bytearray(600 * 2**20)
                else:
                    import mmap
                    hog = mmap.mmap(-1, 3000 * 2**20)
                print("LEAK allocated", what)
            except (MemoryError, OSError) as err:
                print("blocked", what, type(err).__name__)
        """,
        # 5: who am I, what can I see of the host
        """
        import os
        status = dict(line.split(":", 1) for line in open("/proc/self/status"))
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
        print("uid", os.getuid(), "caps", status["CapEff"].strip(), "nnp", status["NoNewPrivs"].strip(),
              "pids", len(pids), "env", os.environ.get("GRADER_TOKEN"))
        """,
        _spawn_survivors(token),
    ]
    client, nb = layout.client(cells, sandbox.Limits(memory_mb=512), timeout=60)
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        assert _wait_until(lambda: len(_processes_with(token)) == 2, 5)  # they run, while the kernel does
    out = [_text(c) for c in nb.cells]
    assert "LEAK" not in "".join(out), out
    assert out[0].count("blocked") == 3
    assert "no secret found" in out[1] and "ratings visible True" in out[1]
    assert int(out[1].split("files seen ")[1].split()[0]) > 1000  # the search did walk a real tree
    assert out[2].count("blocked write") == 4 and "own folder forged" in out[2]
    assert not (layout.work / "evil.txt").exists() and not (layout.data / "evil.txt").exists()
    assert (layout.cwd / "lab.ipynb").read_text() == "{}"  # the kernel wrote its private copy only
    assert "blocked network" in out[3] and connections == ["connected"]
    assert "64 MiB ok" in out[4] and "blocked heap MemoryError" in out[4] and "blocked mmap" in out[4]
    uid, caps, nnp, pids, env = (out[5].split()[i] for i in (1, 3, 5, 7, 9))
    assert (uid != "0" or os.geteuid() != 0) and int(caps, 16) == 0 and nnp == "1" and int(pids) <= 4
    assert env == "None"
    assert "spawned" in out[6]
    assert _wait_until(lambda: not _processes_with(token), 5), "a process outlived the kernel"
    assert not list(layout.workdir.glob(".sandbox-*")), "the private copy was left behind"


def test_kernel_and_its_processes_die_with_the_grader(layout: Layout):
    """The grader killed (as the batch does at the notebook timeout): nothing of the kernel survives."""
    token = f"orphan-{uuid.uuid4().hex}"
    script = layout.root / "client.py"
    script.write_text(textwrap.dedent(f"""
        import nbformat
        from nbclient import NotebookClient
        from movielens_lab.grading.sandbox import client as sandbox
        name = sandbox.write_kernelspec({str(layout.jupyter)!r}, {str(layout.workdir)!r}, sandbox.Limits(memory_mb=512))
        cells = [{textwrap.dedent(_spawn_survivors(token))!r}, "while True: pass"]
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
        NotebookClient(nb, kernel_name=name, config=sandbox.client_config(), timeout=600,
                       resources={{"metadata": {{"path": {str(layout.cwd)!r}}}}}).execute()
    """))
    grader = subprocess.Popen([sys.executable, str(script)], start_new_session=True)
    try:
        assert _wait_until(lambda: len(_processes_with(token)) == 2, 30), "the kernel never started its processes"
        os.killpg(grader.pid, signal.SIGKILL)
        grader.wait()
        assert _wait_until(lambda: not _processes_with(token), 5), "processes outlived the grader"
        assert _wait_until(lambda: not _processes_with(str(layout.workdir)), 5), "the kernel outlived the grader"
    finally:
        if grader.poll() is None:
            os.killpg(grader.pid, signal.SIGKILL)


def test_wall_clock_limit_kills_the_kernel(layout: Layout):
    token = f"late-{uuid.uuid4().hex}"
    client, nb = layout.client([_spawn_survivors(token), "import time; time.sleep(60)"],
                               sandbox.Limits(memory_mb=512, wall_seconds=4), timeout=60)
    started = time.monotonic()
    with pytest.raises(DeadKernelError):
        client.execute()
    assert time.monotonic() - started < 30
    assert _wait_until(lambda: not _processes_with(token), 5)


def test_interrupt_reaches_the_kernel(layout: Layout):
    """A cell past its timeout is interrupted (as nbgrader does) and the next cells still run."""
    client, nb = layout.client(["while True: pass", "print('still alive')"], sandbox.Limits(memory_mb=512),
                               timeout=3, interrupt_on_timeout=True)
    client.execute()
    assert "KeyboardInterrupt" in _text(nb.cells[0]) and "still alive" in _text(nb.cells[1])


@pytest.mark.skipif(os.geteuid() != 0, reason="not root: the kernel reads the data folder as its owner")
def test_probe_names_data_the_sandbox_cannot_read(layout: Layout):
    assert sandbox.probe(layout.data) is None
    (layout.data / "ml-1m" / "ratings.dat").chmod(0o600)
    assert f"cannot read {layout.data / 'ml-1m' / 'ratings.dat'}" in sandbox.probe(layout.data)


def test_a_kernel_outside_its_workdir_does_not_start(layout: Layout):
    """A kernel asked to run in the folder holding the gradebook refuses, saying why."""
    argv = sandbox.kernel_argv(layout.workdir, sandbox.Limits(memory_mb=512))[:-1] + ["--probe"]
    done = subprocess.run(argv, cwd=layout.work, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "is not inside the grading folder" in done.stderr
    assert sandbox.PROBE_OK not in done.stdout


PLAIN_ENV = {"PATH": os.environ["PATH"], "TMPDIR": "/tmp", "HOME": "/tmp"}


def _probe_in_subprocess(env: dict[str, str], prefix: list[str] = (), python: Path = Path(sys.executable)) -> str:
    code = "from movielens_lab.grading.sandbox.client import probe; print(probe())"
    done = subprocess.run([*prefix, str(python), "-c", code], env=env, capture_output=True, text=True, timeout=120)
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become an ordinary user (as one, "
                    "test_probe_says_the_sandbox_works_here checks it)")
def test_probe_works_in_a_user_namespace_as_an_ordinary_user():
    """Not root: the same sandbox, through an unprivileged user namespace."""
    assert _probe_in_subprocess(PLAIN_ENV, as_ordinary_user()) == "None"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to mask /proc as a container runtime does")
def test_under_a_containers_masked_proc_the_probe_names_the_cause_and_the_fix():
    """/proc masked as Docker and containerd do by default: an ordinary user's sandbox cannot mount a /proc of its
    own in its user namespace, and the probe says so and how to unmask it; grading as root (no user namespace),
    the sandbox works there."""
    said = _probe_in_subprocess(PLAIN_ENV, as_ordinary_user(masked=True))
    assert said.startswith("the grading sandbox cannot be set up here (sandbox set-up failed: mount proc on ")
    assert ": Operation not permitted); /proc is masked here (/proc/" in said and "/proc/keys" in said
    assert "procMount: Unmasked with hostUsers: false" in said and "--unsafe" in said and "\n" not in said
    assert "user namespaces" not in said.split(")", 1)[1]  # not the hint for a machine without them
    assert _probe_in_subprocess(PLAIN_ENV, as_root(masked=True)) == "None"


def test_the_kubernetes_shards_get_what_the_probe_asks_for_under_a_masked_proc():
    """deploy/kubernetes/shards.yaml: the pod's own user namespace, /proc unmasked, unshare(2) and mount(2) allowed."""
    job = yaml.safe_load((paths.CHECKOUT / "deploy" / "kubernetes" / "shards.yaml").read_text())
    pod = job["spec"]["template"]["spec"]
    assert pod["hostUsers"] is False and pod["securityContext"]["runAsUser"] != 0
    assert pod["securityContext"]["seccompProfile"]["type"] == pod["securityContext"]["appArmorProfile"]["type"] \
        == "Unconfined"
    assert [c["securityContext"]["procMount"] for c in pod["containers"]] == ["Unmasked"]


@pytest.mark.skipif(os.geteuid() != 0, reason="as root, the sandbox's user is not the Python install's owner")
def test_probe_names_a_python_install_the_sandboxs_user_cannot_read(tmp_path: Path):
    """A virtual environment of mode 0700 (made under umask 077): inside the sandbox its python would silently
    run as the base install, without the environment's packages, and every kernel would fail to start."""
    env = tmp_path / "venv"
    venv.create(env, with_pip=False, symlinks=True)
    site = next((env / "lib").glob("python3*")) / "site-packages"
    (site / "lent.pth").write_text(f"{next(p for p in sys.path if p.endswith('site-packages'))}\n"
                                   f"{Path(sandbox.__file__).parents[3]}\n")
    env.chmod(0o700)
    said = _probe_in_subprocess(PLAIN_ENV, prefix=[], python=env / "bin" / "python")
    assert said.startswith(f"the grading sandbox cannot be set up here (AssertionError: the sandbox's user cannot "
                           f"read the Python install {env} (it ran as ")
    assert said.endswith(f"make it readable by other users (chmod -R o+rX {env}), or pass --unsafe to run student "
                         "code without it, as you")
    env.chmod(0o755)
    assert _probe_in_subprocess(PLAIN_ENV, prefix=[], python=env / "bin" / "python") == "None"


def test_probe_explains_a_missing_tool():
    env = {"PATH": str(Path(sys.executable).parent), "TMPDIR": "/tmp"}
    message = _probe_in_subprocess(env)
    assert message.startswith("the grading sandbox cannot be set up here (sandbox: unshare (util-linux) not found)")
    assert "--unsafe" in message and "\n" not in message


EVIL_SQUARE = """
import os, socket, subprocess, sys
BAD, OK = "LE" + "AK", "block" + "ed"  # so that the feedback's copy of this code matches neither
up = "../../.."  # from autograded/<student>/<assignment> to the worker's course copy
targets = [f"{up}/gradebook.db", f"{up}/source/fixture_lab/fixture_lab.ipynb", f"{up}/../correct/gradebook.db",
           f"{up}/../correct/submitted/correct/fixture_lab/fixture_lab.ipynb", f"{up}/../../grades.csv",
           f"{up}/../../students/correct/results.json", f"{up}/../../course/gradebook.db", "/proc/1/environ"]
for path in targets:
    try:
        open(path, "rb").read()
        print(BAD, "read", path)
    except OSError as err:
        print(f"{OK} read", type(err).__name__)
for path in [f"{up}/evil.txt", f"{up}/../../grades.csv", f"{up}/../../evil.txt"]:
    try:
        open(path, "a").write("pwned")
        print(BAD, "wrote", path)
    except OSError as err:
        print(f"{OK} write", type(err).__name__)
try:
    socket.create_connection(("127.0.0.1", PORT), timeout=2)
    print(BAD, "connected")
except OSError as err:
    print(f"{OK} network", type(err).__name__)
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "TOKEN"], start_new_session=True)
try:
    hog = bytearray(2 * 2**30)
    print(BAD, "allocated")
except MemoryError:
    print(f"{OK} memory")
def square(x):
    return x * x
"""

EVIL_MEAN = """
import os
BAD, OK = "LE" + "AK", "block" + "ed"
found = []
for folder, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if os.path.join(folder, d) not in ("/proc", "/usr") and d != "site-packages"]
    found += [os.path.join(folder, f) for f in files if f.endswith((".db", ".ipynb", ".csv"))
              and os.path.join(folder, f) != os.path.abspath("fixture_lab.ipynb")]
print(BAD + " found" if found else f"{OK} search", found)
def mean(xs):
    return sum(xs) / len(xs)
"""


@pytest.mark.slow  # grades a whole batch
def test_batch_with_a_malicious_submission(tmp_path: Path, tcp_server):
    """Through ``grade``: every attempt fails, the attacker gets a row, the honest grades do not change."""
    port, connections = tcp_server
    token = f"batch-survivor-{uuid.uuid4().hex}"
    student = nbformat.read(build_course(tmp_path / "course", SOURCE, SETTINGS).student_notebook, as_version=4)
    honest = {"correct": filled(student), "partial": filled(student, mean="def mean(xs):\n    return sum(xs) / 3")}
    evil = filled(student, square=EVIL_SQUARE.replace("PORT", str(port)).replace("TOKEN", token), mean=EVIL_MEAN)
    rows, data = {}, data_folder(tmp_path / "data")
    for batch, subs in (("honest", honest), ("mixed", {**honest, "evil": evil})):
        for name, nb in subs.items():
            write(nb, tmp_path / batch / f"{name}.ipynb")
        assert grade(tmp_path / batch, out=tmp_path / f"out-{batch}", jobs=len(subs), data_dir=data,
                     source=SOURCE, config=CONFIG) == 0
        with open(tmp_path / f"out-{batch}" / "grades.csv", newline="", encoding="utf-8") as fh:
            rows[batch] = {row["student"]: row for row in csv.DictReader(fh)}
    for name in honest:
        assert rows["mixed"][name] == rows["honest"][name]
    assert rows["honest"]["correct"]["total"] == "5" and set(rows["mixed"]) == {"correct", "partial", "evil"}
    row = rows["mixed"]["evil"]
    assert row["status"] and row["reason"]
    feedback = (tmp_path / "out-mixed" / "students" / "evil" / "feedback.html").read_text()
    assert "LEAK" not in feedback
    executed = nbformat.read(tmp_path / "out-mixed" / "executed" / "evil.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert "LEAK" not in printed
    for what, count in (("blocked read", 8), ("blocked search", 1), ("blocked write", 3), ("blocked network", 1),
                        ("blocked memory", 1)):
        assert printed.count(what) == count, what
    assert (row["test_square"], row["test_mean"]) == ("2", "3")  # the attack's cells ended by correct answers
    assert connections == [] and not _processes_with(token)
    assert not list(tmp_path.rglob("evil.txt"))


# 128 MiB, half in its working folder, half in /tmp; its answer is defined only if nothing stopped it.
DISK_FILLER = """
written = 0
try:
    for path in ["filler0.bin", "/tmp/filler1.bin", "filler2.bin", "/tmp/filler3.bin"]:  # 128 MiB in all
        with open(path, "wb") as fh:
            for _ in range(32):
                fh.write(b"x" * 2**20)
                written += 1
finally:
    print("wrote", written, "MiB")
def square(x):
    return x * x
"""

# Processes each below the per-process limit, far above the total together; its answer is defined at the end.
MEMORY_SPAWNER = """
import os, time
children = []
for _ in range(4):  # 300 MiB each, 1.2 GiB in all: above the 1088 MiB total
    children.append(os.fork())
    if children[-1] == 0:
        hog = b"x" * (300 * 2**20)
        time.sleep(2)  # all four hold theirs at once, however slowly a busy machine forks
        os._exit(0)
print("exit codes", sorted(os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) for child in children))
def square(x):
    return x * x
"""


def _leftover_cgroups() -> list[Path]:
    """Submission cgroups whose supervisor (``movielens-lab-<its pid>``) has ended: others may be grading here."""
    return [c for parent in cgroups.parents().values() for c in parent.glob("movielens-lab-*")
            if not Path("/proc", c.name.rsplit("-", 1)[1]).exists()]


@pytest.mark.slow  # grades a whole batch
def test_batch_with_a_disk_filler_and_a_memory_spawner(tmp_path: Path):
    """Through ``grade``: each submission's writes and memory are bounded in total; the others do not notice."""
    student = nbformat.read(build_course(tmp_path / "course", SOURCE, SETTINGS).student_notebook, as_version=4)
    subs = {"correct": filled(student), "partial": filled(student, mean="def mean(xs):\n    return sum(xs) / 3"),
            "filler": filled(student, square=DISK_FILLER), "spawner": filled(student, square=MEMORY_SPAWNER)}
    for name, nb in subs.items():
        write(nb, tmp_path / "subs" / f"{name}.ipynb")
    free = shutil.disk_usage(tmp_path).free
    assert grade(tmp_path / "subs", out=tmp_path / "out", jobs=len(subs), data_dir=data_folder(tmp_path / "data"),
                 source=SOURCE, config=CONFIG) == 0
    assert abs(shutil.disk_usage(tmp_path).free - free) < 32 * 2**20  # nothing left behind
    assert not _leftover_cgroups()
    with open(tmp_path / "out" / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    scores = {name: (row["test_square"], row["test_mean"], row["test_bonus_answer"]) for name, row in rows.items()}
    assert (rows["correct"]["status"], rows["correct"]["reason"], rows["partial"]["reason"]) == ("graded", "ok", "ok")
    assert (scores["correct"], scores["partial"]) == (("2", "3", "1"), ("2", "1.5", "1"))

    def printed(name: str) -> str:
        """What the submission's cells printed (kept for the instructor in executed/, never in its feedback)."""
        executed = nbformat.read(tmp_path / "out" / "executed" / f"{name}.ipynb", as_version=4)
        return "".join(o.get("text", "") + o.get("evalue", "") for c in executed.cells for o in c.get("outputs", []))

    filler = rows["filler"]
    assert "disk limit reached (64 MiB)" in filler["reason"] and "square (OSError)" in filler["reason"]
    assert scores["filler"] == ("0", "3", "1") and "No space left on device" in printed("filler")
    assert int(re.search(r"wrote (\d+) MiB", printed("filler"))[1]) <= 64
    spawner = rows["spawner"]
    assert spawner["status"] and spawner["reason"] and "disk limit" not in spawner["reason"]
    if sandbox.memory_bound_note() is None:  # a cgroup bounds the submission's memory in all: 512 + 64 + 512 MiB
        assert (spawner["status"], spawner["reason"]) == ("graded", "memory limit reached (1088 MiB in all)")
        assert "-9" in re.search(r"exit codes \[(.*?)\]", printed("spawner"))[1]  # killed at the limit
