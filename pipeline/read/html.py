"""Portal pages: find the report inside the CMS chrome, keep tables as grids.

The page is parsed once into an lxml tree (C objects, no Python object per element of the
chrome); Python looks at the few elements a content selector may match, then walks only the
content container."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from itertools import islice

from lxml import etree

from pipeline.model import DocumentError, RawDocument, RawTable
from pipeline.read.boilerplate import is_boilerplate
from pipeline.read.decode import declared_charset, decode, http_charset

Element = etree._Element

# Content containers of the common government CMSs (TRS, Hanweb, 开普, Shanghai sites).
CONTENT_SELECTORS = [
    ".TRS_Editor", ".trs_editor_view", ".Custom_UnionStyle", "ucapcontent", "#UCAP-CONTENT", "#zoom", "#Zoom",
    ".pages_content", "#ivs_content", "#webeditorview", "#zoomcon", ".article-content", ".xxgk_content",
    "#content", ".content", "article",
]
# Never the page's text: scripts, widgets, the head; ruby annotations (pinyin) and unrendered templates.
_DROP_TAGS = ("script", "style", "noscript", "iframe", "select", "button", "input", "textarea", "svg", "head",
              "rt", "rp", "template")
_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "tr", "table",
    "blockquote", "dd", "dt", "dl", "center", "hr", "header", "footer", "nav", "aside", "pre", "ucapcontent",
}
_CELL_TAGS = ("td", "th")
_WS = re.compile(r"\s+")  # any run of whitespace reads as one space
_TITLE_SEPARATOR = re.compile(r"\s*[-_|–—]\s*")  # "article title - site name" in <title>
MIN_CONTENT_HAN = 150
_REPORTISH = re.compile(r"年度报告|年报|工作报告")  # a heading that names a report
_KEPT_META = ("ArticleTitle", "PubDate", "ContentSource", "publishdate", "firstpublishedtime", "SiteName")

# libxml2 stops building its own tree 256 elements deep; deeper pages go through a target
# parser (no depth limit, about three times slower) so they are read whole.
_PARSER = etree.HTMLParser(encoding="utf-8", collect_ids=False)
_TOO_DEEP = etree.ErrorTypes.ERR_RESOURCE_LIMIT


def _parse(text: str) -> Element | None:
    data = text.encode("utf-8")
    root = etree.fromstring(data, _PARSER)
    if any(error.type == _TOO_DEEP for error in _PARSER.error_log):
        deep = etree.HTMLParser(encoding="utf-8", collect_ids=False,
                                target=etree.TreeBuilder(parser=etree.HTMLParser(collect_ids=False)))
        root = etree.fromstring(data, deep)
    return root


# All the text below an element, joined in C (the join of its itertext(), without a Python
# string per text node).
_text = etree.XPath("string()", smart_strings=False)


def _is_element(node: Element) -> bool:
    """Comments and processing instructions are nodes too; their text is not the page's."""
    return isinstance(node.tag, str)


def _drop(root: Element) -> None:
    """Empty the never-text elements in place, keeping the text after each (its tail) apart
    from the strings around it. Only the outermost are emptied, which frees the rest: each
    element is touched once whatever the nesting (moving subtrees out costs their depth each)."""
    walk = etree.iterwalk(root, events=("start",), tag=_DROP_TAGS)
    outermost = []
    for _, node in walk:
        outermost.append(node)
        walk.skip_subtree()
    for node in outermost:
        node.clear(keep_tail=True)


# High bytes of the UTF-16 code units U+4E00–U+9FFF (CJK unified ideographs, the measure of
# report text); a surrogate's high byte is D8–DF, so characters beyond the BMP never count.
_HAN_HIGH_BYTES = bytes(range(0x4E, 0xA0))


def _han_count(text: str | None) -> int:
    """Chinese characters in the text, counted in C (a regex match per character was as slow
    as the parse of the page)."""
    if not text or text.isascii():
        return 0
    high = text.encode("utf-16-le", "surrogatepass")[1::2]
    return len(high) - len(high.translate(None, _HAN_HIGH_BYTES))


# Elements that hold blocks; the walk never descends into a paragraph, which would drop the
# tables beside it.
_CONTAINERS = {"div", "section", "article", "main", "center", "form", "table", "tbody", "tr", "td"}


def _han_totals(elements: list[Element]) -> tuple[dict[Element, int], dict[Element, int]]:
    """Chinese characters below every element, and those inside links, computed once bottom-up
    (linear in the page whatever its nesting depth). `elements` is in document order."""
    total: dict[Element, int] = {}
    linked: dict[Element, int] = {}
    for el in reversed(elements):
        han = _han_count(el.text)
        link = 0
        for child in el:
            han += _han_count(child.tail) + total.get(child, 0)
            link += linked.get(child, 0)
        total[el], linked[el] = han, (han if el.tag == "a" else link)
    return total, linked


def _density_pick(body: Element, total: dict[Element, int], linked: dict[Element, int]) -> Element:
    """Text-density fallback: the block with the most non-link Chinese text, descending
    while one child holds most of it (so we stop at the article, not the page)."""
    def score(el: Element) -> int:
        return total[el] - 2 * linked[el]

    node = body
    while True:
        kids = [c for c in node if c.tag in _CONTAINERS]
        if not kids:
            return node
        best = max(kids, key=score)
        if score(best) < 0.7 * score(node):
            return node
        node = best


_RANK = {sel: rank for rank, sel in enumerate(CONTENT_SELECTORS)}


def _selector_rank(el: Element) -> int | None:
    """Best CONTENT_SELECTORS position the element matches (they are all simple selectors)."""
    keys = [el.tag, f"#{el.get('id')}"] + [f".{c}" for c in (el.get("class") or "").split()]
    ranks = [_RANK[k] for k in keys if k in _RANK]
    return min(ranks) if ranks else None


def _selector_filter(selectors: list[str]) -> etree.XPath:
    """The elements below the root that may match a selector, in page order, found in C: those
    with a class or an id, and the tags named. Selected through their attributes (a predicate
    tested on every element is several times slower); _selector_rank decides."""
    tags = [sel for sel in selectors if sel[0] not in "#."]
    return etree.XPath(" | ".join(["descendant::*/@class/..", "descendant::*/@id/.."]
                                  + [f"descendant::{tag}" for tag in tags]))


_candidates = _selector_filter(CONTENT_SELECTORS)


# Up to this many candidates each count their own text; more (hostile nesting) share one pass.
_FEW_CANDIDATES = 16


def find_content(root: Element) -> Element:
    """The first selector, by rank then page order, holding enough Chinese text; else the
    densest block. Text is counted once per element, however deep the page nests."""
    ranked = [(rank, i, el) for i, el in enumerate(_candidates(root)) if (rank := _selector_rank(el)) is not None]
    if len(ranked) <= _FEW_CANDIDATES:
        total: Callable[[Element], int] = lambda el: _han_count(_text(el))
    else:
        total = _han_totals(list(root.iter(etree.Element)))[0].__getitem__
    for _, _, el in sorted(ranked, key=lambda item: item[:2]):
        if total(el) >= MIN_CONTENT_HAN:
            return el
    return _density_pick(root, *_han_totals(list(root.iter(etree.Element))))


def _joined(el: Element, sep: str) -> str:
    """The element's strings, each stripped, empty ones left out."""
    return sep.join(s for s in (t.strip() for t in el.itertext()) if s)


def _title(meta: dict[str, str], page_title: str, headings: list[str]) -> str | None:
    """The article's title: a meta tag, else the first of <title> and the page headings that
    names a report (old TRS pages title every page with the site name), else <title>."""
    for name in ("ArticleTitle", "articletitle", "title"):
        if meta.get(name, "").strip():
            return meta[name].strip()
    page_title = _TITLE_SEPARATOR.split(page_title)[0] if page_title else ""
    for text in [page_title, *headings]:
        if _REPORTISH.search(text) and len(text) <= 80:
            return text
    return page_title or None


# A report table is a few hundred cells; row and column spans that expand one table past this
# (3,000 cells of rowspan=colspan=100 would be 30 million) are hostile, not a report.
MAX_TABLE_CELLS = 100_000


class _Layout(Exception):
    """The table lays the page out (see _data_grid); its contents are walked as blocks."""


def _data_grid(table: Element) -> RawTable | None:
    """The table's grid of cell texts, or None when it is layout: old portals lay pages out
    with tables, and a table holding other tables, a long cell (a paragraph) or a single
    column is layout to walk through, not a grid of figures. Each cell's text is read once."""
    if next(table.iterdescendants("table"), None) is not None:
        return None
    trs = list(table.iterdescendants("tr"))
    cells = [[c for c in tr if c.tag in _CELL_TAGS] for tr in trs]
    stray = sum(1 for _ in table.iterdescendants(*_CELL_TAGS)) - sum(map(len, cells))
    if max(map(len, cells), default=0) < 2 or stray:  # a cell outside a row: not a grid either
        return None
    try:
        return _grid(cells)
    except _Layout:
        return None


def _grid(trs: list[list[Element]]) -> RawTable:
    """The rows' cells placed by their row and column spans."""
    rows: list[list[str]] = []
    origins: list[list[int]] = []
    pending: dict[tuple[int, int], tuple[str, int]] = {}
    cell_id = 0
    expanded = 0
    for r, tr in enumerate(trs):
        row: list[str] = []
        orow: list[int] = []
        col = 0
        for cell in tr:
            while (r, col) in pending:
                text, oid = pending.pop((r, col))
                row.append(text)
                orow.append(oid)
                col += 1
            text = _cell_text(cell)
            rowspan = min(_span(cell.get("rowspan")), len(trs) - r)  # clipped at the last row, as browsers do
            colspan = _span(cell.get("colspan"))
            expanded += rowspan * colspan
            if expanded > MAX_TABLE_CELLS:
                raise DocumentError(f"an HTML table whose row and column spans expand past {MAX_TABLE_CELLS:,} cells")
            for dc in range(colspan):
                row.append(text)
                orow.append(cell_id)
                for dr in range(1, rowspan):
                    pending[(r + dr, col + dc)] = (text, cell_id)
            col += colspan
            cell_id += 1
        while (r, col) in pending:
            text, oid = pending.pop((r, col))
            row.append(text)
            orow.append(oid)
            col += 1
        if row:
            rows.append(row)
            origins.append(orow)
    return RawTable(rows=rows, origins=origins)


def _span(value: str | None) -> int:
    if value is None:  # most cells: no exception raised and caught
        return 1
    try:
        return max(1, min(int(value.strip()), 100))
    except ValueError:
        return 1


def _cell_text(cell: Element) -> str:
    """Inline runs join without spaces: Word markup splits words and numbers across spans. At
    most 200 characters, its strings stripped (their plain join decides for nearly every cell,
    as stripping only shortens it); a longer cell is a paragraph, and its table layout."""
    raw = _text(cell)
    if len(raw) > 200 and len(_joined(cell, "")) > 200:
        raise _Layout
    return _WS.sub(" ", raw).strip()


_BLOCK_END = object()


def _children(el: Element) -> Iterator[Element | str]:
    """The element's text, then each child followed by the text after it."""
    if el.text:
        yield el.text
    for child in el:
        yield child
        if child.tail:
            yield child.tail


def _blocks(content: Element) -> list[str | RawTable]:
    """Lines of text and data-table grids in reading order; the walk keeps its own stack, so
    any nesting depth is fine."""
    blocks: list[str | RawTable] = []
    buffer: list[str] = []

    def flush() -> None:
        text = _WS.sub(" ", "".join(buffer)).strip()
        buffer.clear()
        if text and not is_boilerplate(text):
            blocks.append(text)

    # An explicit stack, so any nesting depth is walked without recursion (50,000 nested
    # <span>s overflowed the call stack): strings and elements still to visit, and _BLOCK_END
    # markers that close a block element once its children are done.
    stack: list[Element | str | object] = list(_children(content))[::-1]
    while stack:
        node = stack.pop()
        if node is _BLOCK_END:
            flush()
        elif isinstance(node, str):
            buffer.append(node)
        elif not _is_element(node):
            continue
        elif node.tag == "table" and (grid := _data_grid(node)) is not None:
            flush()
            if grid.rows:
                blocks.append(grid)
        else:
            if node.tag in _BLOCK_TAGS:
                flush()
                stack.append(_BLOCK_END)
            stack.extend(list(_children(node))[::-1])
    flush()
    return blocks


def _document(root: Element, encoding: str) -> RawDocument:
    meta = {m.get("name"): m.get("content") for m in root.iter("meta") if m.get("name") and m.get("content")}
    page_title = next((_joined(t, "") for t in root.iter("title")), "")
    _drop(root)
    headings = [_joined(h, " ") for h in islice(root.iter("h1", "h2", "h3"), 6)]
    title = _title(meta, page_title, headings)
    content = find_content(next(root.iter("body"), root))
    sources = _mark_images(content)
    blocks, images = _take_image_marks(_blocks(content), sources)
    if not blocks and not images:
        raise DocumentError("no readable text in the HTML page")
    return RawDocument(blocks=blocks, medium="html", title=title, encoding=encoding,
                       meta={"images": images, **{k: v for k, v in meta.items() if k in _KEPT_META}})


# A private-use character no report prints: it stands in for an <img> while the blocks are read.
_IMAGE_MARK = "\ue000"
_MARKED = re.compile(f"{_IMAGE_MARK}(\\d+){_IMAGE_MARK}")  # the mark of image number N


def _mark_images(content: Element) -> list[str]:
    """Each <img> of the content given its mark as its text, so the mark is read where the
    image stands; their src."""
    sources = []
    for img in content.iter("img"):
        img.text = f"{_IMAGE_MARK}{len(sources)}{_IMAGE_MARK}"
        sources.append((img.get("src") or "").strip())
    return sources


def _take_image_marks(blocks: list, sources: list[str]) -> tuple[list, list[dict]]:
    """The blocks without the marks, and each image's src with the index of the block it
    stood in or before (an image alone on its line leaves no block; one in a cell, the table)."""
    if not sources:  # no <img> in the content: no marks to look for in every cell
        return blocks, []
    kept: list = []
    images: list[dict] = []
    for block in blocks:
        if isinstance(block, RawTable):
            cells = [[_MARKED.sub("", c) for c in row] for row in block.rows]
            found = [int(n) for row in block.rows for c in row for n in _MARKED.findall(c)]
            images += [{"src": sources[n], "at": len(kept)} for n in dict.fromkeys(found)]
            kept.append(RawTable(rows=cells, origins=block.origins))
            continue
        for n in _MARKED.findall(block):
            images.append({"src": sources[int(n)], "at": len(kept)})
        text = _MARKED.sub("", block).strip()
        if text:
            kept.append(text)
    return kept, [image for image in images if image["src"]]


def read(data: bytes, content_type: str | None = None) -> RawDocument:
    """The HTTP charset outranks the page's own <meta>, as in browsers; both may lie."""
    text, encoding = decode(data, http_charset(content_type) or declared_charset(data))
    try:
        root = _parse(text)
    except Exception as err:  # lxml raises several types on pathological markup
        raise DocumentError(f"unparseable HTML: {err}") from err
    if root is None:
        raise DocumentError("no readable text in the HTML page")
    # lxml frees an element's Python proxy by climbing to the nearest ancestor that still has
    # one; holding them all while reading keeps that one step at any depth (50,000 nested
    # spans cost 50,000² steps otherwise). The list is freed last-first, children first.
    proxies = list(root.iter())
    document = _document(root, encoding)
    del proxies
    return document
