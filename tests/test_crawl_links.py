"""Link rules on small pages: report titles, lookalikes, pagination, attachments."""
from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from pipeline.crawl.links import attachment_links, is_report_title, pagination_links, report_links

BASE = "http://www.qinghe.example/zwgk/zfxxgknb/index.html"


def page(body: str, url: str = BASE, encoding: str = "utf-8") -> HtmlResponse:
    html = f'<html><head><meta charset="{encoding}"></head><body>{body}</body></html>'
    return HtmlResponse(url=url, body=html.encode(encoding), encoding=encoding)


@pytest.mark.parametrize("title", [
    "青禾县2023年政府信息公开工作年度报告",
    "2022年度政府信息公开年报",
    "青禾县人民政府2021年度政府信息公开工作报告",
    "青禾縣2021年政府信息公開工作年度報告",
    "青禾县二〇二〇年政府信息公开工作年度报告",
    "2019年年度报告",
    "青禾县２０２３年政务公开工作年度报告",
    "二〇一八年度青禾县政府信息公开工作年度报告",
    "青禾县二O一七年政府信息公开年报",  # a letter O typed for 〇
    "青禾县二0一六年政府信息公开工作年度报告",  # a digit 0
])
def test_report_titles(title: str) -> None:
    assert is_report_title(title)


@pytest.mark.parametrize("title", [
    "关于做好2023年度政府信息公开工作年度报告编制工作的通知",
    "2023年政务公开工作要点",
    "2022年政务公开工作要点落实情况",
    "政府信息公开工作年度报告格式（2021年版）",
    "一图读懂：图解2023年政府信息公开工作年度报告",
    "《2023年政府信息公开工作年度报告》解读",
    "2023年政府工作报告",
    "2023年企业年报公示",
    "2022年统计年报",
    "政府信息公开工作年度报告",  # no year: the column's intro page
    "一图读懂青禾县2022年政府信息公开工作年度报告",
    "青禾县2022年政府信息公开工作年度报告（解读）",
    "关于青禾县2022年政府信息公开工作年度报告的公示",
    "青禾县2022年法治政府建设年度报告",
    "2022年社会信用体系建设年度报告",
])
def test_lookalikes_are_not_reports(title: str) -> None:
    assert not is_report_title(title)


def test_report_links_use_title_attribute_for_truncated_text() -> None:
    response = page('<a href="./202403/t20240320_1.html" title="青禾县2023年政府信息公开工作年度报告">青禾县2023年政府信息...</a>'
                    '<a href="./202402/t20240205_2.html">关于报送2023年政府信息公开工作年度报告的通知</a>'
                    '<a href="mailto:x@qinghe.example">2023年年度报告</a>')
    assert report_links(response, None, None) == ["http://www.qinghe.example/zwgk/zfxxgknb/202403/t20240320_1.html"]


def test_link_pattern_replaces_the_title_rule_but_not_the_lookalike_rule() -> None:
    response = page('<a href="/art/2024/3/20/art_1234_9.html">2023年</a>'
                    '<a href="/art/2024/2/5/art_1234_8.html">2023年年报编制工作通知</a>'
                    '<a href="/art/2024/3/20/art_999_7.html">2023年政府信息公开工作年度报告</a>')
    links = report_links(response, None, r"/art_1234_\d+\.html$")
    assert links == ["http://www.qinghe.example/art/2024/3/20/art_1234_9.html"]


def test_link_selector_limits_the_search() -> None:
    response = page('<div class="hot"><a href="/a.html">2023年政府信息公开工作年度报告</a></div>'
                    '<ul class="list"><li><a href="/b.html">2022年政府信息公开工作年度报告</a></li></ul>')
    assert report_links(response, "ul.list", None) == ["http://www.qinghe.example/b.html"]


def test_gbk_page_with_chinese_href_is_escaped_like_scrapy_requests_it() -> None:
    response = page('<a href="/files/2023年报.html">2023年政府信息公开年报</a>', encoding="gb2312")
    [url] = report_links(response, None, None)
    assert url.startswith("http://www.qinghe.example/files/") and url.isascii()


def test_pagination_next_page_numbers_and_index_n() -> None:
    response = page('<a href="index_1.html">下一页</a><a href="index_2.html">3</a><a href="index_9.html">尾页</a>'
                    '<a href="list.jsp?pageNum=4">[4]</a><a href="/other/index_1.html">下一页</a>'
                    '<a href="./202403/t1.html">12</a>')
    assert pagination_links(response) == [
        "http://www.qinghe.example/zwgk/zfxxgknb/index_1.html",
        "http://www.qinghe.example/zwgk/zfxxgknb/index_2.html",
        "http://www.qinghe.example/zwgk/zfxxgknb/index_9.html",
        "http://www.qinghe.example/zwgk/zfxxgknb/list.jsp?pageNum=4",
    ]


def test_pagination_from_trs_script_pager() -> None:
    response = page('<script>createPageHTML(3, 0, "index", "html");</script>')
    assert pagination_links(response) == [
        "http://www.qinghe.example/zwgk/zfxxgknb/index_1.html",
        "http://www.qinghe.example/zwgk/zfxxgknb/index_2.html",
    ]


@pytest.mark.parametrize("script", [
    'var currentPage = 0;//从0开始\nvar countPage = 3//共多少页\ncreatePageHTML(countPage, currentPage, "index", "html");',
    "createPageHTML('page_div', 3, 1, 'index', 'shtml', 57);",
])
def test_pagination_from_trs_pager_variants(script: str) -> None:
    definition = "function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt) {}"
    response = page(f"<script>{definition}</script><script>{script}</script>")
    ext = "shtml" if "shtml" in script else "html"
    assert pagination_links(response) == [
        f"http://www.qinghe.example/zwgk/zfxxgknb/index_1.{ext}",
        f"http://www.qinghe.example/zwgk/zfxxgknb/index_2.{ext}",
    ]


def test_hanweb_records_held_in_an_xml_script_or_as_bare_cdata() -> None:
    record = '<record><![CDATA[<li><a href="/art/2024/1/17/art_1234_{0}.html" title="青禾县{1}年政府信息公开工作年度报告">' \
             '青禾县{1}年政府信息...</a><span>2024-01-17</span></li>]]></record>'
    response = page(
        '<div id="4185575"><script type="text/xml"><datastore>'
        '<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&columnid=1234"></a>]]></nextgroup>'
        f'<recordset>{record.format(1, 2023)}{record.format(2, 2022)}</recordset></datastore></script></div>'
        f'<div class="list">{record.format(3, 2021)}</div>'
        '<script>//<![CDATA[\nvar s = \'<a href="/x.html">2020年政府信息公开工作年度报告</a>\';\n//]]></script>',
        url="http://www.qinghe.example/col/col1234/index.html")
    assert report_links(response, None, None) == [f"http://www.qinghe.example/art/2024/1/17/art_1234_{n}.html"
                                                   for n in (1, 2, 3)]
    assert report_links(response, "#4185575", None) == [f"http://www.qinghe.example/art/2024/1/17/art_1234_{n}.html"
                                                         for n in (1, 2)]


def test_a_bare_view_link_takes_the_title_printed_in_its_row() -> None:
    """The first of the row's links, when none carries a title of its own."""
    response = page(
        '<table><tr><td>1</td><td>青禾县2019年政府信息公开工作年度报告</td><td><a href="./202001/a.shtml">查看</a></td></tr>'
        '<tr><td>2</td><td>2019年政务公开工作要点</td><td><a href="./201903/b.shtml">【详情】</a></td></tr>'
        '<tr><td>青禾县2018年政府信息公开工作年度报告 <a href="./201903/c.shtml">查看</a> <a href="./201903/c.pdf">下载</a></td></tr>'
        '</table><p>青禾县2017年政府信息公开工作年度报告 <a href="./201803/d.shtml">查看</a></p>')
    assert report_links(response, None, None) == [f"http://www.qinghe.example/zwgk/zfxxgknb/{path}"
                                                   for path in ("202001/a.shtml", "201903/c.shtml", "201803/d.shtml")]


def test_attachments_documents_embedded_pdf_and_content_images_only() -> None:
    response = page(
        '<div class="header"><img src="/images/logo.png"></div>'
        '<div class="TRS_Editor"><p><img src="./W0201.png"></p><p><img src="./spacer.gif"></p></div>'
        '<a href="./P0201.pdf">附件1</a>'
        '<a href="/module/download/downfile.jsp?classid=0&filename=a2023.docx">下载</a>'
        '<a href="./P0202.html">附件：表格.wps</a>'
        '<iframe src="/pdfjs/web/viewer.html?file=/files/nb2023.pdf"></iframe>'
        '<a href="./other.html">相关链接</a>',
        url="http://www.qinghe.example/zwgk/zfxxgknb/202403/t20240320_1.html",
    )
    assert attachment_links(response) == [
        "http://www.qinghe.example/zwgk/zfxxgknb/202403/P0201.pdf",
        "http://www.qinghe.example/module/download/downfile.jsp?classid=0&filename=a2023.docx",
        "http://www.qinghe.example/zwgk/zfxxgknb/202403/P0202.html",
        "http://www.qinghe.example/files/nb2023.pdf",
        "http://www.qinghe.example/zwgk/zfxxgknb/202403/W0201.png",
    ]
