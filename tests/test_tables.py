"""The one table renderer: markdown for the benchmarks' READMEs, aligned text for the terminal; safe CSV cells."""

from __future__ import annotations

from movielens_lab.tables import csv_safe, render

HEADER = ["task", "seconds", "met"]
ROWS = [["parse", "0.14", "yes"], ["per-movie means", "12.5", "NO"]]


def test_markdown_keeps_cells_as_they_are() -> None:
    assert render(HEADER, ROWS, "<>", markdown=True) == ("| task | seconds | met |\n"
                                                         "|---|---:|---|\n"
                                                         "| parse | 0.14 | yes |\n"
                                                         "| per-movie means | 12.5 | NO |")


def test_text_aligns_each_column_to_its_widest_cell() -> None:
    assert render(HEADER, ROWS, "<>") == ("task             seconds  met\n"
                                          "-----------------------------\n"
                                          "parse               0.14  yes\n"
                                          "per-movie means     12.5  NO")


def test_text_has_no_trailing_spaces() -> None:
    assert render(["", "this run", "reference"], [["ratings", "1,000", ""]], ">>>").splitlines() == [
        "         this run  reference", "-" * 28, "ratings     1,000"]


def test_csv_safe_neutralises_what_a_spreadsheet_would_run() -> None:
    assert [csv_safe(c) for c in ["=SUM(A1)", "+1", "-2+3", "@cmd", "\tx", "\rx", "plain", "a=b", ""]] == [
        "'=SUM(A1)", "'+1", "'-2+3", "'@cmd", "'\tx", "'\rx", "plain", "a=b", ""]


def test_text_cells_show_control_characters_escaped() -> None:
    assert render(["name"], [["\x1b[31mred\nline"]]).splitlines() == ["name", "----", "\\x1b[31mred\\x0aline"]
