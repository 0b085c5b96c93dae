"""The report's document model: code listings side by side, their marked lines, escaped and fenced."""

from __future__ import annotations

from movielens_lab.grading.report.document import Listing, SideBySide, to_html, to_markdown

PAIR = SideBySide("5. Baselines, answer cell baselines",
                  Listing("ann", ["x = '<script>'", "y = x ~~~ 1", "z = 2"], frozenset({0, 1})),
                  Listing("ben", ["w = '<script>'"], frozenset()))


def test_html_puts_the_listings_side_by_side_with_their_marked_lines_escaped() -> None:
    page = to_html("t", [PAIR])
    assert ('<figure class="side-by-side"><figcaption>5. Baselines, answer cell baselines</figcaption>'
            '<div class="listing"><p>ann</p><pre><code><mark>x = &#x27;&lt;script&gt;&#x27;</mark>\n'
            "<mark>y = x ~~~ 1</mark>\nz = 2</code></pre></div>"
            '<div class="listing"><p>ben</p><pre><code>w = &#x27;&lt;script&gt;&#x27;</code></pre></div>'
            '</figure>') in page
    assert "<script>" not in page and ".side-by-side { display: grid; grid-template-columns: 1fr 1fr;" in page


def test_markdown_gives_one_listing_after_the_other_in_fences_their_code_cannot_close() -> None:
    assert to_markdown("t", [PAIR]).split("\n", 2)[2] == "\n".join([
        "**5. Baselines, answer cell baselines**", "", "ann:", "", "~~~~", "» x = '<script>'", "» y = x ~~~ 1",
        "  z = 2", "~~~~", "", "ben:", "", "~~~", "  w = '<script>'", "~~~", ""])
