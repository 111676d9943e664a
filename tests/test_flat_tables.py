"""Tables 三 and 四 in flattened text: one cell per line, a row per line without separators,
or the values alone (tools/flatten_tables.py makes each from a report).

The real reports are read from ../shared/corpus (never copied here) and scored against the
gold files; the invented reports come from tests/fixtures/reports.py with known values.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from fixtures.reports import Spec, expected_cells, report_html

from pipeline.metrics import COLUMNS
from pipeline.model import SourceDoc
from pipeline.process import process_bytes

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
GOLD = SHARED / "eval" / "gold"
TABLES = ("proactive.", "requests.", "review.", "litigation.")

sys.path.insert(0, str(ROOT / "tools"))
try:
    import flatten_tables
finally:
    sys.path.remove(str(ROOT / "tools"))


def _read(text: str):
    result = process_bytes(text.encode("utf-8"), SourceDoc(path=Path("flat.txt")))
    assert result.error is None, result.error
    return result


def _table_cells(result) -> dict:
    return {f.key: f.value for f in result.figures if f.source == "table" and f.key and f.key.startswith(TABLES)}


def _failing(result) -> set[str]:
    return {c.rule for c in result.checks if c.ok is False and c.kind == "definitional"}


def _gold(stem: str) -> tuple[bytes, dict]:
    gold_path = GOLD / f"{stem}.json"
    if not gold_path.is_file():
        pytest.skip(f"shared corpus not present: {gold_path}")
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    path = CORPUS / gold["doc"]
    if not path.is_file():
        pytest.skip(f"shared corpus not present: {path}")
    return path.read_bytes(), gold


# ------------------------------------------------------------------ real reports

@pytest.mark.parametrize("mode", flatten_tables.FLATTENINGS)
@pytest.mark.parametrize("stem", ["hongze-2023", "hongze-2024", "huaian-2024"])
def test_flattened_real_report_reads_its_tables(stem: str, mode: str) -> None:
    """≥ 95 % of the table cells (二, 三, 四) right against the gold, none wrong, and exactly the
    relations the gold says fail as printed reported failing (hongze-2023 prints two)."""
    data, gold = _gold(stem)
    result = _read(flatten_tables.flatten(data, f"{stem}.pdf", mode))
    got = _table_cells(result)
    want = {k: v for k, v in gold["cells"].items() if k.startswith(TABLES)}
    right = sum(1 for k, v in want.items() if k in got and got[k] == v)
    assert right >= 0.95 * len(want), f"{right}/{len(want)} cells right"
    assert not [k for k in want if k in got and got[k] != want[k]], "a cell read wrong"
    assert _failing(result) == {r["id"] for r in gold.get("relations_failing", [])}


def test_flattened_page_with_unprinted_blanks_invents_nothing() -> None:
    """The real HTML report leaves blank cells empty: flattened, its table-三 values can no
    longer be placed, so none is given (table 四 prints every value and is still read)."""
    data, gold = _gold("shuyang-fgj-2023")
    for mode in ("cells", "rows"):
        got = _table_cells(_read(flatten_tables.flatten(data, "page.html", mode)))
        assert not [k for k in got if k.startswith("requests.")]
        review = {k: v for k, v in gold["cells"].items() if k.startswith(("review.", "litigation."))}
        assert {k: got.get(k) for k in review} == review


# ------------------------------------------------------------------ invented reports

SPECS = {"2021": Spec(), "2021-other-one-row": Spec(other_one_row=True), "2019": Spec(version="2019"),
         "label-breaks": Spec(label_breaks=True), "traditional": Spec(traditional=True)}


@pytest.mark.parametrize("mode", ["cells", "rows", "numbers"])
@pytest.mark.parametrize("name", SPECS)
def test_flattened_invented_report_reads_every_cell(name: str, mode: str) -> None:
    spec = SPECS[name]
    result = _read(flatten_tables.flatten(report_html(spec), "report.html", mode))
    want = {k: v for k, v in expected_cells(spec).items() if k.startswith(TABLES)}
    assert _table_cells(result) == want
    assert not _failing(result)


@pytest.mark.parametrize("mode", ["cells", "rows", "numbers"])
def test_flattened_inconsistency_is_flagged_not_corrected(mode: str) -> None:
    """行政复议 总计 printed 0 beside its parts: read as printed, the relation fails."""
    spec = Spec(inconsistent_review=True)
    result = _read(flatten_tables.flatten(report_html(spec), "report.html", mode))
    assert _table_cells(result)["review.total"] == 0
    assert _failing(result) == {"review.sum"}


def test_subtotal_row_placed_by_labels_or_not_at_all() -> None:
    """An extra （三）不予公开小计 row: with labels it is placed; the values alone no longer
    fit the template by count, and table 三 is left unread rather than shifted."""
    spec = Spec(withheld_subtotal=True)
    want = {k: v for k, v in expected_cells(spec).items() if k.startswith("requests.")}
    labelled = _table_cells(_read(flatten_tables.flatten(report_html(spec), "report.html", "cells")))
    assert {k: labelled.get(k) for k in want} == want
    alone = _table_cells(_read(flatten_tables.flatten(report_html(spec), "report.html", "numbers")))
    assert not [k for k in alone if k.startswith("requests.")]


REVIEW_ONE_CELL_PER_LINE = """某某县民政局2022年政府信息公开工作年度报告
四、政府信息公开行政复议、行政诉讼情况
行政复议
行政诉讼
结果维持
结果纠正
其他结果
尚未审结
总计
未经复议直接起诉
复议后起诉
3
1
0
0
4
2
0
0
1
3
0
0
0
0
0
五、存在的主要问题及改进情况
本局将继续加强培训，2023年组织专题学习4次。
"""


def test_small_table_four_one_cell_per_line() -> None:
    from pipeline.extract.tables import extract_table_figures
    from pipeline.model import RawDocument
    from pipeline.normalize import build_document

    lines = [line for line in REVIEW_ONE_CELL_PER_LINE.splitlines() if line]
    figures = extract_table_figures(build_document(RawDocument(blocks=lines, medium="text")), "std2021")
    got = {f.key: f.value for f in figures}
    assert [got[f"review.{c}"] for c in ("upheld", "corrected", "other", "pending", "total")] == [3, 1, 0, 0, 4]
    assert got["litigation.direct.total"] == 3 and got["litigation.after_review.total"] == 0
    short = [line for line in lines if line != "4"]  # one value missing: fourteen fit no table
    assert not extract_table_figures(build_document(RawDocument(blocks=short, medium="text")), "std2021")


def _one_row_per_line() -> tuple[list[str], dict[str, int]]:
    """A small invented table 三 (2021, （六） as one row), each row's label run into its
    values, and the cells it prints; its （七）总计 row prints zeros."""
    from pipeline.extract.tables import _template

    lines = ["三、收到和处理政府信息公开申请情况", "申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他"]
    printed: dict[str, int] = {}
    for i, (key, label) in enumerate(_template("2021", False)):
        values = [0] * 7 if key == "outcome.total" else [i % 3, 1, 0, 0, 0, 0, i % 3 + 1]
        lines.append(label + " ".join(map(str, values)))
        printed.update({f"requests.{key}.{col}": v for col, v in zip(COLUMNS, values)})
    return lines, printed


def test_small_table_three_one_row_per_line_without_separators() -> None:
    """Labels run into the first value: positions place every row as printed, and the checks
    flag the sums the zeros of its 总计 row break, never correcting them."""
    from pipeline.checks import check_document
    from pipeline.extract.tables import extract_table_figures
    from pipeline.model import RawDocument
    from pipeline.normalize import build_document

    lines, printed = _one_row_per_line()
    figures = extract_table_figures(build_document(RawDocument(blocks=lines, medium="text")), "std2021")
    assert {f.key: f.value for f in figures} == printed
    failing = {c.rule for c in check_document(figures, "std2021") if c.ok is False and c.kind == "definitional"}
    assert "requests.outcome_sum.total" in failing and "requests.column_sum.new" not in failing


# ------------------------------------------------------------------ prose is no table

def test_prose_with_headings_and_numbers_gives_no_table_figure() -> None:
    text = "\n".join([
        "某某镇人民政府2022年政府信息公开工作年度报告",
        "一、总体情况", "本年度共主动公开政府信息236条，受理申请12件。",
        "三、收到和处理政府信息公开申请情况", "本年度新收申请12件，上年结转2件，予以公开9件，结转下年度3件。",
        "四、政府信息公开行政复议、行政诉讼情况", "本年度未发生行政复议、行政诉讼案件。",
        "五、存在的主要问题及改进情况", "培训不足，明年计划开展培训3次。",
    ])
    result = process_bytes(text.encode("utf-8"), SourceDoc(path=Path("prose.txt")))
    assert not [f for f in result.figures if f.source == "table"]


def test_prose_excerpts_give_no_table_figure() -> None:
    excerpts = sorted((CORPUS / "excerpts").glob("*.txt"))
    if not excerpts:
        pytest.skip(f"shared corpus not present: {CORPUS / 'excerpts'}")
    for path in excerpts:
        result = process_bytes(path.read_bytes(), SourceDoc(path=path))
        assert not [f for f in result.figures if f.source == "table"], path.name
