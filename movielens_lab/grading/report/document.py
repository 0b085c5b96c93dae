"""A small document model written out twice: as Markdown and as self-contained HTML.

HTML embeds figures as base64 PNG ``data:`` URIs with their alt text, and carries its own
style: it opens from disk with no network. Markdown gives each figure's alt text in its place
(the table beside every figure holds its numbers). Code listings to compare stand side by side in
HTML, their marked lines highlighted, and one after the other in Markdown. Both escape the text
(names and notes come from students): HTML everywhere; Markdown its HTML characters and inline
links, each text on one line.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #bbb; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
caption { text-align: left; font-weight: bold; padding: 0.25rem 0; }
img { max-width: 100%; height: auto; }
figcaption { font-style: italic; }
.side-by-side { display: grid; grid-template-columns: 1fr 1fr; gap: 0.75rem; margin: 0.5rem 0 1.5rem; }
.side-by-side > figcaption { grid-column: 1 / -1; }
.listing p { margin: 0 0 0.25rem; font-weight: bold; }
.listing pre { margin: 0; padding: 0.5rem; background: #f6f6f6; font-size: 0.8rem; white-space: pre-wrap;
               overflow-wrap: anywhere; }
.listing mark { display: inline-block; width: 100%; background: #ffe08a; box-shadow: -0.5rem 0 0 #b8860b; }
"""


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Figure:
    png: bytes
    alt: str
    """What the figure shows, in words and numbers, for screen readers."""
    caption: str


@dataclass(frozen=True)
class Listing:
    """Code with some of its lines marked."""

    caption: str
    lines: list[str]
    marked: frozenset[int]
    """Indices of the marked lines."""


@dataclass(frozen=True)
class SideBySide:
    """Two listings to compare: side by side in HTML, one after the other in Markdown (marked lines start with »)."""

    caption: str
    left: Listing
    right: Listing


Block = Heading | Paragraph | Bullets | Table | Figure | SideBySide


def to_markdown(title: str, blocks: list[Block]) -> str:
    """The document as Markdown."""
    e = _md
    lines = [f"# {e(title)}", ""]
    for block in blocks:
        if isinstance(block, Heading):
            lines += ["#" * block.level + " " + e(block.text), ""]
        elif isinstance(block, Paragraph):
            lines += [e(block.text), ""]
        elif isinstance(block, Bullets):
            lines += [f"- {e(item)}" for item in block.items] + [""]
        elif isinstance(block, Table):
            lines += [f"**{e(block.caption)}**", "", _md_row(block.header), _md_row(["---"] * len(block.header))]
            lines += [_md_row(row) for row in block.rows] + [""]
        elif isinstance(block, SideBySide):
            lines += [f"**{block.caption}**", ""]
            for listing in (block.left, block.right):
                fence = "~" * max([3, *(len(run) + 1 for line in listing.lines for run in re.findall("~+", line))])
                lines += [f"{listing.caption}:", "", fence, *(("» " if k in listing.marked else "  ") + line
                                                              for k, line in enumerate(listing.lines)), fence, ""]
        else:
            lines += [f"*{e(block.caption)}* (figure in report.html): {e(block.alt)}", ""]
    return "\n".join(lines)


def _md(text: str) -> str:
    """``text`` as inline Markdown that shows as written: HTML characters escaped, no inline link or image, one
    line."""
    return " ".join(html.escape(text, quote=False).replace("](", "]\\(").splitlines())


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(_md(c).replace("|", "\\|") for c in cells) + " |"


def to_html(title: str, blocks: list[Block]) -> str:
    """The document as one HTML page with nothing outside it."""
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             f"<title>{e(title)}</title>", f"<style>{STYLE}</style>", "</head>", "<body>", f"<h1>{e(title)}</h1>"]
    for block in blocks:
        if isinstance(block, Heading):
            parts.append(f"<h{block.level}>{e(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{e(block.text)}</p>")
        elif isinstance(block, Bullets):
            parts.append("<ul>" + "".join(f"<li>{e(item)}</li>" for item in block.items) + "</ul>")
        elif isinstance(block, Table):
            head = "".join(f'<th scope="col">{e(c)}</th>' for c in block.header)
            body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in block.rows)
            parts.append(f"<table><caption>{e(block.caption)}</caption><thead><tr>{head}</tr></thead>"
                         f"<tbody>{body}</tbody></table>")
        elif isinstance(block, SideBySide):
            listings = "".join(
                f'<div class="listing"><p>{e(side.caption)}</p><pre><code>'
                + "\n".join(f"<mark>{e(line)}</mark>" if k in side.marked else e(line)
                            for k, line in enumerate(side.lines))
                + "</code></pre></div>" for side in (block.left, block.right))
            parts.append(f'<figure class="side-by-side"><figcaption>{e(block.caption)}</figcaption>{listings}</figure>')
        else:
            data = base64.b64encode(block.png).decode("ascii")
            parts.append(f'<figure><img src="data:image/png;base64,{data}" alt="{e(block.alt)}">'
                         f"<figcaption>{e(block.caption)}</figcaption></figure>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)
