"""Reading a submissions folder or zip entry by entry: one bad entry never stops the others, memory stays bounded."""

from __future__ import annotations

import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from fixtures.hostile import PEAK_KIB, zip_of
from movielens_lab.grading.submissions.intake import notebook_files
from movielens_lab.grading.submissions.rebuild import InputLimits, InvalidSubmission


def _member(data: bytes, crc: int | None = None) -> tuple[bytes, int, int]:
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    return deflate.compress(data) + deflate.flush(), zlib.crc32(data) if crc is None else crc, len(data)


def test_a_name_flagged_utf8_that_is_not_is_read_and_noted(tmp_path: Path):
    archive = tmp_path / "class.zip"
    archive.write_bytes(zip_of({b"bad\xff\xfename.ipynb": _member(b"{bad}"), b"good.ipynb": _member(b"{good}")}))
    bad, good = notebook_files(archive)
    assert (bad.path.name, bad.data(), good.path.name, good.data()) == ("bad\ufffd\ufffdname.ipynb", b"{bad}",
                                                                        "good.ipynb", b"{good}")
    assert bad.notes == ("the zip marks the name of bad\ufffd\ufffdname.ipynb as UTF-8 but it is not (read with its "
                         "bad bytes as \ufffd)",) and not good.notes


def test_a_damaged_member_is_refused_by_itself(tmp_path: Path):
    archive = tmp_path / "class.zip"
    archive.write_bytes(zip_of({b"broken.ipynb": _member(b"{x}", crc=1), b"good.ipynb": _member(b"{good}")}))
    broken, good = notebook_files(archive)
    assert "broken.ipynb could not be read from the zip: Bad CRC-32" in broken.refusal and good.data() == b"{good}"
    with pytest.raises(InvalidSubmission, match="Bad CRC-32"):
        broken.data()


def test_past_the_size_limit_a_notebook_is_refused_unread(tmp_path: Path):
    limits = InputLimits(notebook_bytes=1000, cells=10, cell_bytes=100)
    archive = tmp_path / "class.zip"
    archive.write_bytes(zip_of({b"big.ipynb": _member(b" " * 1001), b"fits.ipynb": _member(b" " * 1000)}))
    big, fits = notebook_files(archive, limits)
    assert big.refusal.startswith("too large: big.ipynb is over ") and fits.data() == b" " * 1000
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "big.ipynb").write_bytes(b" " * 1001)
    [big] = notebook_files(tmp_path / "folder", limits)
    assert big.refusal.startswith("too large: big.ipynb is over ")


def test_a_file_changed_after_intake_is_not_graded_as_another(tmp_path: Path):
    (tmp_path / "alice.ipynb").write_bytes(b"{1}")
    [alice] = notebook_files(tmp_path)
    (tmp_path / "alice.ipynb").write_bytes(b"{2}")
    with pytest.raises(InvalidSubmission, match="changed while it was graded"):
        alice.data()


READ_ALL = ("import sys; from pathlib import Path; "
            "from movielens_lab.grading.submissions.intake import notebook_files; "
            "entries = notebook_files(Path(sys.argv[1])); assert all(not e.refusal for e in entries), entries; "
            f"print(len(entries), {PEAK_KIB})")


def test_a_zip_bomb_is_read_one_member_at_a_time(tmp_path: Path):
    """30 members of 10 MiB (under the size limit): 300 MiB in all, read in a process of its own."""
    archive = tmp_path / "bomb.zip"
    member = _member(b" " * (10 * 2**20))
    archive.write_bytes(zip_of({f"s{k:02d}.ipynb".encode(): member for k in range(30)}))
    count, peak_kib = map(int, subprocess.run([sys.executable, "-c", READ_ALL, archive], capture_output=True, text=True,
                                              check=True).stdout.split())
    assert count == 30 and peak_kib < 200 * 1024
