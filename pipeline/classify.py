"""classify: is this an annual report, which year does it cover, who issued it, which
area, and which format. The format comes from the table labels; only a report that prints
no table words at all (an excerpt, a prose-only page) is named by its year's format."""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline import regions
from pipeline.model import Document

# 年度报告, 年报, 工作报告, and the plain 信息公开报告 of small bodies (台创园2017年信息公开报告).
_REPORT_TITLE = re.compile(r"(政府信息公开|政务公开|信息公开)[^，。]{0,8}(报告|年报)")
_NOT_REPORT_TITLE = re.compile(r"通知|工作要点|报告格式|解读|模板|编制发布|发布工作|落实情况|公示|图解|意见|函$")
_SECTION_WORDS = ["主动公开", "依申请", "行政复议", "行政诉讼", "收费", "存在的主要问题", "改进"]
_YEAR_TITLE = re.compile(r"(20\d{2}|二[〇零○O0oｏ]\S{2})\s*年度?[^，。\n]{0,20}?(政府信息公开|政务公开|信息公开)")
_TITLE_YEAR = re.compile(r"20\d{2}|二[〇零○O0oｏ]\S{2}年")
_YEAR_ANY = re.compile(r"(20\d{2})\s*年")
_PERIOD = re.compile(r"自?(20\d{2})年1月1日[起]?至(20\d{2})年12月31日")
# 中国地震局政府信息公开工作2010年度报告: the issuer ends before the report's own words.
_ISSUER_BEFORE_YEAR = re.compile(r"^(.{2,30}?)(?:政府信息公开工作|信息公开工作)?(?:20\d{2}|二[〇零○O0oｏ])")
# 2023年度朝阳区…, and 2009上海市… where the title drops 年.
_ISSUER_AFTER_YEAR = re.compile(r"^(?:20\d{2}|二[〇零○O0oｏ]\S{2})\s*年?度?(.{2,30}?)(?:人民政府)?(?:政府信息公开|政务公开|信息公开)")
_ORG = re.compile(r"([\u4e00-\u9fff]{2,20}?(?:人民政府办公室|人民政府|管理委员会|管委会|委员会|局|办公室|厅|委|署|中心))")
_TOWNSHIP = re.compile(r"(镇|乡|街道|街道办事处)(人民政府)?$")
# A county's government named in a township's text: 缙云县政府网, 邹城市人民政府.
_COUNTY_GOVERNMENT = re.compile(r"([\u4e00-\u9fff]{2,8}?(?:县|区|市|旗))(?=(?:人民)?政府)")
_ORG_LINE = re.compile(r"(政府|局|委员会|办公室|管委会|中心|委|厅|院)$")
STD2021_MARKERS = ("本年制发件数", "现行有效件数", "本年收费金额", "逾期不补正")
STD2019_MARKERS = ("本年新制作数量", "对外公开总数量", "本年增/减", "本年增减", "第二十条第（九）项", "采购总金额")
STANDARD_HEADINGS = ("收到和处理政府信息公开申请情况", "政府信息公开行政复议、行政诉讼情况", "本年新收政府信息公开申请数量")


@dataclass
class Classification:
    is_report: bool
    reason: str
    title: str | None
    year: int | None
    issuer: str | None
    adcode: str | None
    region: str | None
    format: str


def _head(doc: Document, chars: int = 3000) -> str:
    return doc.text[:chars]


def find_title(doc: Document) -> str | None:
    """The page title when it names a report; else the report title printed in the first lines
    (PDF covers print it over two lines: 洪泽区人民政府 / 2023年政府信息公开工作年度报告)."""
    meta = doc.title.strip() if doc.title and _REPORT_TITLE.search(doc.title) and len(doc.title) <= 60 else None
    if meta and re.search(r"\d{4}|二[〇零○O0oｏ]", meta):
        return meta
    lines = [t.strip() for _, t in doc.line_texts()[:6]]
    for i, line in enumerate(lines):
        if _REPORT_TITLE.search(line) and len(line) <= 60:
            prev = lines[i - 1] if i else ""
            if prev and len(prev) <= 20 and _ORG_LINE.search(prev) and not _REPORT_TITLE.search(prev):
                return prev + line
            return line
    return meta or doc.title


def _chinese_year(text: str) -> int | None:
    digits = text.translate(str.maketrans("〇零○Ooｏ一二三四五六七八九", "000000123456789"))
    return int(digits) if digits.isdigit() and len(digits) == 4 else None


def find_year(doc: Document, title: str | None) -> int | None:
    for text in filter(None, (title, _head(doc, 400))):
        found = _YEAR_TITLE.search(text)
        if found:
            token = found.group(1)
            return int(token) if token.isdigit() else _chinese_year(token)
    period = _PERIOD.search(_head(doc))
    if period:
        return int(period.group(1))
    years = [int(y) for y in _YEAR_ANY.findall(_head(doc, 1500)) if 2007 <= int(y) <= 2035]
    return max(set(years), key=years.count) if years else None


def find_issuer(doc: Document, title: str | None) -> str | None:
    """From the title (`淮安市人民政府2024年…`, `2023年度朝阳区政府信息公开…`), else the body's
    most frequent organisation name that names a place; None when none does."""
    if title:
        found = _ISSUER_BEFORE_YEAR.match(title) or _ISSUER_AFTER_YEAR.match(title)
        if found and not found.group(1).startswith(("关于", "《")) and len(found.group(1).strip("：: ")) >= 2:
            return found.group(1).strip("：: ")
    counts: dict[str, int] = {}
    for name in _ORG.findall(_head(doc)):
        name = re.sub(r"^(本报告由|本报告|根据|请与|由|向|经|各)", "", name)
        name = re.sub(r"办公室$", "", name) if name.endswith("人民政府办公室") else name
        if len(name) >= 4:
            counts[name] = counts.get(name, 0) + 1
    # Only a name that resolves to a place is surely a body's name: an unplaced match of _ORG
    # is as often a phrase ending in 局 or 委员会 (调整并落实了管委会).
    placed = {n: c for n, c in counts.items() if regions.find_region(n) is not None}
    return max(placed, key=lambda n: (placed[n], len(n))) if placed else None


def prints_tables(doc: Document) -> bool:
    """The document shows standard tables: version labels, or grid rows under the standard
    headings. The headings alone may be an opening's list of contents."""
    text = doc.text
    if any(m in text for m in STD2021_MARKERS + STD2019_MARKERS):
        return True
    return any(h in text for h in STANDARD_HEADINGS) and any(row.in_table for row in doc.rows)


def find_format(doc: Document, is_report: bool, year: int | None = None) -> str:
    text = doc.text
    if any(m in text for m in STD2021_MARKERS):
        return "std2021"
    if any(m in text for m in STD2019_MARKERS):
        return "std2019"
    if prints_tables(doc):
        return "unknown"
    if not is_report:
        return "unknown"
    # No table words at all: the format the report's year was written in (docs/warehouse.md).
    if year and year >= 2021:
        return "std2021"
    return "std2019" if year and year >= 2019 else "narrative"


def is_annual_report(doc: Document, title: str | None) -> tuple[bool, str]:
    head = _head(doc, 6000)
    sections = sum(1 for w in _SECTION_WORDS if w in head)
    if title and _NOT_REPORT_TITLE.search(title):
        return False, f"title names something else, not a report: {title[:40]}"
    if title and _REPORT_TITLE.search(title) and sections >= 2:
        return True, "title and sections"
    if title and _REPORT_TITLE.search(title) and _TITLE_YEAR.search(title) and len(title) <= 60:
        return True, "title names a report and its year"  # an opening excerpt shows few sections
    if sections >= 4 and re.search(r"(本报告|年度报告|年报)", head):
        return True, "sections"
    return False, "no report title and too few report sections"


# A development zone or park is run by its management committee, not a people's government.
_ZONE = re.compile(r"(园|园区|开发区|高新区|实验区|示范区)$")  # 浦东新区 has a people's government


def _government(issuer: str | None) -> str | None:
    """A bare area name (淮安市淮安区) is how reports refer to their government; a bare zone
    name (台创园, 某某经济开发区) to its management committee."""
    if issuer and _ZONE.search(issuer):
        return issuer + "管理委员会"
    if issuer and re.search(r"(省|市|区|县|旗|州|镇|乡)$", issuer):
        return issuer + "人民政府"
    return issuer


def _qualified(issuer: str | None, region: "regions.Region | None") -> str | None:
    """洪泽区人民政府 and 淮安市洪泽区人民政府 are one issuer: name a county's government with
    its city, so one issuer keeps one name across years."""
    if not issuer or region is None or region.level != "county" or not region.parent:
        return issuer
    if _TOWNSHIP.search(issuer) and region.name not in issuer:
        return region.name + issuer  # 壶镇镇人民政府 in 缙云县: 缙云县壶镇镇人民政府
    parent = regions.get_region(region.parent)
    if parent and issuer == region.name + "人民政府":
        return parent.name + issuer
    return issuer


def _issuer(doc: Document, title: str | None, hint: str | None, adcode_hint: str | None) -> str | None:
    """A crawl source names the column's owner; a department's report filed in that column
    keeps its own issuer when the report names one inside the same area."""
    own = _government(find_issuer(doc, title))
    if not hint:
        return own
    if own and own != hint and adcode_hint:
        region = regions.find_region(own, (title or "") + _head(doc, 2000))
        if region is not None and adcode_hint in (region.adcode, region.parent):
            return own
    return hint


def _find_region(doc: Document, issuer: str | None, title: str | None) -> "regions.Region | None":
    """The issuer names the area; when it does not (市政府办公室), the title or the body's
    organisation names usually do. A township is no GB/T 2260 unit: its county is the one
    whose government the text names (缙云县政府网), if only one is."""
    context = (title or "") + _head(doc, 2000)
    for name in filter(None, [issuer, title, *(_ORG.findall(_head(doc, 1500)))]):
        region = regions.find_region(name, context)
        if region is not None:
            return region
    if issuer and _TOWNSHIP.search(issuer):
        counties = {r.adcode: r for name in _COUNTY_GOVERNMENT.findall(context)
                    if (r := regions.find_region(name, context)) is not None and r.level == "county"}
        return next(iter(counties.values())) if len(counties) == 1 else None
    return None


def classify(doc: Document, issuer_hint: str | None = None, adcode_hint: str | None = None) -> Classification:
    title = find_title(doc)
    report, reason = is_annual_report(doc, title)
    issuer = _issuer(doc, title, issuer_hint, adcode_hint)
    region = regions.get_region(adcode_hint) if adcode_hint else _find_region(doc, issuer, title)
    year = find_year(doc, title)
    return Classification(is_report=report, reason=reason, title=title, year=year,
                          issuer=issuer if issuer == issuer_hint else _qualified(issuer, region),
                          adcode=region.adcode if region else adcode_hint, region=region.full_name if region else None,
                          format=find_format(doc, report, year))
