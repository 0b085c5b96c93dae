"""Text from submissions made safe to show: on a terminal, and in a CSV file a spreadsheet opens.

A student controls file names, names and cell text, so whatever we print or write may hold
terminal escape codes or a spreadsheet formula. :func:`terminal` escapes control characters
(``\\x1b`` stays visible as the four characters ``\\x1b``); :func:`csv_text` writes CSV whose
cells never start a formula, as OWASP recommends (a leading ``'``), and :func:`read_csv`
reads such a file back to the values written. Numbers are left as they are.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

FORMULA_START = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
"""What a cell may not start with: OWASP's ``= + - @``, tab and carriage return, a line feed, and the
full-width ``＝ ＋ － ＠`` that some spreadsheets read as their ASCII forms."""
QUOTE = "'"
"""The prefix that makes a spreadsheet take a cell as text; a cell that starts with it gets one more, so that
reading back is exact."""
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
"""A plain number: left as it is (a spreadsheet takes it as a number, never as a formula)."""
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Bidirectional controls: they reorder what a terminal shows."""


def terminal(text: str) -> str:
    """``text`` with every control character (line breaks included) and bidirectional control escaped: one line
    that shows exactly what it holds and cannot move the cursor, recolour or retitle a terminal."""
    return "".join(_escaped(ch) if unicodedata.category(ch) == "Cc" or ch in BIDI else ch for ch in text)


def _escaped(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def csv_cell(value: str) -> str:
    """``value`` as a CSV cell that never starts a formula: ``'`` before a risky first character (and before a
    ``'``); numbers unchanged."""
    if value and (value[0] in FORMULA_START or value[0] == QUOTE) and not NUMBER.fullmatch(value):
        return QUOTE + value
    return value


def csv_value(cell: str) -> str:
    """The value :func:`csv_cell` wrote as ``cell``."""
    return cell[1:] if cell.startswith(QUOTE) else cell


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A CSV file of ``header`` and ``rows``, every cell through :func:`csv_cell`; lines end in CRLF (RFC 4180), so
    that a cell holding a carriage return is quoted too."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(c) for c in header])
    writer.writerows([csv_cell(c) for c in row] for row in rows)
    return buffer.getvalue()


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows (by column) of a CSV file :func:`csv_text` wrote, as the values written."""
    with open(path, newline="", encoding="utf-8") as fh:
        lines = [[csv_value(c) for c in line] for line in csv.reader(fh)]
    header = lines[0] if lines else []
    return header, [dict(zip(header, line)) for line in lines[1:] if line]
