"""Parse the HTML okrkit makes, so tests check structure instead of substrings.

Built on BeautifulSoup with the standard library's ``html.parser`` (escaped text stays
text: ``&lt;script&gt;`` is a string, never a tag).
"""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag


def soup(html: str) -> BeautifulSoup:
    """The parsed fragment."""
    return BeautifulSoup(html, "html.parser")


def tags(html: str) -> list[str]:
    """The names of every element, in document order."""
    return [t.name for t in soup(html).find_all(True)]


def text_of(tag: Tag) -> str:
    """A tag's text; an outcome icon (``span.okr-icon``) reads as its emoji label, so a
    cell reads ``✅ Achieved`` as in the framework document."""
    icon = tag.select_one("span.okr-icon")
    if icon is None:
        return tag.get_text(strip=True)
    label = icon["aria-label"]
    icon.extract()
    return f"{label} {tag.get_text(strip=True)}"


def table_rows(html: str, selector: str = "table") -> list[dict[str, str]]:
    """The rows of the first table matching ``selector`` as ``{header: cell text}``
    (:func:`text_of`)."""
    table = soup(html).select_one(selector)
    assert table is not None, f"no {selector!r} in the HTML"
    heads = [th.get_text(strip=True) for th in table.select("thead th")]
    return [dict(zip(heads, (text_of(td) for td in tr.find_all("td")), strict=True))
            for tr in table.select("tbody tr")]


def row_cells(html: str, selector: str = "table") -> list[list[Tag]]:
    """The cells (``<td>`` elements) of each body row of the first matching table."""
    table = soup(html).select_one(selector)
    assert table is not None, f"no {selector!r} in the HTML"
    return [tr.find_all("td") for tr in table.select("tbody tr")]
