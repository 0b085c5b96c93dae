"""``data fetch`` end to end: the real download path against an HTTP server on 127.0.0.1.

The server serves a zip of the small twin (whose SHA-256 goes in the URL's ``#sha256=``
fragment, as the registry allows), and can answer 404/500, cut a body short, honour or
ignore Range, and drop the connection once before serving normally.
"""

from __future__ import annotations

import hashlib
import io
import os
import socket
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from movielens_lab.data import download, loaders
from movielens_lab.data.download import DownloadError
from movielens_lab.data.fetch import fetch
from movielens_lab.data.locate import MARKER
from movielens_lab.data.registry import DATASETS
from movielens_lab.data.twin import write_twin
from movielens_lab.errors import LabError

ML1M = DATASETS["ml-1m"]


@dataclass
class Route:
    """What the server answers for one path."""

    body: bytes = b""
    status: int = 200
    ranges: bool = True
    cut_after: int = 0
    """Bytes of the body sent before the connection is dropped, in the first ``cuts`` answers."""
    cuts: int = 0


@dataclass
class Seen:
    """One request the server received, and the status it answered."""

    path: str
    range: str | None
    status: int = 0


class _Handler(BaseHTTPRequestHandler):
    server: Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        seen = Seen(self.path, self.headers.get("Range"))
        self.server.seen.append(seen)
        route = self.server.routes.get(self.path.lstrip("/"), Route(status=404))
        if route.status != 200:
            seen.status = route.status
            self.send_error(route.status)
            return
        start = int(seen.range.removeprefix("bytes=").rstrip("-")) if seen.range and route.ranges else 0
        payload = route.body[start:]
        seen.status = 206 if start else 200
        self.send_response(seen.status)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(route.body) - 1}/{len(route.body)}")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if route.cuts:
            route.cuts -= 1
            payload = payload[:route.cut_after]  # then HTTP/1.0 closes the connection
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    """A local HTTP server whose answers a test sets in ``routes``; ``seen`` lists the requests."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []

    def url(self, name: str, body: bytes | None = None) -> str:
        """Address of ``name``; with ``body``, pinned to its SHA-256 by the URL fragment."""
        url = f"http://127.0.0.1:{self.server_port}/{name}"
        return f"{url}#sha256={hashlib.sha256(body).hexdigest()}" if body is not None else url


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def twin_zip(small_twin: Path) -> bytes:
    """The small twin zipped like ml-1m.zip (members under ``ml-1m/``)."""
    return _zip({f"ml-1m/{p.name}": p.read_bytes() for p in sorted(small_twin.iterdir())})


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


def _serve_twin(server: Server, twin_zip: bytes, **route: object) -> str:
    server.routes["ml-1m.zip"] = Route(twin_zip, **route)
    return server.url("ml-1m.zip", twin_zip)


def _assert_twin_fetched(folder: Path, small_twin: Path) -> None:
    assert (folder / MARKER).is_file()
    for load in (loaders.load_ratings, loaders.load_movies, loaders.load_users):
        pd.testing.assert_frame_equal(load(folder), load(small_twin))


def _assert_nothing_trusted(data: Path) -> None:
    """No zip at its final name and no extracted folder: nothing a later run would take as verified."""
    assert not (data / "ml-1m.zip").exists()
    assert not (data / "ml-1m").exists()
    assert not [p for p in data.glob(".ml-1m-*")], "extraction temp folder left behind"


def test_success_extracts_verified_files(server, twin_zip, small_twin, data):
    folder = fetch(data_dir=data, url=_serve_twin(server, twin_zip))
    assert folder == data / "ml-1m"
    _assert_twin_fetched(folder, small_twin)
    assert (data / "ml-1m.zip").read_bytes() == twin_zip
    assert sorted(p.name for p in data.iterdir()) == ["ml-1m", "ml-1m.zip"]  # no .part, no temp folder
    assert [s.status for s in server.seen] == [200]


def test_already_present_makes_no_request(server, twin_zip, data, capsys):
    url = _serve_twin(server, twin_zip)
    fetch(data_dir=data, url=url)
    (data / "ml-1m.zip").unlink()  # "already there" rests on the extracted folder and its marker
    capsys.readouterr()
    assert fetch(data_dir=data, url=url) == data / "ml-1m"
    assert len(server.seen) == 1
    assert "already" in capsys.readouterr().out


def test_verified_zip_is_extracted_without_a_request(server, twin_zip, small_twin, data):
    url = _serve_twin(server, twin_zip)
    data.mkdir()
    (data / "ml-1m.zip").write_bytes(twin_zip)
    _assert_twin_fetched(fetch(data_dir=data, url=url), small_twin)
    assert server.seen == []


def test_unverified_folder_is_replaced(server, twin_zip, small_twin, data):
    write_twin(data_dir=data, seed=1, scale=0.01)  # a different twin, with no download marker
    _assert_twin_fetched(fetch(data_dir=data, url=_serve_twin(server, twin_zip)), small_twin)


def test_a_changed_hash_downloads_again(server, twin_zip, data):
    fetch(data_dir=data, url=_serve_twin(server, twin_zip))
    other = _zip({f"ml-1m/{name}": b"1::1::5::978300760\n" for name in ML1M.members})
    server.routes["ml-1m.zip"] = Route(other)
    folder = fetch(data_dir=data, url=server.url("ml-1m.zip", other))
    assert len(loaders.load_ratings(folder)) == 1
    assert (data / "ml-1m.zip").read_bytes() == other


def test_404_fails_at_once(server, data):
    with pytest.raises(DownloadError, match="HTTP 404") as caught:
        fetch(data_dir=data, url=server.url("missing.zip", b"x"))
    assert "--url" in str(caught.value)
    assert len(server.seen) == 1
    _assert_nothing_trusted(data)


def test_500_is_retried_then_fails(server, twin_zip, data):
    with pytest.raises(DownloadError, match=f"HTTP 500.*tried {download.ATTEMPTS} times"):
        fetch(data_dir=data, url=_serve_twin(server, twin_zip, status=500))
    assert len(server.seen) == download.ATTEMPTS
    _assert_nothing_trusted(data)


def test_truncated_body_fails_then_a_later_run_resumes(server, twin_zip, small_twin, data):
    url = _serve_twin(server, twin_zip, cut_after=1000, cuts=download.ATTEMPTS)
    with pytest.raises(DownloadError, match="cut short"):
        fetch(data_dir=data, url=url)
    _assert_nothing_trusted(data)
    part = data / "ml-1m.zip.part"
    assert part.stat().st_size == 1000 * download.ATTEMPTS  # each try resumed where the last stopped
    assert [s.range for s in server.seen] == [None] + [f"bytes={1000 * i}-" for i in range(1, download.ATTEMPTS)]
    _assert_twin_fetched(fetch(data_dir=data, url=url), small_twin)
    assert server.seen[-1].range == f"bytes={1000 * download.ATTEMPTS}-"
    assert not part.exists()


@pytest.mark.parametrize("ranges", [True, False], ids=["resumed", "server-ignores-range"])
def test_interrupted_download_is_retried(server, twin_zip, small_twin, data, ranges):
    cut = len(twin_zip) // 3
    url = _serve_twin(server, twin_zip, ranges=ranges, cut_after=cut, cuts=1)
    _assert_twin_fetched(fetch(data_dir=data, url=url), small_twin)
    assert [s.range for s in server.seen] == [None, f"bytes={cut}-"]
    assert [s.status for s in server.seen] == [200, 206 if ranges else 200]
    assert (data / "ml-1m.zip").read_bytes() == twin_zip


@pytest.mark.parametrize("pinned", [False, True], ids=["registry-hash", "pinned-hash"])
def test_checksum_mismatch_deletes_the_download(server, twin_zip, data, pinned):
    server.routes["ml-1m.zip"] = Route(twin_zip)
    url = server.url("ml-1m.zip", b"another file") if pinned else server.url("ml-1m.zip")
    expected = "SHA-256" if pinned else f"expected {ML1M.checksum.size:,}"
    with pytest.raises(DownloadError, match=f"not the expected one .*{expected}"):
        fetch(data_dir=data, url=url)
    _assert_nothing_trusted(data)
    assert not (data / "ml-1m.zip.part").exists()


def _damaged(zipped: bytes) -> bytes:
    middle = len(zipped) // 2
    return zipped[:middle] + bytes(200) + zipped[middle + 200:]


@pytest.mark.parametrize("damage", [lambda z: b"<html>not a zip</html>" * 50, _damaged],
                         ids=["not-a-zip", "damaged-member"])
def test_corrupt_zip_is_deleted(server, twin_zip, data, damage):
    body = damage(twin_zip)
    server.routes["ml-1m.zip"] = Route(body)
    with pytest.raises(DownloadError, match="not a readable zip"):
        fetch(data_dir=data, url=server.url("ml-1m.zip", body))
    _assert_nothing_trusted(data)


def test_zip_without_the_dataset_files_is_deleted(server, data):
    body = _zip({"ml-1m/README": b"no ratings here\n"})
    server.routes["ml-1m.zip"] = Route(body)
    with pytest.raises(DownloadError, match="has no ml-1m/ratings.dat, ml-1m/movies.dat, ml-1m/users.dat"):
        fetch(data_dir=data, url=server.url("ml-1m.zip", body))
    _assert_nothing_trusted(data)


def test_ml100k_layout(server, data):
    files = {"u.data": b"1\t2\t5\t881250949\n", "u.item": b"2|GoldenEye (1995)|01-Jan-1995||x" + b"|0" * 19 + b"\n",
             "u.genre": b"unknown|0\n\n", "u.user": b"1|24|M|technician|85711\n", "README": b"ml-100k\n"}
    body = _zip({f"ml-100k/{name}": text for name, text in files.items()})
    server.routes["ml-100k.zip"] = Route(body)
    folder = fetch(dataset="ml-100k", data_dir=data, url=server.url("ml-100k.zip", body))
    assert folder == data / "ml-100k"
    assert loaders.load_ratings_100k(folder).to_numpy().tolist() == [[1, 2, 5, 881250949]]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Records the downloader's backoff sleeps instead of sleeping."""
    sleeps: list[float] = []
    monkeypatch.setattr(download.time, "sleep", sleeps.append)
    return sleeps


def test_offline_connection_refused_fails_at_once(data, no_backoff):
    with pytest.raises(DownloadError, match=r"cannot reach 127\.0\.0\.1 \(connection refused\).*data twin"):
        fetch(data_dir=data, url=f"http://127.0.0.1:{_closed_port()}/ml-1m.zip")
    assert no_backoff == []  # not retried
    _assert_nothing_trusted(data)


def test_offline_name_not_resolved_fails_at_once(data, no_backoff, monkeypatch):
    def unresolvable(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unresolvable)  # also keeps this test off the network
    with pytest.raises(DownloadError, match=r"cannot reach files\.grouplens\.org \(name not resolved\)"):
        fetch(data_dir=data)  # the real GroupLens address
    assert no_backoff == []


def test_bad_url_fragment_is_a_clear_error(data):
    with pytest.raises(LabError, match="#sha256="):
        fetch(data_dir=data, url="http://127.0.0.1:1/ml-1m.zip#md5=abc")


def _cli(*args: str, cwd: Path, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MOVIELENS_DIR"}
    return subprocess.run([*prefix, sys.executable, "-m", "movielens_lab", "data", "fetch", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _assert_one_line_error(run: subprocess.CompletedProcess[str], message: str) -> None:
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.splitlines()[-1].startswith(f"error: {message}"), run.stderr


def test_cli_success_then_already_present(server, twin_zip, small_twin, tmp_path):
    url = _serve_twin(server, twin_zip)
    first = _cli("--data-dir", "d", "--url", url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    _assert_twin_fetched(tmp_path / "d" / "ml-1m", small_twin)
    again = _cli("--data-dir", "d", "--url", url, cwd=tmp_path)
    assert again.returncode == 0 and "already" in again.stdout
    assert len(server.seen) == 1


def test_cli_failure_is_one_line(server, tmp_path):
    run = _cli("--data-dir", "d", "--url", server.url("nothing-here.zip"), cwd=tmp_path)
    _assert_one_line_error(run, "http://127.0.0.1")
    assert len(run.stderr.splitlines()) == 1
    assert "HTTP 404" in run.stderr
    assert not (tmp_path / "d" / "ml-1m.zip").exists()


# We run as root, whom file modes do not stop; so these run the CLI in a private mount
# namespace (unshare) where the data folder really is read-only, or a 64 KiB tmpfs.
def _cli_in_mount(mount: str, folder: Path, url: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run ``data fetch --data-dir folder`` after ``mount`` (of "$d", the folder); also list what it left."""
    script = f'd="$1"; shift; {mount} || exit 99; "$@"; rc=$?; echo LEFT:; ls -A "$d"; exit $rc'
    folder.mkdir(parents=True, exist_ok=True)
    run = _cli("--data-dir", str(folder), "--url", url, cwd=folder.parent,
               prefix=("unshare", "--map-root-user", "--mount", "sh", "-c", script, "sh", str(folder)))
    assert run.returncode != 99, f"could not set up the mount: {run.stderr}"
    return run, run.stdout.split("LEFT:", 1)[1].split()


def test_read_only_folder(server, twin_zip, tmp_path):
    folder = tmp_path / "readonly"
    run, left = _cli_in_mount('mount --bind "$d" "$d" && mount -o remount,ro,bind "$d" "$d"',
                              folder, _serve_twin(server, twin_zip))
    _assert_one_line_error(run, f"cannot write to {folder}: it is not writable (Read-only file system); "
                                "choose a writable data folder with --data-dir or $MOVIELENS_DIR")
    assert left == []


def test_full_disk(server, twin_zip, tmp_path):
    assert len(twin_zip) > 64 * 1024
    folder = tmp_path / "full"
    run, left = _cli_in_mount('mount -t tmpfs -o size=64k tmpfs "$d"', folder, _serve_twin(server, twin_zip))
    _assert_one_line_error(run, f"cannot write to {folder}: the disk is full; free some space")
    assert left == []  # the partial .part was deleted to give the space back
