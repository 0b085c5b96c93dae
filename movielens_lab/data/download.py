"""Download one file: verified, atomic and resumable, with a progress bar.

The issue asks for pooch unless there is a reason not to. pooch verifies a hash and
renames a temporary file into place, but it cannot resume an interrupted download, which
the developers' guide requires ("checksum verified, atomic, resumable, with a progress
bar"). So this is a small requests-based downloader in pooch's manner:

- it streams to ``NAME.part`` beside the final file, with a ``tqdm.auto`` progress bar;
- a ``.part`` left by an interrupted try or run is resumed with an HTTP Range request
  when the server honours it, and started over when it does not;
- a broken connection, a cut-short body or an HTTP 5xx is retried (``ATTEMPTS`` tries
  in all, with a short backoff); a 4xx is not;
- being offline (name not resolved, connection refused, connect timeout) fails at
  once, so a caller can fall back to offline data without a long wait;
- the ``.part`` is checked (size, SHA-256, MD5) and only then renamed to the final name
  with ``os.replace``: a file at the final name has always been verified. A ``.part``
  that fails the check, or that could not be written, is deleted.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests
from tqdm.auto import tqdm
from urllib3.exceptions import NewConnectionError

from ..errors import LabError
from .registry import Checksum

ATTEMPTS = 3
BACKOFF = 0.5
"""Seconds to wait before the second try; doubled before each later one."""
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
CHUNK = 1 << 16
_OFFLINE_FIX = ("connect to the internet and run the command again, "
                "or work offline with the twin (`python -m movielens_lab data twin`)")


class DownloadError(LabError):
    """The file could not be obtained from the network: unreachable, refused, or not the expected file."""


class _Retry(Exception):
    """A failure another try may cure; its message says what happened."""


def download(url: str, dest: Path, checksum: Checksum) -> Path:
    """Make ``dest`` the verified file from ``url``; no request when it already verifies.

    Raises DownloadError for network and verification failures; OSError from writing
    the folder propagates (the ``.part`` deleted) for the caller to explain.
    """
    dest = Path(dest)
    if dest.is_file():
        if _mismatch(dest, checksum) is None:
            return dest
        dest.unlink()
    part = dest.with_name(dest.name + ".part")
    failure: _Retry | None = None
    for attempt in range(ATTEMPTS):
        if attempt:
            time.sleep(BACKOFF * 2 ** (attempt - 1))
        try:
            _transfer(url, part, checksum.size)
            break
        except _Retry as err:
            failure = err
        except OSError:  # the folder, not the network (requests' errors never get here)
            with contextlib.suppress(OSError):
                part.unlink(missing_ok=True)
            raise
    else:
        raise DownloadError(f"{failure} (tried {ATTEMPTS} times); check your connection and run the "
                            "command again later: it resumes where this run stopped")
    problem = _mismatch(part, checksum)
    if problem:
        part.unlink()
        raise DownloadError(f"the file from {url} is not the expected one ({problem}); it was deleted: "
                            "check the address given with --url, or run the command again to download afresh")
    os.replace(part, dest)
    return dest


def _transfer(url: str, part: Path, size: int | None) -> None:
    """One try: fetch the rest of ``part`` (all of it when the server ignores Range)."""
    offset = part.stat().st_size if part.exists() else 0
    if size is not None and offset >= size:
        if offset == size:
            return
        offset = 0  # longer than the file: not a prefix of it
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        response = requests.get(url, headers=headers, stream=True, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
    except requests.RequestException as err:
        why = _offline(err)
        if why:
            raise DownloadError(f"cannot reach {urlsplit(url).hostname} ({why}); {_OFFLINE_FIX}") from None
        raise _Retry(f"the request to {url} failed ({type(err).__name__})") from None
    # Keep the bytes of a body cut short (urllib3 would drop its last read); the length check
    # at the end sees the cut, and the next try resumes after those bytes.
    response.raw.enforce_content_length = False
    with response:
        status = f"{url} answered HTTP {response.status_code} {response.reason}"
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise _Retry(status)
        if response.status_code == 416:  # our offset is past the file's end: start over
            part.unlink()
            raise _Retry(status)
        if response.status_code >= 400:
            raise DownloadError(f"{status}; check the address (--url), or try again later")
        if offset and not (response.status_code == 206 and _range_start(response) == offset):
            offset = 0  # the server ignored the Range header: start over
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length and length.isdigit() else size
        with open(part, "ab" if offset else "wb") as out, \
                tqdm(total=total, initial=offset, unit="B", unit_scale=True, unit_divisor=1024,
                     desc=part.name.removesuffix(".part")) as bar:
            try:
                for chunk in response.iter_content(CHUNK):
                    out.write(chunk)
                    bar.update(len(chunk))
            except requests.RequestException:
                pass  # a broken stream shows as missing bytes, just below
    received = part.stat().st_size
    if total is not None and received < total:
        raise _Retry(f"the download from {url} was cut short at {received:,} of {total:,} bytes")


def _offline(err: requests.RequestException) -> str | None:
    """Why the connection could not even be made (the machine looks offline), else None."""
    if isinstance(err, requests.ConnectTimeout):
        return "connection timed out"
    reason = getattr(err.args[0], "reason", None) if err.args else None
    if isinstance(reason, NewConnectionError):
        return "name not resolved" if "resolution" in type(reason).__name__.lower() else "connection refused"
    return None


def _range_start(response: requests.Response) -> int | None:
    """Where a 206 response's ``Content-Range: bytes START-END/TOTAL`` starts."""
    value = response.headers.get("Content-Range", "")
    start = value.removeprefix("bytes ").split("-", 1)[0]
    return int(start) if start.isdigit() else None


def file_hashes(path: Path) -> tuple[str, str]:
    """SHA-256 and MD5 of a file, in one read."""
    sha256, md5 = hashlib.sha256(), hashlib.md5()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            sha256.update(block)
            md5.update(block)
    return sha256.hexdigest(), md5.hexdigest()


def _mismatch(path: Path, checksum: Checksum) -> str | None:
    """How ``path`` differs from ``checksum``, or None when it matches."""
    size = path.stat().st_size
    if checksum.size is not None and size != checksum.size:
        return f"{size:,} bytes, expected {checksum.size:,}"
    sha256, md5 = file_hashes(path)
    if sha256 != checksum.sha256:
        return f"SHA-256 {sha256}, expected {checksum.sha256}"
    if checksum.md5 and md5 != checksum.md5:
        return f"MD5 {md5}, expected {checksum.md5}"
    return None
