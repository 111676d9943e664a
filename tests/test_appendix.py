"""Statistics tables appended to pre-2019 prose reports: this year's column and the cumulative
one, each figure with its scope; only this year's take keys."""
from __future__ import annotations

from pathlib import Path

from pipeline.model import SourceDoc
from pipeline.process import process_bytes

PAGE = """<html><head><title>某某区2015年政府信息公开工作年度报告</title></head><body><div id="zoom">
<p>一、概述</p><p>本报告根据《条例》编制。</p>
<p>二、主动公开政府信息情况</p><p>全年主动公开政府信息4345条。</p>
<p>三、依申请公开政府信息情况</p><p>全年收到申请148件。</p>
<p>四、政府信息公开的收费及减免情况</p><p>未收取任何费用。</p>
<p>五、因政府信息公开申请行政复议、提起行政诉讼的情况</p><p>详见附表。</p>
<p>六、附表</p>
<table>
<tr><td>统计指标</td><td>单位</td><td>2015年度</td><td>历年累计</td></tr>
<tr><td>主动公开信息数</td><td>条</td><td>4345</td><td>38210</td></tr>
<tr><td>其中：1.当面申请数</td><td>件</td><td>33</td><td>301</td></tr>
<tr><td>对申请的答复总数</td><td>件</td><td>143</td><td>1019</td></tr>
<tr><td>行政复议数</td><td>件</td><td>/</td><td>6</td></tr>
<tr><td>行政诉讼数</td><td>件</td><td>2</td><td>9</td></tr>
</table></div></body></html>"""


def test_both_columns_become_figures_and_only_this_years_take_this_years_keys() -> None:
    """The cumulative column keeps its figures apart: a running total of items takes its own
    `.cumulative` key, the others none."""
    result = process_bytes(PAGE.encode("utf-8"), SourceDoc(path=Path("a.html")))
    rows = [(f.key, f.label, f.value, f.unit, f.scope) for f in result.figures if f.source == "appendix"]
    assert rows == [
        ("proactive.items.cumulative", "主动公开信息数", 38210, "条", "cumulative"),
        (None, "当面申请数", 33, "件", "year"),
        (None, "当面申请数", 301, "件", "cumulative"),
        ("requests.outcome.total.total", "对申请的答复总数", 143, "件", "year"),
        (None, "对申请的答复总数", 1019, "件", "cumulative"),
        ("review.total", "行政复议数", None, "件", "year"),
        (None, "行政复议数", 6, "件", "cumulative"),
        ("litigation.total", "行政诉讼数", 2, "件", "year"),
        (None, "行政诉讼数", 9, "件", "cumulative"),
    ]


def test_an_appendix_row_restating_the_prose_is_not_a_second_figure() -> None:
    result = process_bytes(PAGE.encode("utf-8"), SourceDoc(path=Path("a.html")))
    assert [f.source for f in result.figures if f.value == 4345] == ["text"]
    assert result.document.text[[f for f in result.figures if f.label == "行政诉讼数"][0].start] == "2"
