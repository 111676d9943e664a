"""classify: is it a report, which year it covers, who issued it, where, which format."""
from __future__ import annotations

import pytest

from pipeline.classify import classify
from pipeline.model import RawDocument
from pipeline.normalize import build_document

NARRATIVE_BODY = [
    "一、概述", "本年度，区政府主动公开政府信息1000余条。",
    "二、主动公开政府信息的情况", "全年主动公开政府文件41件。",
    "三、依申请公开政府信息和不予公开政府信息的情况", "全年受理政府信息公开申请5件。",
    "四、政府信息公开的收费及减免情况", "未收取任何费用。",
    "五、因政府信息公开申请行政复议、提起行政诉讼的情况", "未发生行政复议和行政诉讼。",
    "六、政府信息公开工作存在的主要问题及改进情况", "进一步加强。",
]


def doc(lines: list[str], title: str | None = None, medium: str = "text"):
    return build_document(RawDocument(blocks=lines, medium=medium, title=title))


def test_year_from_title_not_publication_date() -> None:
    info = classify(doc(["曾都区2016年政府信息公开工作年度报告", "发布日期：2017-03-28"] + NARRATIVE_BODY))
    assert info.is_report
    assert info.year == 2016


def test_year_from_html_title_with_published_2017() -> None:
    lines = ["发布时间：2017年3月30日 来源：区政府办", "2017年3月，根据条例要求编制本报告。"] + NARRATIVE_BODY
    info = classify(doc(lines, title="曾都区2016年政府信息公开工作年度报告", medium="html"))
    assert info.year == 2016


def test_year_from_statistics_period() -> None:
    lines = ["本报告所列数据的统计期限自2023年1月1日至2023年12月31日。2024年1月发布。"] + NARRATIVE_BODY
    info = classify(doc(lines))
    assert info.is_report
    assert info.year == 2023


def test_year_in_chinese_numerals() -> None:
    info = classify(doc(["某某县二〇一五年政府信息公开工作年度报告"] + NARRATIVE_BODY))
    assert info.year == 2015


def test_title_is_the_report_line_alone() -> None:
    """A complete title line must not swallow the line printed under it."""
    info = classify(doc(["曾都区2016年政府信息公开工作年度报告", "发布日期：2017-03-28"] + NARRATIVE_BODY))
    assert info.title == "曾都区2016年政府信息公开工作年度报告"


def test_title_over_two_cover_lines() -> None:
    info = classify(doc(["淮安市洪泽区人民政府", "2023年政府信息公开工作年度报告", "本报告由区政府办公室编制。"] + NARRATIVE_BODY,
                        medium="pdf"))
    assert info.title == "淮安市洪泽区人民政府2023年政府信息公开工作年度报告"
    assert info.issuer == "淮安市洪泽区人民政府"
    assert info.adcode == "320813"


@pytest.mark.parametrize(
    ("title", "issuer", "adcode"),
    [
        ("随州市曾都区人民政府2016年政府信息公开工作年度报告", "随州市曾都区人民政府", "421303"),
        ("淮安市人民政府2024年政府信息公开工作年度报告", "淮安市人民政府", "320800"),
        ("沭阳县发展和改革局2023年政府信息公开年度报告", "沭阳县发展和改革局", "321322"),
        ("平潭综合实验区管委会2024年度政府信息公开工作年度报告", "平潭综合实验区管委会", "350128"),
        ("2023年度北京市朝阳区政府信息公开工作年度报告", "北京市朝阳区人民政府", "110105"),
        ("二〇二二年度长春市朝阳区政府信息公开工作年度报告", "长春市朝阳区人民政府", "220104"),
    ],
)
def test_issuer_and_adcode_from_title(title: str, issuer: str, adcode: str) -> None:
    info = classify(doc([title] + NARRATIVE_BODY))
    assert info.issuer == issuer
    assert info.adcode == adcode


def test_issuer_hint_and_adcode_hint_win() -> None:
    info = classify(doc(["某某2016年政府信息公开工作年度报告"] + NARRATIVE_BODY), issuer_hint="随州市曾都区人民政府",
                    adcode_hint="421303")
    assert info.issuer == "随州市曾都区人民政府"
    assert info.adcode == "421303"
    assert info.region == "湖北省随州市曾都区"


def test_area_from_the_body_when_the_issuer_names_none() -> None:
    lines = ["市政府办公室2023年政府信息公开工作年度报告",
             "本报告由淮安市人民政府办公室根据《条例》要求编制。"] + NARRATIVE_BODY
    info = classify(doc(lines))
    assert info.issuer == "市政府办公室"
    assert info.adcode == "320800"


def test_issuer_without_title_from_body() -> None:
    lines = ["本报告由随州市曾都区人民政府办公室根据《条例》要求编制，统计期限自2016年1月1日至2016年12月31日。"] + NARRATIVE_BODY
    info = classify(doc(lines))
    assert info.adcode == "421303"


STD2021 = ["第二十条第（一）项", "信息内容 本年制发件数 本年废止件数 现行有效件数", "规章 0 0 0",
           "三、收到和处理政府信息公开申请情况", "一、本年新收政府信息公开申请数量 1 0 0 0 0 0 1"]
STD2019 = ["第二十条第（一）项", "信息内容 本年新制作数量 本年新公开数量 对外公开总数量", "规章 0 0 0",
           "第二十条第（五）项", "信息内容 上一年项目数量 本年增/减 处理决定数量"]


@pytest.mark.parametrize(
    ("extra", "fmt"),
    [
        (STD2021, "std2021"),
        (STD2019, "std2019"),
        (["二、上年结转政府信息公开申请数量", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"], "std2021"),
        (["第二十条第（九）项", "政府集中采购 采购项目数量 采购总金额"], "std2019"),
    ],
)
def test_format_from_labels(extra: list[str], fmt: str) -> None:
    info = classify(doc(["某某区2020年政府信息公开工作年度报告"] + NARRATIVE_BODY + extra))
    assert info.format == fmt


@pytest.mark.parametrize(("year", "fmt"), [(2016, "narrative"), (2018, "narrative"), (2019, "std2019"),
                                           (2020, "std2019"), (2021, "std2021"), (2024, "std2021")])
def test_prose_only_report_takes_its_years_format(year: int, fmt: str) -> None:
    """No table words at all (an opening excerpt, a prose-only page): the year's format."""
    assert classify(doc([f"某某区{year}年政府信息公开工作年度报告"] + NARRATIVE_BODY)).format == fmt


def test_opening_excerpt_with_a_dated_report_title_is_a_report() -> None:
    lines = ["某某县2012年政府信息公开工作年度报告", "本年度，我县政府信息公开工作稳步推进，全年公开各类信息300条。"]
    info = classify(doc(lines))
    assert info.is_report and info.year == 2012 and info.format == "narrative"


def test_township_takes_the_county_its_text_names() -> None:
    lines = ["2015年某某镇人民政府信息公开年度报告", "我镇信息均在缙云县政府网公开。"] + NARRATIVE_BODY
    info = classify(doc(lines))
    assert (info.adcode, info.issuer) == ("331122", "缙云县某某镇人民政府")


def test_unplaced_organisation_phrase_is_no_issuer() -> None:
    lines = ["关于本单位信息公开的情况", "年内调整并落实了管委会分工，主动公开信息20条。"] + NARRATIVE_BODY
    assert classify(doc(lines)).issuer is None


def test_format_not_inferred_from_year() -> None:
    # a 2022 report citing the 2019 notice but printing the 2021 tables (report-format.md §1)
    lines = ["西咸新区太平镇2022年政府信息公开工作年度报告", "根据国办公开办函〔2019〕60号要求编制。"] + NARRATIVE_BODY + STD2021
    assert classify(doc(lines)).format == "std2021"
    lines = ["某某县2022年政府信息公开工作年度报告"] + NARRATIVE_BODY + STD2019
    assert classify(doc(lines)).format == "std2019"


def test_notice_is_not_a_report() -> None:
    lines = ["关于做好2023年度政府信息公开工作年度报告编制发布工作的通知", "各镇人民政府、区直各单位：",
             "现就做好年度报告编制发布工作通知如下：报告应包括主动公开、依申请公开、行政复议、行政诉讼、收费、"
             "存在的主要问题及改进情况等内容。年度报告应于2024年1月31日前发布。"]
    info = classify(doc(lines))
    assert not info.is_report
    info = classify(doc(lines[1:] + NARRATIVE_BODY, title=lines[0], medium="html"))
    assert not info.is_report


@pytest.mark.parametrize("title", ["2023年政府信息公开工作要点", "《2023年政府信息公开工作年度报告》解读",
                                   "图解：2023年政府信息公开工作年度报告"])
def test_other_pages_about_reports_are_not_reports(title: str) -> None:
    assert not classify(doc(NARRATIVE_BODY, title=title, medium="html")).is_report


def test_page_without_report_sections_is_not_a_report() -> None:
    info = classify(doc(["某某区召开2023年度全区安全生产工作会议", "会议强调，要压实责任，狠抓落实。"]))
    assert not info.is_report


def test_year_written_with_letter_o() -> None:
    """二O一七: a letter O (or digit 0) typed for 〇, common in older titles."""
    assert classify(doc(["梧溪县二O一七年政府信息公开年报"] + NARRATIVE_BODY)).year == 2017


def test_department_report_in_a_county_column_keeps_its_issuer() -> None:
    info = classify(doc(["沭阳县发展和改革局2022年政府信息公开工作年度报告"] + NARRATIVE_BODY),
                    issuer_hint="沭阳县人民政府", adcode_hint="321322")
    assert (info.issuer, info.adcode) == ("沭阳县发展和改革局", "321322")


def test_source_issuer_wins_over_an_unplaced_title() -> None:
    info = classify(doc(["本机关2022年政府信息公开工作年度报告"] + NARRATIVE_BODY),
                    issuer_hint="沭阳县人民政府", adcode_hint="321322")
    assert info.issuer == "沭阳县人民政府"


@pytest.mark.parametrize(("title", "issuer"), [("某某产业园2017年信息公开报告", "某某产业园管理委员会"),
                                                ("浦东新区2012年政府信息公开工作年度报告", "上海市浦东新区人民政府")])
def test_a_bare_zone_name_is_its_management_committee(title: str, issuer: str) -> None:
    assert classify(doc([title] + NARRATIVE_BODY)).issuer == issuer
