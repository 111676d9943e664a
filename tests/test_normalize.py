"""normalize: script, width and spaces, and offsets that point into the normalized text."""
from __future__ import annotations

from pathlib import Path

import opencc
import pytest
from fixtures.reports import Spec, report_docx, report_html, report_pdf

from pipeline.model import RawDocument, RawTable, SourceDoc
from pipeline.normalize import build_document, clean_spaces, detect_script, fold_width, normalize_units
from pipeline.numbers import parse_number
from pipeline.process import process_bytes

TRADITIONAL = "本機關全年主動公開政府信息１２３４條，受理政府信息公開申請３７件，總計辦理結果已報告。"


def test_detect_script() -> None:
    assert detect_script("本机关全年主动公开政府信息1234条，受理申请37件。") == "simplified"
    assert detect_script(TRADITIONAL) == "traditional"
    assert detect_script("") == "simplified"
    assert detect_script("2023 0 0 0") == "simplified"


def test_traditional_converted_to_simplified() -> None:
    doc = build_document(RawDocument(blocks=[TRADITIONAL], medium="text"))
    assert doc.script == "traditional"
    assert doc.text == "本机关全年主动公开政府信息1234条，受理政府信息公开申请37件，总计办理结果已报告。\n"


def test_simplified_text_left_alone() -> None:
    text = "本机关全年主动公开政府信息1234条，其中乾隆年间的“後”字不转换。"
    doc = build_document(RawDocument(blocks=[text], medium="text"))
    assert doc.script == "simplified"
    assert doc.text == text + "\n"


def test_traditional_title_converted() -> None:
    raw = RawDocument(blocks=[TRADITIONAL], medium="html", title="某某區２０２３年政府信息公開工作年度報告")
    assert build_document(raw).title == "某某区2023年政府信息公开工作年度报告"


def test_full_width_folded() -> None:
    assert fold_width("０１２３４５６７８９，＋１４，－３，６４２０．３５，１００％，ＡＢｃ") == \
        "0123456789，+14，-3，6420.35，100%，ABc"
    # Chinese punctuation that standard labels use stays as printed
    assert fold_width("（一）予以公开、“一件事一次办”") == "（一）予以公开、“一件事一次办”"


def test_spaces_between_cjk_removed_but_not_between_numbers() -> None:
    assert clean_spaces("2023 年 共 受 理 申 请 21 件") == "2023年共受理申请21件"
    assert clean_spaces("21 0 0 0 0 0 21") == "21 0 0 0 0 0 21"
    assert clean_spaces(fold_width("　本年度　新收\u3000申请")) == "本年度新收申请"
    assert clean_spaces("Open  Government   Data") == "Open Government Data"


def test_nbsp_and_ideographic_space() -> None:
    doc = build_document(RawDocument(blocks=["\u3000\u3000本年度\xa0受理申请\xa021\xa0件"], medium="html"))
    assert doc.text == "本年度受理申请21件\n"


# Units whose edges meet spaces, Chinese and full-width signs, so a pass over them joined would
# show if one unit's end or start changed what happens in the next.
_UNITS = ["  申请 人 ", " 数量", "１２ 件 ", "", "\u3000合计\t", "a  b", "年 ", " 月", "（一）\xa0 2023 年"]


@pytest.mark.parametrize("traditional", [False, True])
def test_units_normalized_together_as_alone(traditional: bool) -> None:
    alone = [clean_spaces(fold_width(unit)) for unit in _UNITS]
    expected = [opencc.OpenCC("t2s.json").convert(u) for u in alone] if traditional else alone
    assert normalize_units(_UNITS, traditional) == expected
    assert normalize_units([], traditional) == []


def test_unit_holding_the_separator_is_cleaned_alone() -> None:
    units = ["甲 乙", "x\x00y  z", " 丙"]
    assert normalize_units(units, False) == ["甲乙", "x\x00y z", "丙"]


def test_table_rows_and_offsets() -> None:
    table = RawTable(rows=[["项目", "数量", "数量"], ["規章", "１２", "3"]], origins=[[0, 1, 1], [2, 3, 4]])
    doc = build_document(RawDocument(blocks=["表二", table, "結束"], medium="html"))
    # a cell spanning two columns is printed once
    assert doc.text.count("数量") == 1
    table_rows = [r for r in doc.rows if r.in_table]
    assert len(table_rows) == 2
    header, row = table_rows
    assert header.tokens[1].start == header.tokens[2].start
    for token in header.tokens + row.tokens:
        assert doc.text[token.start:token.end] == token.text
    assert [t.text for t in row.tokens] == ["规章", "12", "3"]
    assert doc.line_texts()[0] == (0, "表二")


def _offsets_match(result) -> list[tuple]:
    text = result.document.text
    bad = []
    for fig in result.figures:
        if fig.implicit or fig.value is None:
            continue
        printed = text[fig.start:fig.end]
        value = parse_number(printed.replace(" ", ""))
        if value != fig.value:
            bad.append((fig.key, fig.label, fig.value, printed))
    return bad


@pytest.mark.parametrize("spec", [Spec(), Spec(version="2019"), Spec(traditional=True), Spec(label_breaks=True, blanks=True)],
                         ids=["2021", "2019", "traditional", "breaks-blanks"])
def test_figure_offsets_html(spec: Spec) -> None:
    result = process_bytes(report_html(spec), SourceDoc(path=Path("report.html")))
    assert result.error is None
    assert len(result.figures) > 150
    assert _offsets_match(result) == []
    if spec.traditional:
        assert result.document.script == "traditional"
        assert "总计" in result.document.text and "總計" not in result.document.text


def test_figure_offsets_pdf() -> None:
    result = process_bytes(report_pdf(Spec()), SourceDoc(path=Path("report.pdf")))
    assert result.error is None
    assert _offsets_match(result) == []


def test_figure_offsets_docx() -> None:
    result = process_bytes(report_docx(Spec()), SourceDoc(path=Path("report.docx")))
    assert result.error is None
    assert _offsets_match(result) == []


def test_prose_offsets_traditional_plain_text() -> None:
    s2t = opencc.OpenCC("s2t.json")
    lines = ["某某区2016年政府信息公开工作年度报告", "一、概述", "全年主动公开政府文件３８件，编发工作简报1270条，惠农补贴信息160余条。",
             "二、依申请公开情况", "全年受理政府信息公开申请二十三件，已全部办结，办理中一律未收取工本费。",
             "三、行政复议和行政诉讼情况", "本区当年既没有被申请行政复议，也没有被提起行政诉讼。",
             "四、不足与下一步打算", "如需查阅本文，请登录区政府网站信息公开专栏。"]
    data = s2t.convert("\n".join(lines)).encode("utf-8")
    result = process_bytes(data, SourceDoc(path=Path("report.txt")))
    assert result.error is None and result.is_report
    assert result.document.script == "traditional"
    values = {(f.value, f.unit) for f in result.figures if not f.implicit}
    assert {(38, "件"), (1270, "条"), (160, "条"), (23, "件")} <= values
    assert _offsets_match(result) == []
    assert {f.key for f in result.figures if f.implicit} == {"fees.collected", "review.total", "litigation.total"}
    text = result.document.text
    for fig in result.figures:
        if fig.implicit:
            assert text[fig.start:fig.end]  # points at the sentence that states the zero
