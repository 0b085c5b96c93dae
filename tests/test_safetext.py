"""Text made safe to show: escaped for a terminal, CSV cells that never start a formula and read back exactly."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from movielens_lab.safetext import csv_cell, csv_text, read_csv, terminal

HOSTILE = ['=HYPERLINK("http://evil","x")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1+1)", "\tTAB", "\rCR",
           "\nLF", "\uff1d1+1", "'=already quoted", "'", "''", "a=1", "plain", "", "Doe, Jane", 'say "hi"',
           "line\r\nbreak"]


@pytest.mark.parametrize("value", HOSTILE)
def test_no_cell_starts_a_formula_and_each_reads_back_as_written(tmp_path: Path, value: str):
    path = tmp_path / "x.csv"
    path.write_text(csv_text(["name", "total"], [[value, "5"]]), newline="")
    with open(path, newline="", encoding="utf-8") as fh:
        cell = list(csv.reader(fh))[1][0]
    assert not cell or cell[0] not in "=+-@\t\r\n\uff1d"
    assert read_csv(path) == (["name", "total"], [{"name": value, "total": "5"}])


@pytest.mark.parametrize("number", ["0", "12.5", "-1", "-0.25", "+3", "1e-05", "100"])
def test_numbers_stay_numbers(number: str):
    assert csv_cell(number) == number


def test_only_risky_cells_get_the_quote():
    assert [csv_cell(v) for v in ["=1", "-x", "ok", "'x"]] == ["'=1", "'-x", "ok", "''x"]
    rows = list(csv.reader(io.StringIO(csv_text(["a"], [["=1"], ["\rx"]]))))
    assert rows == [["a"], ["'=1"], ["'\rx"]]  # a carriage return is quoted: the row stays one row


def test_terminal_text_shows_control_characters_escaped_on_one_line():
    assert terminal("\x1b]0;PWNED\x07\x1b[31mred") == "\\x1b]0;PWNED\\x07\\x1b[31mred"
    assert terminal("a\nb\r\tc\x9b\u202eevil") == "a\\x0ab\\x0d\\x09c\\x9b\\u202eevil"
    assert terminal("José Núñez 李雷 ＝") == "José Núñez 李雷 ＝"
