"""The README and docs/: every relative link leads to a file of the checkout, each anchor to a heading of it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from movielens_lab import paths

PAGES = [paths.CHECKOUT / "README.md", paths.CHECKOUT / "deploy" / "README.md",
         *sorted((paths.CHECKOUT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the headings of ``page``."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def broken(page: Path) -> list[str]:
    """The relative links of ``page`` that lead nowhere."""
    found = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        where = (page.parent / path).resolve() if path else page
        if not where.exists() or anchor and (where.suffix != ".md" or anchor not in anchors(where)):
            found.append(target)
    return found


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(paths.CHECKOUT)) for p in PAGES])
def test_every_relative_link_resolves(page: Path) -> None:
    assert page.is_file() and broken(page) == []


def test_the_readme_fits_on_a_screen_and_links_every_page_of_docs() -> None:
    readme = (paths.CHECKOUT / "README.md").read_text()
    assert len(readme.splitlines()) < 200
    assert {p.name for p in (paths.CHECKOUT / "docs").glob("*.md")} <= {
        Path(t).name for t in LINK.findall(readme) if t.startswith("docs/")}


def test_a_missing_file_or_heading_is_found(tmp_path: Path) -> None:
    (tmp_path / "b.md").write_text("# A heading\n")
    page = tmp_path / "a.md"
    page.write_text("[ok](b.md#a-heading) [gone](c.md) [no heading](b.md#other) [web](https://x.org/y)\n")
    assert broken(page) == ["c.md", "b.md#other"]
