"""The package's one table renderer: rows of cells as a markdown table or as aligned text; CSV cells made safe."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .safetext import terminal


def render(header: Sequence[str], rows: Iterable[Sequence[str]], align: str = "", *, markdown: bool = False) -> str:
    """``header`` above ``rows``; ``align`` holds a ``<`` (left, the default) or ``>`` (right) per column.

    ``markdown``: GitHub's ``| a | b |`` lines under an alignment row (``---``, ``---:``), cells as
    they are. Otherwise text for a terminal: each cell's control characters escaped
    (``safetext.terminal``), each column padded to its widest cell, columns two spaces apart, the
    header underlined with dashes, no trailing spaces.
    """
    align = align.ljust(len(header), "<")
    lines = [list(header), *(list(row) for row in rows)]
    if markdown:
        text = [f"| {' | '.join(cells)} |" for cells in lines]
        rule = "|" + "|".join("---:" if a == ">" else "---" for a in align) + "|"
        return "\n".join([text[0], rule, *text[1:]])
    lines = [[terminal(c) for c in cells] for cells in lines]
    widths = [max(len(cells[i]) for cells in lines) for i in range(len(header))]
    text = ["  ".join(f"{c:{a}{w}}" for c, a, w in zip(cells, align, widths)).rstrip() for cells in lines]
    return "\n".join([text[0], "-" * len(text[0]), *text[1:]])


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a CSV cell as a formula."""


def csv_safe(cell: str) -> str:
    """``cell`` as a spreadsheet shows it as text: a leading ' before a start that would make it a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell
