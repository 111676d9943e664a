"""Scope of prose and appendix figures (CONTRACT.md): invented sentences, hand-written expectations."""
from pipeline.extract.keys import assign_keys
from pipeline.extract.text import extract_text_figures
from pipeline.model import Figure


def _scopes(sentence: str) -> list[tuple[float, str]]:
    return [(f.value, f.scope) for f in extract_text_figures([(0, sentence)])]


def test_change_and_rate_against_last_year():
    assert _scopes("本年度共收到公开申请80件，比上年增加20件，同比增长25%。") == [
        (80, "year"), (20, "change"), (25, "rate")]


def test_previous_year_value_quoted_for_comparison():
    assert _scopes("去年同期为60件。") == [(60, "previous_year")]


def test_carried_over_from_last_year_is_this_year():
    assert _scopes("上年结转申请3件。") == [(3, "year")]


def test_cumulative_since_records_began_but_not_the_years_total():
    assert _scopes("截至2018年底，全市历年累计公开信息12000条。") == [(12000, "cumulative")]
    assert _scopes("全年累计发布信息450条。") == [(450, "year")]


def test_only_year_figures_take_keys():
    """A running total takes its own cumulative key; last year's value none."""
    figs = [Figure(label="主动公开政府信息", value=9000, unit="条", start=0, end=4, scope="cumulative"),
            Figure(label="主动公开政府信息", value=250, unit="条", start=5, end=8, scope="previous_year"),
            Figure(label="主动公开政府信息", value=300, unit="条", start=10, end=13)]
    assign_keys(figs)
    assert [f.key for f in figs] == ["proactive.items.cumulative", None, "proactive.items"]


def test_scope_in_json():
    fig = Figure(label="x", value=1, unit="件", start=0, end=1, scope="change")
    assert fig.to_json(0)["scope"] == "change"
    assert Figure(label="x", value=1, unit="件", start=0, end=1).to_json(0)["scope"] == "year"
