"""A small document model written out twice: as Markdown and as self-contained HTML.

HTML embeds figures as base64 PNG ``data:`` URIs with their alt text, and carries its own
style: it opens from disk with no network. Markdown gives each figure's alt text in its place
(the table beside every figure holds its numbers). Both escape the text (names and notes come
from students): HTML everywhere; Markdown its HTML characters and inline links, each text on
one line.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #bbb; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
caption { text-align: left; font-weight: bold; padding: 0.25rem 0; }
img { max-width: 100%; height: auto; }
figcaption { font-style: italic; }
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


Block = Heading | Paragraph | Bullets | Table | Figure


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
        else:
            data = base64.b64encode(block.png).decode("ascii")
            parts.append(f'<figure><img src="data:image/png;base64,{data}" alt="{e(block.alt)}">'
                         f"<figcaption>{e(block.caption)}</figcaption></figure>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)
