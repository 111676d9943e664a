"""The comparison views: series, year over year, within the parent region, rollups, cross-year
checks, report quality and indicators. Small hand-made warehouses pin the semantics; the sample
warehouse shows a prose year and a table year lining up."""
from __future__ import annotations

import math
from itertools import count
from pathlib import Path

import pytest

import pipeline
from pipeline.metrics import relations
from pipeline.store import in_yuan
from pipeline.store import connect as store_connect
from pipeline.store import execute

_ids = count(1)


class Warehouse:
    """Writes reports, figures and checks straight into a fresh warehouse."""

    def __init__(self, path: Path):
        self.path = path
        with store_connect(path):
            pass  # schema, views, dictionary and regions

    def report(self, adcode: str | None, issuer: str, year: int, values: dict[str, float | None], *,
               source: str = "table", units: dict[str, str] | None = None, checks: list[tuple] = (),
               fmt: str | None = None) -> str:
        report_id = f"r{next(_ids):04d}"
        fmt = fmt or ("narrative" if year < 2019 else "std2019" if year < 2021 else "std2021")
        with store_connect(self.path) as con:
            region = (execute(con, "SELECT full_name FROM regions WHERE adcode = ?", [adcode]) or [[None]])[0][0]
            execute(con, "INSERT INTO reports (report_id, doc_id, issuer, adcode, region, year, format, figures, failed_checks)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [report_id, report_id, issuer, adcode, region, year, fmt, len(values),
                     sum(1 for c in checks if c[2] is False)])
            for i, (key, value) in enumerate(values.items()):
                unit = (units or {}).get(key, "件")
                execute(con, "INSERT INTO figures (report_id, figure_id, key, label, value, unit, value_base, source,"
                             " implicit, scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?, false, 'year')",
                        [report_id, i, key, key, value, unit, in_yuan(value, unit), source])
            for rule, kind, ok in checks:
                execute(con, "INSERT INTO checks VALUES (?, ?, ?, ?, 0, 0)", [report_id, rule, kind, ok])
        return report_id

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        con = pipeline.connect(str(self.path))
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


@pytest.fixture
def wh(tmp_path) -> Warehouse:
    return Warehouse(tmp_path / "w.duckdb")


# ── series ────────────────────────────────────────────────────────────────────────────────────

def test_issuer_names_of_one_government_form_one_series(wh):
    names = ["洪泽县人民政府", "淮安市洪泽区人民政府", "洪泽区人民政府", "江苏省淮安市洪泽区人民政府办公室", "洪泽区",
             "洪泽区政府"]
    ids = [wh.report("320813", name, 2014 + i, {"requests.new.total": i}) for i, name in enumerate(names)]
    dept = wh.report("320813", "淮安市洪泽区发展和改革委员会", 2019, {"requests.new.total": 1})
    series = dict(wh.query("SELECT report_id, series FROM report_series"))
    assert {series[i] for i in ids} == {"320813|人民政府"}
    assert series[dept] == "320813|发展和改革委员会"


def test_series_when_city_and_district_share_a_stem(wh):
    """淮安市淮安区: the city name and the district's stem are both 淮安."""
    a = wh.report("320803", "淮安市淮安区人民政府", 2019, {"review.total": 1})
    b = wh.report("320803", "淮安区人民政府", 2020, {"review.total": 1})
    c = wh.report("320803", "淮安市淮安区", 2018, {"review.total": 1})
    city = wh.report("320800", "淮安市人民政府", 2019, {"review.total": 1})
    nowhere = wh.report(None, "某某局", 2019, {"review.total": 1})
    series = dict(wh.query("SELECT report_id, series FROM report_series"))
    assert series[a] == series[b] == series[c] == "320803|人民政府"
    assert series[city] == "320800|人民政府"
    assert series[nowhere] == "|某某局"


def test_duplicate_report_of_a_year_is_not_primary(wh):
    big = wh.report("320804", "淮阴区人民政府", 2020, {"requests.new.total": 5, "review.total": 1})
    small = wh.report("320804", "淮安市淮阴区人民政府", 2020, {"requests.new.total": 5})
    wh.report("320804", "淮阴区人民政府", 2021, {"requests.new.total": 7})
    primary = dict(wh.query("SELECT report_id, is_primary FROM report_series"))
    assert primary[big] and not primary[small]
    rows = wh.query("SELECT prev_report_id FROM metric_yoy WHERE year = 2021")
    assert rows == [(big,)]
    assert wh.query("SELECT count(*) FROM metric_yoy WHERE year = 2020 AND key = 'requests.new.total'") == [(1,)]
    assert wh.query("SELECT report_id FROM metric_values WHERE year = 2020") == [(big,), (big,)]
    every = wh.query("SELECT report_id, is_primary, primary_report_id FROM metric_values_all "
                     "WHERE year = 2020 AND key = 'requests.new.total' ORDER BY report_id")
    assert every == sorted([(big, True, big), (small, False, big)])
    assert wh.query("SELECT report_id FROM indicators WHERE year = 2020") == [(big,)]


def test_equal_duplicates_pick_the_smallest_report_id(wh):
    a = wh.report("320804", "淮阴区人民政府", 2020, {"requests.new.total": 5})
    b = wh.report("320804", "淮阴区人民政府", 2020, {"requests.new.total": 5})
    undated = [wh.report("320804", "淮阴区人民政府", None, {"requests.new.total": 1}, fmt="narrative") for _ in "12"]
    primary = dict(wh.query("SELECT report_id, primary_report_id FROM report_series"))
    assert primary[a] == primary[b] == min(a, b)
    assert [primary[u] for u in undated] == undated  # without a year, no report is a copy of another


# ── metric_yoy ────────────────────────────────────────────────────────────────────────────────

def test_yoy_links_prose_and_table_years_of_renamed_issuer(wh):
    prose = wh.report("320804", "淮阴区", 2018, {"requests.new.total": 31}, source="text")
    wh.report("320804", "淮安市淮阴区人民政府", 2019, {"requests.new.total": 38})
    (row,) = wh.query("SELECT prev_year, prev_value, prev_source, prev_report_id, abs_change, rel_change, source "
                      "FROM metric_yoy WHERE year = 2019")
    assert row[:5] == (2018, 31, "text", prose, 7)
    assert math.isclose(row[5], 7 / 31)
    assert row[6] == "table"


def test_yoy_gap_year_gives_null_and_zero_gives_no_relative_change(wh):
    wh.report("320804", "淮阴区人民政府", 2017, {"review.total": 0})
    wh.report("320804", "淮阴区人民政府", 2018, {"review.total": 2})
    wh.report("320804", "淮阴区人民政府", 2020, {"review.total": 3})
    rows = dict((y, (p, a, r)) for y, p, a, r in
                wh.query("SELECT year, prev_value, abs_change, rel_change FROM metric_yoy"))
    assert rows[2018] == (0, 2, None)
    assert rows[2020] == (None, None, None)


def test_yoy_converts_currency_units(wh):
    key = "fees.collected"
    wh.report("320804", "淮阴区人民政府", 2017, {key: 1.2}, source="text", units={key: "万元"})
    wh.report("320804", "淮阴区人民政府", 2018, {key: 15000}, source="text", units={key: "元"})
    (row,) = wh.query("SELECT value, unit, prev_value, prev_printed_value, prev_printed_unit, abs_change "
                      "FROM metric_yoy WHERE year = 2018")
    assert row == (15000, "元", 12000, 1.2, "万元", 3000)


def test_yoy_prose_to_table_in_sample_warehouse(sample_warehouse):
    """A 2018 prose `requests.new.total` is the previous value of the 2019 table one."""
    con = pipeline.connect(str(sample_warehouse))
    try:
        pairs = con.execute("""
            SELECT y.series, y.prev_value, p.value
            FROM metric_yoy y
            JOIN metric_values p ON p.report_id = y.prev_report_id AND p.key = y.key
            WHERE y.key = 'requests.new.total' AND y.year = 2019 AND y.source = 'table'
              AND y.prev_year = 2018 AND y.prev_source = 'text'""").fetchall()
        expected = con.execute("""
            SELECT count(*) FROM report_series a JOIN report_series b ON a.series = b.series
            JOIN metric_values va ON va.report_id = a.report_id AND va.key = 'requests.new.total' AND va.source = 'text'
            JOIN metric_values vb ON vb.report_id = b.report_id AND vb.key = 'requests.new.total' AND vb.source = 'table'
            WHERE a.year = 2018 AND b.year = 2019 AND a.is_primary AND b.is_primary""").fetchall()[0][0]
    finally:
        con.close()
    assert pairs, "no issuer with a 2018 prose and a 2019 table requests.new.total in raw/samples"
    assert len(pairs) == expected
    assert all(prev == value for _, prev, value in pairs)


# ── units ─────────────────────────────────────────────────────────────────────────────────────

def test_series_values_are_in_the_keys_unit(wh):
    fees = "fees.collected"
    wan = wh.report("320803", "淮安区人民政府", 2021, {fees: 1.25, "requests.new.total": 4}, source="text",
                    units={fees: "万元", "requests.new.total": "项"})
    yuan = wh.report("320804", "淮阴区人民政府", 2021, {fees: 300, "requests.new.total": 6},
                     units={fees: "元"})
    rows = {(r[0], r[1]): r[2:] for r in wh.query(
        "SELECT report_id, key, value, unit, printed_value, printed_unit, typeof(value) FROM metric_values")}
    assert rows[(wan, fees)] == (12500, "元", 1.25, "万元", "BIGINT")
    assert rows[(yuan, fees)] == (300, "元", 300, "元", "BIGINT")
    assert rows[(wan, "requests.new.total")] == (4, "件", 4, "项", "BIGINT")  # 项 in prose counts what 件 counts
    rollup = wh.query("SELECT unit, value FROM metric_rollup WHERE key = ? AND parent_level = 'city'", [fees])
    assert rollup == [("元", 12800)]
    (compare,) = wh.query("SELECT parent_total, printed_unit FROM metric_compare WHERE key = ? AND report_id = ?",
                          [fees, wan])
    assert compare == (12800, "万元")


def test_money_without_a_printed_unit_has_no_value_in_yuan(wh):
    key = "proactive.central_procurement.amount"  # the format prints no unit for this column
    rid = wh.report("320804", "淮阴区人民政府", 2021, {key: 35.5}, units={key: None})
    assert wh.query("SELECT value, unit, printed_value, printed_unit FROM metric_values WHERE report_id = ?",
                    [rid]) == [(None, "元", 35.5, None)]


# ── metric_compare and metric_rollup ──────────────────────────────────────────────────────────

def test_compare_ranks_siblings_of_the_same_body(wh):
    for adcode, issuer, value in (("320803", "淮安区人民政府", 10), ("320804", "淮阴区人民政府", 20),
                                  ("320812", "清江浦区人民政府", 30), ("320804", "淮阴区发展和改革局", 99)):
        wh.report(adcode, issuer, 2021, {"requests.new.total": value})
    rows = {r[0]: r[1:] for r in wh.query(
        "SELECT adcode, rank, siblings, parent_total, share, z_score, parent_region FROM metric_compare "
        "WHERE issuer_body = '人民政府'")}
    assert rows["320812"][:3] == (1, 3, 60)
    assert rows["320803"][0] == 3
    assert math.isclose(rows["320804"][3], 1 / 3)
    assert math.isclose(rows["320812"][4], 10 / math.sqrt(200 / 3))
    assert rows["320804"][4] == 0 and rows["320804"][5] == "江苏省淮安市"
    (dept,) = wh.query("SELECT rank, siblings, z_score FROM metric_compare WHERE issuer_body <> '人民政府'")
    assert dept == (1, 1, None)


def test_rollup_sums_counties_to_city_and_province(wh):
    wh.report("320803", "淮安区人民政府", 2021, {"requests.new.total": 10})
    wh.report("320804", "淮阴区人民政府", 2021, {"requests.new.total": 20})
    wh.report("320800", "淮安市人民政府", 2021, {"requests.new.total": 500})  # not a county: not summed
    wh.report("320505", "苏州市虎丘区人民政府", 2021, {"requests.new.total": 5})
    rows = {(r[0], r[1]): r[2:] for r in wh.query(
        "SELECT parent_adcode, parent_level, value, counties_reporting, counties FROM metric_rollup "
        "WHERE key = 'requests.new.total'")}
    assert rows[("320800", "city")] == (30, 2, 7)
    assert rows[("320500", "city")][:2] == (5, 1)
    assert rows[("320000", "province")][:2] == (35, 3)


# ── cross-year checks ─────────────────────────────────────────────────────────────────────────

def test_cross_year_relations_match_the_yaml(wh):
    expected = set()
    for version in ("2019", "2021"):
        for rel in relations(version):
            if rel.scope != "cross_year_same_agency":
                continue
            assert rel.operator == "=="
            for side, keys in (("lhs", rel.lhs), ("rhs", rel.rhs)):
                for key in keys:
                    name, _, when = key.lstrip("-").partition("@")
                    expected.add((rel.id, rel.kind, side, name, -1 if key.startswith("-") else 1,
                                  1 if when == "year-1" else 0))
    assert set(wh.query("SELECT * FROM cross_year_relations")) == expected


def test_cross_year_carry_and_stock_flow(wh):
    wh.report("320813", "洪泽区人民政府", 2023, {
        "requests.carry_forward.total": 4, "requests.carry_forward.natural_person": None,
        "proactive.normative_docs.in_force": 5})
    wh.report("320813", "淮安市洪泽区人民政府", 2024, {
        "requests.carried_over.total": 3, "requests.carried_over.natural_person": 0,
        "proactive.normative_docs.in_force": 8, "proactive.normative_docs.issued": 3,
        "proactive.normative_docs.repealed": 0})
    rows = {r[0]: r[1:] for r in wh.query("SELECT rule, kind, ok, lhs, rhs FROM cross_year_checks")}
    assert rows["requests.cross_year.carry.total"] == ("commonly_expected", False, 4, 3)
    assert rows["requests.cross_year.carry.natural_person"][1] is None  # blank last year: not assessed
    assert rows["proactive.normative_docs.stock_flow"] == ("heuristic", True, 8, 8)
    assert "requests.cross_year.carry.research" not in rows  # keys absent: not listed
    assert "proactive.regulations.stock_flow" not in rows
    (q,) = wh.query("SELECT failed_cross_year, cross_year_assessed FROM report_quality WHERE year = 2024")
    assert q == (1, 2)


def test_cross_year_needs_consecutive_years(wh):
    wh.report("320813", "洪泽区人民政府", 2021, {"requests.carry_forward.total": 4})
    wh.report("320813", "洪泽区人民政府", 2023, {"requests.carried_over.total": 3})
    assert wh.query("SELECT count(*) FROM cross_year_checks") == [(0,)]


# ── report_quality ────────────────────────────────────────────────────────────────────────────

def _table(seed: int, n: int = 12) -> dict[str, float]:
    return {f"requests.outcome.granted.k{i}": float(seed + i) for i in range(n)}


def test_repeated_table_is_flagged(wh):
    first = wh.report("320804", "淮阴区人民政府", 2021, _table(1))
    copy = wh.report("320804", "淮阴区人民政府", 2022, {**_table(1), "requests.new.total": 4.0})
    changed = wh.report("320804", "淮阴区人民政府", 2023, {**_table(1), "requests.outcome.granted.k3": 0.0})
    rows = {r[0]: r[1:] for r in wh.query(
        "SELECT report_id, repeats_previous, repeated_report_id, common_table_keys, equal_table_keys FROM report_quality")}
    assert rows[first] == (False, None, None, None)
    assert rows[copy] == (True, first, 12, 12)
    assert rows[changed][:2] == (False, None)
    assert rows[changed][2:] == (12, 11)  # the 12 keys both carry; k3 differs


def test_all_zero_or_small_tables_are_not_repeats(wh):
    wh.report("320804", "淮阴区人民政府", 2021, {k: 0.0 for k in _table(0)})
    zeros = wh.report("320804", "淮阴区人民政府", 2022, {k: 0.0 for k in _table(0)})
    wh.report("320803", "淮安区人民政府", 2021, _table(1, n=5))
    small = wh.report("320803", "淮安区人民政府", 2022, _table(1, n=5))
    flags = dict(wh.query("SELECT report_id, repeats_previous FROM report_quality"))
    assert flags[zeros] is False and flags[small] is False


def test_failed_checks_are_counted_by_kind(wh):
    rid = wh.report("320804", "淮阴区人民政府", 2021, {"review.total": 1}, checks=[
        ("a", "definitional", False), ("b", "definitional", True), ("c", "commonly_expected", False),
        ("d", "commonly_expected", False), ("e", "heuristic", False), ("f", "definitional", None)])
    (row,) = wh.query("SELECT checks, checks_assessed, failed_definitional, failed_commonly_expected, failed_heuristic "
                      "FROM report_quality WHERE report_id = ?", [rid])
    assert row == (6, 5, 1, 2, 1)


def test_check_failures_spell_out_prose_repeats_and_incomplete_tables(wh):
    rid = wh.report("320804", "淮阴区人民政府", 2021, {"litigation.direct.total": 3, "litigation.after_review.total": 2})
    with store_connect(wh.path) as con:
        execute(con, "INSERT INTO figures (report_id, figure_id, key, label, value, unit, source, implicit, scope) "
                     "VALUES (?, 9, 'litigation.total', '行政诉讼', 4, '件', 'text', false, 'year')", [rid])
        execute(con, "INSERT INTO checks VALUES (?, 'narrative.litigation.total', 'commonly_expected', false, 4, 5), "
                     "(?, 'table.review.complete', 'commonly_expected', false, 12, 15), "
                     "(?, 'review.sum', 'definitional', true, 0, 0)", [rid, rid, rid])
    rows = wh.query("SELECT rule, side, key, label, value, source FROM check_failures ORDER BY rule, side, position")
    assert rows == [
        ("narrative.litigation.total", "lhs", "litigation.total", "行政诉讼", 4, "text"),
        ("narrative.litigation.total", "rhs", "litigation.direct.total", "litigation.direct.total", 3, "table"),
        ("narrative.litigation.total", "rhs", "litigation.after_review.total", "litigation.after_review.total", 2,
         "table"),
        ("table.review.complete", None, None, None, None, None),  # no terms: cells read vs printed
    ]


def test_check_failure_terms_add_up_to_their_sides(sample_warehouse):
    con = pipeline.connect(str(sample_warehouse))
    try:
        sides = con.execute("""
            SELECT report_id, rule, lhs, rhs, side, CASE side WHEN 'lhs' THEN lhs ELSE rhs END AS printed,
                   sum(sign * coalesce(value, 0)) AS summed
            FROM check_failures WHERE side IS NOT NULL GROUP BY ALL""").fetchall()
    finally:
        con.close()
    assert sides, "raw/samples has no failed check with terms"
    assert all(math.isclose(printed, summed) for *_, printed, summed in sides)


# ── indicators ────────────────────────────────────────────────────────────────────────────────

def test_indicators(wh):
    rid = wh.report("320804", "淮阴区人民政府", 2021, {
        "requests.new.total": 50, "requests.new.natural_person": 40, "requests.new.commercial": 6,
        "requests.new.research": None, "requests.outcome.total.total": 48,
        "requests.outcome.granted.total": 20, "requests.outcome.partial.total": 4,
        "review.total": 5, "review.corrected": 1, "review.pending": 1,
        "litigation.direct.total": 3, "litigation.direct.corrected": 1, "litigation.direct.pending": 1,
        "litigation.after_review.total": 2, "litigation.after_review.corrected": 0,
        "litigation.after_review.pending": 0})
    prose = wh.report("320804", "淮阴区人民政府", 2018, {
        "requests.new.total": 30, "requests.outcome.total.total": 30, "requests.outcome.granted.total": 12,
        "review.total": 0, "litigation.total": 2}, source="text")
    cols = ["requests_new", "requests_natural_person", "requests_commercial", "requests_research", "natural_person_share",
            "grant_rate", "review_correction_rate", "litigation_total", "litigation_correction_rate"]
    row = dict(zip(cols, wh.query(f"SELECT {', '.join(cols)} FROM indicators WHERE report_id = ?", [rid])[0]))
    assert row["requests_new"] == 50 and row["requests_natural_person"] == 40 and row["requests_commercial"] == 6
    assert row["requests_research"] is None
    assert math.isclose(row["natural_person_share"], 0.8)
    assert math.isclose(row["grant_rate"], 24 / 48)
    assert math.isclose(row["review_correction_rate"], 1 / 4)
    assert row["litigation_total"] == 5
    assert math.isclose(row["litigation_correction_rate"], 1 / 4)
    row = dict(zip(cols, wh.query(f"SELECT {', '.join(cols)} FROM indicators WHERE report_id = ?", [prose])[0]))
    assert math.isclose(row["grant_rate"], 12 / 30)  # partial not stated: counts 0
    assert row["review_correction_rate"] is None  # nothing concluded
    assert row["litigation_total"] == 2


def test_views_have_rows_on_the_samples(sample_warehouse):
    con = pipeline.connect(str(sample_warehouse))
    try:
        for view in ("report_series", "metric_yoy", "metric_compare", "metric_rollup", "cross_year_checks",
                     "report_quality", "indicators"):
            assert con.execute(f"SELECT count(*) FROM {view}").fetchall()[0][0] > 0, view
        # every report has one quality row, every primary report one indicator row
        assert con.execute("SELECT (SELECT count(*) FROM reports) = (SELECT count(*) FROM report_quality) AND "
                           "(SELECT count(*) FILTER (WHERE is_primary) FROM report_series) = "
                           "(SELECT count(*) FROM indicators)").fetchall()[0][0]
    finally:
        con.close()
