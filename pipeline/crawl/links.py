"""Which links on a portal page lead to more listing pages, reports, or report attachments.

Pure functions of a page, so the rules are tested on snippets without a server. Titles
are matched after traditional→simplified folding because 繁體 pages carry the same titles.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from posixpath import splitext
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from parsel import Selector
from scrapy.http import TextResponse
from w3lib.url import safe_url_string

from pipeline.crawl.pagers import is_full_page, next_page, script_pages
from pipeline.normalize import fold_width, to_simplified
from pipeline.raw import IMAGE_EXTENSIONS
from pipeline.read.html import CONTENT_SELECTORS

# Years in figures or in characters; typed 〇 is often a letter O or a digit 0 (二O一八年).
_YEAR = re.compile(r"(?:19|20)\d{2}|[一二][〇○零ＯO0一二三四五六七八九]{3}年")
_DISCLOSURE = re.compile(r"信息公开|政务公开")
_REPORT_WORDS = re.compile(r"报告|年报")
_ANNUAL_REPORT = re.compile(r"年度报告|年报")
# Other annual reports that share the words 年度报告/年报 but not the subject.
_OTHER_ANNUAL = re.compile(r"统计|企业|财务|预算|决算|审计|社会责任|环境|质量|法治|信用|慈善|网站|人大|政协|建议|提案")
# Notices and explainers about the reports, which cite a report title inside their own.
_LOOKALIKE = re.compile(r"通知|工作要点|落实情况|格式|解读|图解|一图|读懂|看懂|模板|编制|发布工作|培训|公示|意见")
# Link texts that say nothing: the title sits beside the link, in the same row or item.
_BARE_LABEL = re.compile(r"^[\[【(（]?(查看|详情|详细|点击查看|查看详情|查看全文|阅读全文|全文|下载|点击下载)[\]】)）]?[>›»]*$")

_NEXT_PAGE = re.compile(r"^(下一?页|后页|next)\s*[>›»]*$", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"^\[?\d{1,3}\]?$")
_INDEX_PAGE = re.compile(r"^index_\d+\.s?html?$")
# Hanweb (大汉) columns ship their entries as data for a script to render:
# <script type="text/xml"><datastore><recordset><record><![CDATA[<li><a …>]]></record>…
_XML_SCRIPT = re.compile(r"<script\b[^>]*\btype\s*=\s*['\"]?text/xml\b[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)

DOCUMENT_EXTENSIONS = {".pdf", ".doc", ".docx", ".wps"}


def is_report_title(title: str) -> bool:
    """A disclosure annual report: a year, the report words, and no notice-like words."""
    text = _fold(title)
    if not _YEAR.search(text) or _LOOKALIKE.search(text):
        return False
    if _DISCLOSURE.search(text):
        return bool(_REPORT_WORDS.search(text))
    return bool(_ANNUAL_REPORT.search(text)) and not _OTHER_ANNUAL.search(text)


def is_lookalike(title: str) -> bool:
    return bool(_LOOKALIKE.search(_fold(title)))


@dataclass(frozen=True)
class Listing:
    """What one listing page yields: report links with the titles that chose them, its further
    pages, and the conventional next page to try once when it is a full page without a pager."""

    reports: list[tuple[str, str]]
    pages: list[str]
    guess: str | None


def listing_links(response: TextResponse, selector: str | None, pattern: str | None) -> Listing:
    reports = report_anchors(response, selector, pattern)
    pages = pagination_links(response)
    guess = None
    if not pages and is_full_page(len(reports), response.text):
        guess = next_page(response.url)
        if guess is not None and _directory(guess) != _directory(response.url):
            guess = None
    return Listing(reports=reports, pages=pages, guess=guess)


def report_links(response: TextResponse, selector: str | None, pattern: str | None) -> list[str]:
    """Report links on a listing page, by title or, if the source gives one, by URL pattern."""
    return [url for url, _ in report_anchors(response, selector, pattern)]


def report_anchors(response: TextResponse, selector: str | None, pattern: str | None) -> list[tuple[str, str]]:
    """(URL, title) of each report link, the first title a URL is linked with."""
    page = _with_records(response)
    scope = page.css(selector) if selector else [page]
    links: dict[str, str] = {}
    for anchor in (a for node in scope for a in node.xpath("descendant-or-self::a[@href]")):
        label = _anchor_label(anchor)
        url = _absolute(response, anchor.attrib["href"])
        if url is None:
            continue
        if pattern is not None:
            wanted = re.search(pattern, url) is not None and not is_lookalike(label)
        else:
            wanted = is_report_title(label)
        if wanted:
            links.setdefault(url, label)
    return list(links.items())


def pagination_links(response: TextResponse) -> list[str]:
    """Further pages of the same listing, kept to the listing's own directory."""
    links = []
    for anchor in response.xpath("//a[@href]"):
        label = _anchor_label(anchor)
        url = _absolute(response, anchor.attrib["href"])
        if url is None:
            continue
        name = urlsplit(url).path.rsplit("/", 1)[-1]
        if _NEXT_PAGE.match(label) or _PAGE_NUMBER.match(label) or _INDEX_PAGE.match(name):
            links.append(url)
    links += script_pages(response.text, response.url)
    here = _directory(response.url)
    return _unique(url for url in links if _directory(url) == here and url != response.url)


def attachment_links(response: TextResponse) -> list[str]:
    """Documents attached to a report page, and images of it shown inside its content."""
    links = []
    for anchor in response.xpath("//a[@href]"):
        url = _absolute(response, anchor.attrib["href"])
        if url and (_extension(url) in DOCUMENT_EXTENSIONS or _extension(_anchor_label(anchor)) in DOCUMENT_EXTENSIONS):
            links.append(url)
    for src in response.xpath("//iframe/@src | //embed/@src | //object/@data").getall():
        url = _absolute(response, src)
        if url and _extension(url) == ".pdf":
            links.append(_embedded_file(response, url))
    for content in _content(response):
        for src in content.xpath(".//img/@src").getall():
            url = _absolute(response, src)
            if url and _extension(url) in IMAGE_EXTENSIONS:
                links.append(url)
    return _unique(links)


def _fold(text: str) -> str:
    return to_simplified([re.sub(r"\s+", "", fold_width(text))])[0]


def _anchor_label(anchor: Selector) -> str:
    """Listings truncate long titles in the text and keep the whole one in @title. A bare
    查看/详情 link takes the text of its row (or list item), where the title is printed."""
    text = " ".join(anchor.xpath(".//text()").getall())
    label = " ".join(part for part in (anchor.attrib.get("title", ""), text) if part).strip()
    if _is_bare(label):
        row = anchor.xpath("ancestor::*[self::tr or self::li or self::dd or self::dt or self::p][1]")
        links = row[0].xpath(".//a[@href]") if row else []
        # 查看 and 下载 side by side name one report: the first link stands for it.
        if links and links[0].root is anchor.root and all(_is_bare(_own_label(a)) for a in links):
            return " ".join(row[0].xpath(".//text()").getall()).strip()
    return label


def _own_label(anchor: Selector) -> str:
    return " ".join([anchor.attrib.get("title", "")] + anchor.xpath(".//text()").getall())


def _is_bare(label: str) -> bool:
    return bool(_BARE_LABEL.match(re.sub(r"\s+", "", label)))


def _with_records(response: TextResponse) -> TextResponse:
    """The page with Hanweb's script-held records (and stray CDATA records) made ordinary markup."""
    text = response.text
    if "<![CDATA[" not in text:
        return response
    text = _XML_SCRIPT.sub(lambda m: _CDATA.sub(r"\1", m.group(1)), text)
    text = _CDATA.sub(r"\1", text)
    return response.replace(body=text.encode(response.encoding, errors="xmlcharrefreplace"))


def _absolute(response: TextResponse, href: str) -> str | None:
    """An absolute http(s) URL without fragment, escaped as Scrapy will request it."""
    url = response.urljoin(href.strip())
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    return safe_url_string(urlunsplit(parts._replace(fragment="")), response.encoding)


def _extension(url_or_name: str) -> str:
    """The file type, also when a download script carries the file name in its query."""
    parts = urlsplit(url_or_name)
    candidates = [parts.path] + [value for _, value in parse_qsl(parts.query)]
    for candidate in candidates:
        ext = splitext(candidate.lower())[1]
        if ext in DOCUMENT_EXTENSIONS | IMAGE_EXTENSIONS:
            return ext
    return splitext(parts.path.lower())[1]


def _embedded_file(response: TextResponse, url: str) -> str:
    """pdf.js viewers embed the document as `viewer.html?file=<pdf>`; fetch the PDF itself."""
    for key, value in parse_qsl(urlsplit(url).query):
        if key == "file" and value.lower().endswith(".pdf"):
            return _absolute(response, value) or url
    return url


def _content(response: TextResponse) -> list[Selector]:
    for selector in CONTENT_SELECTORS:
        found = response.css(selector)
        if found:
            return list(found)
    return []


def _directory(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.netloc, parts.path.rsplit("/", 1)[0]


def _unique(urls) -> list[str]:
    return list(dict.fromkeys(urls))
