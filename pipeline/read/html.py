"""Portal pages: find the report inside the CMS chrome, keep tables as grids."""
from __future__ import annotations

import re

from bs4 import BeautifulSoup, CData, NavigableString, PageElement, Tag

from pipeline.model import DocumentError, RawDocument, RawTable
from pipeline.read.boilerplate import is_boilerplate
from pipeline.read.decode import declared_charset, decode, http_charset

# Content containers of the common government CMSs (TRS, Hanweb, 开普, Shanghai sites).
CONTENT_SELECTORS = [
    ".TRS_Editor", ".trs_editor_view", ".Custom_UnionStyle", "ucapcontent", "#UCAP-CONTENT", "#zoom", "#Zoom",
    ".pages_content", "#ivs_content", "#webeditorview", "#zoomcon", ".article-content", ".xxgk_content",
    "#content", ".content", "article",
]
_DROP_TAGS = ["script", "style", "noscript", "iframe", "select", "button", "input", "textarea", "svg", "head"]
_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "tr", "table",
    "blockquote", "dd", "dt", "dl", "center", "hr", "header", "footer", "nav", "aside", "pre", "ucapcontent",
}
_HAN = re.compile(r"[\u4e00-\u9fff]")
_WS = re.compile(r"\s+")
MIN_CONTENT_HAN = 150
_REPORTISH = re.compile(r"年度报告|年报|工作报告")
_KEPT_META = ("ArticleTitle", "PubDate", "ContentSource", "publishdate", "firstpublishedtime", "SiteName")


def _han_count(text: str) -> int:
    return len(_HAN.findall(text))


# Elements that hold blocks; the walk never descends into a paragraph, which would drop the
# tables beside it.
_CONTAINERS = {"div", "section", "article", "main", "center", "form", "table", "tbody", "tr", "td"}


def _han_totals(root: Tag) -> tuple[dict[int, int], dict[int, int]]:
    """Chinese characters below every element, and those inside links, computed once bottom-up
    (linear in the page whatever its nesting depth; get_text() per level was quadratic)."""
    total: dict[int, int] = {}
    linked: dict[int, int] = {}
    for tag in reversed([root, *root.find_all(True)]):
        han = link = 0
        for child in tag.children:
            if isinstance(child, Tag):
                han += total[id(child)]
                link += linked[id(child)]
            elif type(child) in (NavigableString, CData):
                han += _han_count(child)
        total[id(tag)], linked[id(tag)] = han, (han if tag.name == "a" else link)
    return total, linked


def _density_pick(body: Tag, total: dict[int, int], linked: dict[int, int]) -> Tag:
    """Text-density fallback: the block with the most non-link Chinese text, descending
    while one child holds most of it (so we stop at the article, not the page)."""
    def score(el: Tag) -> int:
        return total[id(el)] - 2 * linked[id(el)]

    node = body
    while True:
        kids = [c for c in node.children if isinstance(c, Tag) and c.name in _CONTAINERS]  # find_all builds a filter per call
        if not kids:
            return node
        best = max(kids, key=score)
        if score(best) < 0.7 * score(node):
            return node
        node = best


_RANK = {sel: rank for rank, sel in enumerate(CONTENT_SELECTORS)}


def _selector_rank(tag: Tag) -> int | None:
    """Best CONTENT_SELECTORS position the tag matches (they are all simple selectors)."""
    keys = [tag.name, f"#{tag.get('id')}"] + [f".{c}" for c in tag.get("class") or ()]
    ranks = [_RANK[k] for k in keys if k in _RANK]
    return min(ranks) if ranks else None


def find_content(soup: BeautifulSoup) -> Tag:
    """One pass over the tree (soupsieve per selector costs more than the parse itself)."""
    root = soup.body or soup
    total, linked = _han_totals(root)
    ranked = [(rank, i, tag) for i, tag in enumerate(root.find_all(True))
              if (rank := _selector_rank(tag)) is not None]
    for _, _, tag in sorted(ranked, key=lambda item: item[:2]):
        if total[id(tag)] >= MIN_CONTENT_HAN:
            return tag
    return _density_pick(root, total, linked)


def _title(soup: BeautifulSoup, meta: dict[str, str]) -> str | None:
    """The article's title: a meta tag, else the first of <title> and the page headings that
    names a report (old TRS pages title every page with the site name), else <title>."""
    for name in ("ArticleTitle", "articletitle", "title"):
        if meta.get(name, "").strip():
            return meta[name].strip()
    page_title = soup.title.get_text(strip=True) if soup.title else ""
    page_title = re.split(r"\s*[-_|–—]\s*", page_title)[0] if page_title else ""
    headings = [h.get_text(" ", strip=True) for h in soup.find_all(["h1", "h2", "h3"], limit=6)]
    for text in [page_title, *headings]:
        if _REPORTISH.search(text) and len(text) <= 80:
            return text
    return page_title or None


def _cell_text(cell: Tag) -> str:
    """Inline runs join without spaces: Word markup splits words and numbers across spans."""
    return _WS.sub(" ", "".join(cell.strings)).strip()


# A report table is a few hundred cells; row and column spans that expand one table past this
# (3,000 cells of rowspan=colspan=100 would be 30 million) are hostile, not a report.
MAX_TABLE_CELLS = 100_000


def _grid(table: Tag) -> RawTable:
    rows: list[list[str]] = []
    origins: list[list[int]] = []
    pending: dict[tuple[int, int], tuple[str, int]] = {}
    cell_id = 0
    expanded = 0
    trs = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    for r, tr in enumerate(trs):
        row: list[str] = []
        orow: list[int] = []
        col = 0
        cells = [c for c in tr.find_all(["td", "th"], recursive=False)]
        for cell in cells:
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


def _span(value) -> int:
    try:
        return max(1, min(int(str(value).strip()), 100))
    except (TypeError, ValueError):
        return 1


def _is_data_table(table: Tag) -> bool:
    """Old portals lay pages out with tables; a table holding paragraphs (a long cell) or a
    single column, or other tables, is layout to walk through, not a grid of figures."""
    if table.find("table"):
        return False
    cells = table.find_all(["td", "th"])
    columns = max((len(tr.find_all(["td", "th"], recursive=False)) for tr in table.find_all("tr")), default=0)
    return columns >= 2 and all(len(c.get_text(strip=True)) <= 200 for c in cells)


_BLOCK_END = object()


def _blocks(content: Tag) -> list:
    """Lines of text and data-table grids in reading order; the walk keeps its own stack, so
    any nesting depth is fine."""
    blocks: list = []
    buffer: list[str] = []

    def flush() -> None:
        text = _WS.sub(" ", "".join(buffer)).strip()
        buffer.clear()
        for line in text.split("\n"):
            line = line.strip()
            if line and not is_boilerplate(line):
                blocks.append(line)

    # An explicit stack, so any nesting depth is walked without recursion (50,000 nested
    # <span>s overflowed the call stack): nodes still to visit, and _BLOCK_END markers that
    # close a block element once its children are done.
    stack: list[PageElement | object] = list(reversed(content.contents))
    while stack:
        node = stack.pop()
        if node is _BLOCK_END:
            flush()
        elif isinstance(node, NavigableString):
            if type(node) is NavigableString:  # comments, CDATA and doctypes are not text
                buffer.append(str(node))
        elif node.name == "table" and _is_data_table(node):
            flush()
            grid = _grid(node)
            if grid.rows:
                blocks.append(grid)
        else:
            if node.name in _BLOCK_TAGS:
                flush()
                stack.append(_BLOCK_END)
            stack.extend(reversed(node.contents))
    flush()
    return blocks


def read(data: bytes, content_type: str | None = None) -> RawDocument:
    """The HTTP charset outranks the page's own <meta>, as in browsers; both may lie."""
    text, encoding = decode(data, http_charset(content_type) or declared_charset(data))
    try:
        soup = BeautifulSoup(text, "lxml")
    except Exception as err:  # lxml raises several types on pathological markup
        raise DocumentError(f"unparseable HTML: {err}") from err
    meta = {m.get("name"): m.get("content") for m in soup.find_all("meta") if m.get("name") and m.get("content")}
    title = _title(soup, meta)
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    content = find_content(soup)
    sources = _mark_images(content)
    blocks, images = _take_image_marks(_blocks(content), sources)
    if not blocks and not images:
        raise DocumentError("no readable text in the HTML page")
    return RawDocument(blocks=blocks, medium="html", title=title, encoding=encoding,
                       meta={"images": images, **{k: v for k, v in meta.items() if k in _KEPT_META}})


# A private-use character no report prints: it stands in for an <img> while the blocks are read.
_IMAGE_MARK = "\ue000"
_MARKED = re.compile(f"{_IMAGE_MARK}(\\d+){_IMAGE_MARK}")  # the mark of image number N


def _mark_images(content: Tag) -> list[str]:
    """Each <img> of the content given its mark as text, so the mark is read where the image
    stands (appended, not replaced: replacing is linear in the siblings); their src."""
    sources = []
    for img in content.find_all("img"):
        img.append(NavigableString(f"{_IMAGE_MARK}{len(sources)}{_IMAGE_MARK}"))
        sources.append((img.get("src") or "").strip())
    return sources


def _take_image_marks(blocks: list, sources: list[str]) -> tuple[list, list[dict]]:
    """The blocks without the marks, and each image's src with the index of the block it
    stood in or before (an image alone on its line leaves no block; one in a cell, the table)."""
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
