-- nianbao warehouse schema. Tables are replaced per document on re-load; views are
-- recreated on every connection so they always match this file.
CREATE TABLE IF NOT EXISTS documents (
    doc_id VARCHAR PRIMARY KEY,        -- sha256 of the stored bytes
    path VARCHAR, url VARCHAR, referrer VARCHAR, fetched_at TIMESTAMP, content_type VARCHAR,
    medium VARCHAR, encoding VARCHAR, bytes BIGINT, loaded_at TIMESTAMP,
    extractor_version VARCHAR          -- so failed and non-report documents are not retried
);
-- Every path a document's bytes were seen at: identical bytes under several names are one
-- document (its content address), stored once.
CREATE TABLE IF NOT EXISTS document_paths (
    doc_id VARCHAR, path VARCHAR, first_seen TIMESTAMP
);
CREATE TABLE IF NOT EXISTS reports (
    report_id VARCHAR PRIMARY KEY, doc_id VARCHAR, title VARCHAR, issuer VARCHAR, adcode VARCHAR,
    region VARCHAR, year INTEGER, format VARCHAR, script VARCHAR, extractor_version VARCHAR,
    figures INTEGER,
    failed_checks INTEGER              -- definitional and commonly expected checks that fail (not heuristics)
);
CREATE TABLE IF NOT EXISTS figures (
    report_id VARCHAR, figure_id INTEGER, key VARCHAR, label VARCHAR, value DOUBLE, unit VARCHAR,
    value_base DOUBLE, approx BOOLEAN, implicit BOOLEAN, source VARCHAR, "start" INTEGER, "end" INTEGER,
    snippet VARCHAR, part_of INTEGER,
    section VARCHAR,                   -- numbered report section (一 … 六) of a prose figure
    scope VARCHAR,                     -- period counted: year, cumulative, previous_year, change, rate
    ocr_confidence DOUBLE              -- OCR engine's confidence (0-1) in the number; NULL unless read from a scan
);
CREATE TABLE IF NOT EXISTS checks (
    report_id VARCHAR, rule VARCHAR, kind VARCHAR, ok BOOLEAN, lhs DOUBLE, rhs DOUBLE
);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY, command VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP,
    extractor_version VARCHAR, documents INTEGER, new INTEGER, unchanged INTEGER, reports INTEGER,
    not_reports INTEGER, failed INTEGER, status VARCHAR
);
CREATE TABLE IF NOT EXISTS errors (
    run_id VARCHAR, doc_id VARCHAR, path VARCHAR, url VARCHAR, reason VARCHAR, occurred_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS metrics (
    key VARCHAR PRIMARY KEY, label_zh VARCHAR, label_en VARCHAR, unit VARCHAR, table_name VARCHAR,
    formats VARCHAR, meaning VARCHAR
);
-- The terms of the within-report relations (pipeline.checks.relation_terms), rewritten from the
-- key files on every writing connection like metrics: one row per term and format.
CREATE TABLE IF NOT EXISTS relation_terms (
    format VARCHAR, rule VARCHAR, kind VARCHAR, side VARCHAR, position INTEGER, key VARCHAR, sign INTEGER,
    source VARCHAR                     -- the figure a term reads: a table cell, or (narrative.*) the prose figure
);
CREATE TABLE IF NOT EXISTS regions (
    adcode VARCHAR PRIMARY KEY, name VARCHAR, full_name VARCHAR, level VARCHAR, parent VARCHAR,
    province VARCHAR, city VARCHAR
);

-- Warehouses made before the column existed (before the views, which read these columns).
ALTER TABLE documents ADD COLUMN IF NOT EXISTS extractor_version VARCHAR;
ALTER TABLE figures ADD COLUMN IF NOT EXISTS section VARCHAR;
ALTER TABLE figures ADD COLUMN IF NOT EXISTS scope VARCHAR DEFAULT 'year';  -- rows from before scope were all this year's
-- A crawl's runs row (command 'crawl'): pages fetched (a body or a 304) and refused (robots.txt, host list).
ALTER TABLE runs ADD COLUMN IF NOT EXISTS fetched INTEGER;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS refused INTEGER;
ALTER TABLE figures ADD COLUMN IF NOT EXISTS ocr_confidence DOUBLE;  -- rows from before OCR were all printed text

-- ───────────────────────── comparison across issuers, districts and years ─────────────────────────
-- Views below are documented in docs/warehouse.md.

-- Conversion factor of a currency unit to 元 (NULL for every other unit).
CREATE OR REPLACE MACRO nb_unit_factor(u) AS
    CASE u WHEN '元' THEN 1.0 WHEN '万元' THEN 1e4 WHEN '亿元' THEN 1e8 END;
-- A place name without its administrative suffix (洪泽区 → 洪泽, 淮安市 → 淮安); a one-character
-- stem (忠 of 忠县) is too weak to strip, so the full name is kept then.
CREATE OR REPLACE MACRO nb_stem(name) AS
    CASE WHEN length(regexp_replace(name, '(特别行政区|自治区|自治州|自治县|自治旗|地区|林区|特区|省|市|盟|区|县|旗)$', '')) >= 2
         THEN regexp_replace(name, '(特别行政区|自治区|自治州|自治县|自治旗|地区|林区|特区|省|市|盟|区|县|旗)$', '')
         ELSE name END;

-- One row per report: the series it belongs to. A series is one body of one region over the
-- years: adcode + the issuer with its place names stripped (淮安市洪泽区人民政府, 洪泽区人民政府,
-- 洪泽县人民政府 and a bare 洪泽区 are all 320813|人民政府; 人民政府办公室 and 政府 count as the
-- government itself). Without an adcode the whole issuer text is the body.
-- The primary rule, the only one every series view uses: of a series' reports for one year (the
-- same report saved as page and PDF, or re-saved), the one with most figures is primary, ties going
-- to the smallest report_id; the others name it in primary_report_id. A report without a year is
-- its own primary. A view, not a stored flag, so it stays right as documents arrive in any batch.
CREATE OR REPLACE VIEW report_series AS
WITH named AS (
    SELECT r.report_id, r.issuer, r.adcode, r.region, r.year, r.format, r.figures, r.failed_checks,
           regexp_replace(coalesce(r.issuer, ''), '\s+', '', 'g') AS issuer_clean,
           g.name AS own_name, p.name AS province_name, c.name AS city_name
    FROM reports r
    LEFT JOIN regions g ON g.adcode = r.adcode
    LEFT JOIN regions p ON p.adcode = g.province AND g.province <> g.adcode
    LEFT JOIN regions c ON c.adcode = g.city AND g.city <> g.adcode
), stripped AS (
    SELECT *, regexp_replace(issuer_clean,
        '^(' || regexp_escape(coalesce(province_name, '')) || ')?'
        || '(' || regexp_escape(coalesce(city_name, '')) || ')?'
        || CASE WHEN own_name IS NULL THEN ''
                ELSE '(' || regexp_escape(own_name) || '|' || regexp_escape(nb_stem(own_name))
                     || '(特别行政区|自治区|自治州|自治县|自治旗|地区|林区|特区|省|市|盟|区|县|旗))?' END,
        '') AS body
    FROM named
), bodies AS (
    SELECT *, CASE WHEN issuer_clean = '' THEN NULL
                   WHEN adcode IS NOT NULL AND body IN ('', '政府', '人民政府', '人民政府办公室', '政府办公室', '政府办')
                        THEN '人民政府'
                   ELSE body END AS issuer_body
    FROM stripped
)
, series AS (
    SELECT *, coalesce(adcode, '') || '|' || coalesce(issuer_body, report_id) AS series FROM bodies
)
SELECT report_id, adcode, region, issuer, issuer_body, series, year, format, figures, failed_checks,
       row_number() OVER same_year = 1 AS is_primary,
       first_value(report_id) OVER same_year AS primary_report_id
FROM series
WINDOW same_year AS (PARTITION BY series, coalesce(CAST(year AS VARCHAR), report_id)
                     ORDER BY figures DESC NULLS LAST, report_id);

-- One value per report and key: a table cell wins over a prose repeat, an explicit figure
-- over a zero stated in words. Only figures of the report's year count (scope year), and
-- cumulative ones under their own `.cumulative` keys (proactive.items.cumulative), a separate series. The value is
-- in the key's unit (metrics.unit): money in whole 元 (from value_base, so 万元 and 元 rows add up),
-- counts as integers whatever count word was printed (办理申请5项 is 5 of a key counted in 件);
-- printed_value and printed_unit keep what the report says. Every report, primary or not.
CREATE OR REPLACE VIEW metric_values_all AS
WITH f AS (
    SELECT f.*, coalesce(m.unit, f.unit) AS key_unit
    FROM figures f LEFT JOIN metrics m USING (key)
    WHERE f.key IS NOT NULL AND (f.scope = 'year' OR (f.scope = 'cumulative' AND f.key LIKE '%.cumulative'))
)
SELECT r.adcode, r.region, r.issuer, r.year, r.format, f.key,
       CAST(round(CASE WHEN nb_unit_factor(f.key_unit) IS NULL THEN f.value
                       ELSE f.value_base / nb_unit_factor(f.key_unit) END) AS BIGINT) AS value,
       f.key_unit AS unit, f.value AS printed_value, f.unit AS printed_unit, f.source, r.report_id,
       s.is_primary, s.primary_report_id
FROM f JOIN reports r USING (report_id) JOIN report_series s USING (report_id)
QUALIFY row_number() OVER (PARTITION BY f.report_id, f.key
                           ORDER BY f.source = 'table' DESC, f.implicit ASC, f.figure_id) = 1;

-- The series: metric_values_all of primary reports only, so a sum counts each report once.
CREATE OR REPLACE VIEW metric_values AS
SELECT * EXCLUDE (is_primary, primary_report_id) FROM metric_values_all WHERE is_primary;

-- Year over year: every value of a primary report next to the same series' value for the same
-- key in the year before (strictly year − 1: a gap in the series gives NULLs, not a change over
-- two years). A prose figure and a table cell with the same key line up; both values are in the
-- key's unit, so 1.2 万元 last year and 15000 元 this year are 12000 and 15000.
CREATE OR REPLACE VIEW metric_yoy AS
WITH v AS (
    SELECT m.*, s.issuer_body, s.series FROM metric_values m JOIN report_series s USING (report_id)
), joined AS (
    SELECT v.*, p.year AS prev_year, p.value AS prev_value, p.printed_value AS prev_printed_value,
           p.printed_unit AS prev_printed_unit, p.format AS prev_format, p.source AS prev_source,
           p.report_id AS prev_report_id
    FROM v LEFT JOIN v p ON p.series = v.series AND p.key = v.key AND p.year = v.year - 1
)
SELECT adcode, region, issuer, issuer_body, series, year, format, key, value, unit, printed_value, printed_unit,
       source, report_id, prev_year, prev_value, prev_printed_value, prev_printed_unit, prev_format, prev_source,
       prev_report_id,
       value - prev_value AS abs_change,
       CASE WHEN prev_value <> 0 THEN (value - prev_value) / abs(prev_value) END AS rel_change
FROM joined;

-- Within the parent region (regions.parent) and year: how each region's body compares with the
-- same body of its siblings (county governments with county governments, 发展和改革局 with
-- 发展和改革局), per key (one unit per key). Only primary reports and non-null values take part.
CREATE OR REPLACE VIEW metric_compare AS
WITH v AS (
    SELECT m.*, s.issuer_body, s.failed_checks, g.level, g.parent AS parent_adcode
    FROM metric_values m
    JOIN report_series s USING (report_id)
    JOIN regions g ON g.adcode = m.adcode
    WHERE m.value IS NOT NULL AND g.parent IS NOT NULL
), stats AS (
    -- integer sums and an ordered aggregate: the same numbers on every run and export
    SELECT parent_adcode, issuer_body, year, key, count(*) AS siblings, CAST(sum(value) AS BIGINT) AS parent_total,
           stddev_pop(value ORDER BY adcode, report_id) AS sd
    FROM v GROUP BY ALL
)
SELECT v.adcode, v.region, v.issuer, v.issuer_body, v.year, v.format, v.key, v.value, v.unit, v.printed_value,
       v.printed_unit, v.source, v.report_id, v.failed_checks, v.level, v.parent_adcode, pr.full_name AS parent_region,
       st.siblings,
       rank() OVER (PARTITION BY v.parent_adcode, v.issuer_body, v.year, v.key ORDER BY v.value DESC) AS rank,
       st.parent_total,
       v.value / nullif(st.parent_total, 0) AS share,
       (v.value - st.parent_total / st.siblings) / nullif(st.sd, 0) AS z_score
FROM v
JOIN stats st ON st.parent_adcode = v.parent_adcode AND st.issuer_body IS NOT DISTINCT FROM v.issuer_body
             AND st.year = v.year AND st.key = v.key
LEFT JOIN regions pr ON pr.adcode = v.parent_adcode;

-- Counties summed up to their city and to their province, per body, year and key, in the key's
-- unit (county-level primary reports only; a city's own report is not added to its counties).
-- counties_reporting / counties shows how complete a sum is.
CREATE OR REPLACE VIEW metric_rollup AS
WITH v AS (
    SELECT m.adcode, s.issuer_body, m.year, m.key, m.value, m.unit, g.city, g.province
    FROM metric_values m
    JOIN report_series s USING (report_id)
    JOIN regions g ON g.adcode = m.adcode
    WHERE g.level = 'county' AND m.value IS NOT NULL
), up AS (
    SELECT city AS parent_adcode, 'city' AS parent_level, * FROM v WHERE city IS NOT NULL
    UNION ALL
    SELECT province AS parent_adcode, 'province' AS parent_level, * FROM v
), sizes AS (
    SELECT city AS parent_adcode, count(*) AS counties FROM regions WHERE level = 'county' AND city IS NOT NULL GROUP BY city
    UNION ALL
    SELECT province, count(*) FROM regions WHERE level = 'county' GROUP BY province
)
SELECT up.parent_adcode, p.full_name AS parent_region, up.parent_level, up.issuer_body, up.year, up.key, up.unit,
       CAST(sum(up.value) AS BIGINT) AS value,  -- integers: exact, order-independent
       count(DISTINCT up.adcode) AS counties_reporting, any_value(sizes.counties) AS counties
FROM up
JOIN regions p ON p.adcode = up.parent_adcode
LEFT JOIN sizes ON sizes.parent_adcode = up.parent_adcode
GROUP BY ALL;

-- The YAML relations with scope cross_year_same_agency, one row per term: side, key, sign and
-- lag (1 = the previous year's report). tests/test_compare.py keeps this list equal to the YAML.
CREATE OR REPLACE VIEW cross_year_relations AS
SELECT * FROM (VALUES
    ('requests.cross_year.carry.natural_person', 'commonly_expected', 'lhs', 'requests.carry_forward.natural_person', 1, 1),
    ('requests.cross_year.carry.natural_person', 'commonly_expected', 'rhs', 'requests.carried_over.natural_person', 1, 0),
    ('requests.cross_year.carry.commercial', 'commonly_expected', 'lhs', 'requests.carry_forward.commercial', 1, 1),
    ('requests.cross_year.carry.commercial', 'commonly_expected', 'rhs', 'requests.carried_over.commercial', 1, 0),
    ('requests.cross_year.carry.research', 'commonly_expected', 'lhs', 'requests.carry_forward.research', 1, 1),
    ('requests.cross_year.carry.research', 'commonly_expected', 'rhs', 'requests.carried_over.research', 1, 0),
    ('requests.cross_year.carry.social_welfare', 'commonly_expected', 'lhs', 'requests.carry_forward.social_welfare', 1, 1),
    ('requests.cross_year.carry.social_welfare', 'commonly_expected', 'rhs', 'requests.carried_over.social_welfare', 1, 0),
    ('requests.cross_year.carry.legal_services', 'commonly_expected', 'lhs', 'requests.carry_forward.legal_services', 1, 1),
    ('requests.cross_year.carry.legal_services', 'commonly_expected', 'rhs', 'requests.carried_over.legal_services', 1, 0),
    ('requests.cross_year.carry.other_org', 'commonly_expected', 'lhs', 'requests.carry_forward.other_org', 1, 1),
    ('requests.cross_year.carry.other_org', 'commonly_expected', 'rhs', 'requests.carried_over.other_org', 1, 0),
    ('requests.cross_year.carry.total', 'commonly_expected', 'lhs', 'requests.carry_forward.total', 1, 1),
    ('requests.cross_year.carry.total', 'commonly_expected', 'rhs', 'requests.carried_over.total', 1, 0),
    ('proactive.regulations.stock_flow', 'heuristic', 'lhs', 'proactive.regulations.in_force', 1, 0),
    ('proactive.regulations.stock_flow', 'heuristic', 'rhs', 'proactive.regulations.in_force', 1, 1),
    ('proactive.regulations.stock_flow', 'heuristic', 'rhs', 'proactive.regulations.issued', 1, 0),
    ('proactive.regulations.stock_flow', 'heuristic', 'rhs', 'proactive.regulations.repealed', -1, 0),
    ('proactive.normative_docs.stock_flow', 'heuristic', 'lhs', 'proactive.normative_docs.in_force', 1, 0),
    ('proactive.normative_docs.stock_flow', 'heuristic', 'rhs', 'proactive.normative_docs.in_force', 1, 1),
    ('proactive.normative_docs.stock_flow', 'heuristic', 'rhs', 'proactive.normative_docs.issued', 1, 0),
    ('proactive.normative_docs.stock_flow', 'heuristic', 'rhs', 'proactive.normative_docs.repealed', -1, 0)
) AS t(rule, kind, side, key, sign, lag);

-- Cross-year checks between consecutive primary reports of one series. Null handling as within
-- a report: a relation with a key absent from either report is not listed; ok is NULL when the
-- single-key side is blank or every key of the multi-key side is blank (other blanks count 0).
CREATE OR REPLACE VIEW cross_year_checks AS
WITH s AS (
    SELECT * FROM report_series WHERE is_primary
), pairs AS (
    SELECT cur.series, cur.adcode, cur.region, cur.issuer, cur.year, cur.report_id, prev.report_id AS prev_report_id
    FROM s cur JOIN s prev ON prev.series = cur.series AND prev.year = cur.year - 1
), terms AS (
    SELECT pairs.*, t.rule, t.kind, t.side, t.key, m.report_id IS NOT NULL AS present, t.sign * m.value AS value
    FROM pairs CROSS JOIN cross_year_relations t
    LEFT JOIN metric_values m
           ON m.report_id = CASE WHEN t.lag = 1 THEN pairs.prev_report_id ELSE pairs.report_id END AND m.key = t.key
), sides AS (
    SELECT series, adcode, region, issuer, year, report_id, prev_report_id, rule, kind,
           bool_and(present) AS complete,
           CAST(sum(value) FILTER (WHERE side = 'lhs') AS BIGINT) AS lhs,
           CAST(sum(value) FILTER (WHERE side = 'rhs') AS BIGINT) AS rhs
    FROM terms GROUP BY ALL
)
SELECT series, adcode, region, issuer, year, report_id, prev_report_id, rule, kind,
       lhs = rhs AS ok, lhs, rhs
FROM sides WHERE complete;

-- Per report: failed within-report checks by kind, failed cross-year checks (against the year
-- before), and whether its table figures repeat the previous year's report of the same series
-- exactly (every table value both reports carry is equal, at least 10 of them, one not zero).
CREATE OR REPLACE VIEW report_quality AS
WITH c AS (
    SELECT report_id, count(*) AS checks, count(ok) AS checks_assessed,
           count(*) FILTER (WHERE NOT ok AND kind = 'definitional') AS failed_definitional,
           count(*) FILTER (WHERE NOT ok AND kind = 'commonly_expected') AS failed_commonly_expected,
           count(*) FILTER (WHERE NOT ok AND kind = 'heuristic') AS failed_heuristic
    FROM checks GROUP BY report_id
), x AS (
    SELECT report_id, count(ok) AS cross_year_assessed, count(*) FILTER (WHERE NOT ok) AS failed_cross_year
    FROM cross_year_checks GROUP BY report_id
), t AS (
    SELECT m.report_id, s.series, s.year, m.key, m.value
    FROM metric_values m JOIN report_series s USING (report_id)
    WHERE m.source = 'table'
), rep AS (
    SELECT cur.report_id, any_value(prev.report_id) AS prev_report_id, count(*) AS common_table_keys,
           count(*) FILTER (WHERE cur.value IS NOT DISTINCT FROM prev.value) AS equal_table_keys,
           count(*) FILTER (WHERE cur.value IS NOT DISTINCT FROM prev.value AND cur.value <> 0) AS equal_nonzero
    FROM t cur JOIN t prev ON prev.series = cur.series AND prev.year = cur.year - 1 AND prev.key = cur.key
    GROUP BY cur.report_id
)
SELECT r.report_id, r.adcode, r.region, r.issuer, s.series, r.year, r.format, r.figures,
       coalesce(c.checks, 0) AS checks, coalesce(c.checks_assessed, 0) AS checks_assessed,
       coalesce(c.failed_definitional, 0) AS failed_definitional,
       coalesce(c.failed_commonly_expected, 0) AS failed_commonly_expected,
       coalesce(c.failed_heuristic, 0) AS failed_heuristic,
       coalesce(x.cross_year_assessed, 0) AS cross_year_assessed,
       coalesce(x.failed_cross_year, 0) AS failed_cross_year,
       rep.common_table_keys, rep.equal_table_keys,
       coalesce(rep.common_table_keys >= 10 AND rep.equal_table_keys = rep.common_table_keys
                AND rep.equal_nonzero > 0, false) AS repeats_previous,
       CASE WHEN rep.common_table_keys >= 10 AND rep.equal_table_keys = rep.common_table_keys
                 AND rep.equal_nonzero > 0 THEN rep.prev_report_id END AS repeated_report_id,
       s.is_primary
FROM reports r
JOIN report_series s USING (report_id)
LEFT JOIN c USING (report_id)
LEFT JOIN x USING (report_id)
LEFT JOIN rep USING (report_id);

-- Every failed within-report check spelled out, one row per term: the figure each key of the
-- relation read (label, value as printed, unit), its side and sign, beside the check's lhs and rhs.
-- Terms come from relation_terms (YAML relations, narrative.*), or for text.part_sum.<label> from
-- the prose total and the figures that are part_of it; a check without terms (table.*.complete:
-- cells read vs cells printed) is one row with NULL terms. A term the report does not print has a
-- NULL label and value (a printed 小计 stood in for missing leaves).
CREATE OR REPLACE VIEW check_failures AS
WITH failed AS (
    SELECT c.report_id, c.rule, c.kind, c.lhs, c.rhs, r.adcode, r.region, r.issuer, r.year, r.format
    FROM checks c JOIN reports r USING (report_id)
    WHERE NOT c.ok
), cells AS (  -- one figure per report, key and source: the last, as the checks read them
    SELECT * FROM figures WHERE key IS NOT NULL AND report_id IN (SELECT report_id FROM failed)
    QUALIFY row_number() OVER (PARTITION BY report_id, key, source ORDER BY figure_id DESC) = 1
), listed AS (
    SELECT f.report_id, f.rule, f.lhs, t.side, t.position, t.key, t.sign, t.source,
           c.figure_id, c.label, c.value, c.unit
    FROM failed f
    JOIN relation_terms t ON t.rule = f.rule AND t.format = f.format
    LEFT JOIN cells c ON c.report_id = f.report_id AND c.key = t.key AND c.source = t.source
), totals AS (  -- text.part_sum.<label>: the prose total with that label and value that has parts
    SELECT f.report_id, f.rule, f.lhs, p.figure_id
    FROM failed f
    JOIN figures p ON p.report_id = f.report_id AND f.rule = 'text.part_sum.' || p.label AND p.value = f.lhs
    WHERE EXISTS (SELECT 1 FROM figures q WHERE q.report_id = p.report_id AND q.part_of = p.figure_id)
), parts AS (
    SELECT t.report_id, t.rule, t.lhs, CASE WHEN p.figure_id = t.figure_id THEN 'lhs' ELSE 'rhs' END AS side,
           row_number() OVER (PARTITION BY t.report_id, t.figure_id, p.figure_id = t.figure_id ORDER BY p.figure_id) - 1
               AS position,
           p.key, 1 AS sign, p.source, p.figure_id, p.label, p.value, p.unit
    FROM totals t
    JOIN figures p ON p.report_id = t.report_id AND (p.figure_id = t.figure_id OR p.part_of = t.figure_id)
), terms AS (
    SELECT * FROM listed UNION ALL BY NAME SELECT * FROM parts
)
SELECT f.report_id, f.adcode, f.region, f.issuer, f.year, f.format, f.rule, f.kind, f.lhs, f.rhs,
       t.side, t.position, t.key, t.label, t.sign, t.value, t.unit, t.source, t.figure_id
FROM failed f
LEFT JOIN terms t ON t.report_id = f.report_id AND t.rule = f.rule AND t.lhs IS NOT DISTINCT FROM f.lhs;

-- Derived indicators, one row per primary report. Rates are NULL when their denominator is missing or 0.
-- In a sum, a blank term counts 0 unless every term is blank (as in the checks).
CREATE OR REPLACE VIEW indicators AS
WITH p AS (
    SELECT report_id,
        max(value) FILTER (WHERE key = 'requests.new.total') AS requests_new,
        max(value) FILTER (WHERE key = 'requests.new.natural_person') AS requests_natural_person,
        max(value) FILTER (WHERE key = 'requests.new.commercial') AS requests_commercial,
        max(value) FILTER (WHERE key = 'requests.new.research') AS requests_research,
        max(value) FILTER (WHERE key = 'requests.new.social_welfare') AS requests_social_welfare,
        max(value) FILTER (WHERE key = 'requests.new.legal_services') AS requests_legal_services,
        max(value) FILTER (WHERE key = 'requests.new.other_org') AS requests_other_org,
        max(value) FILTER (WHERE key = 'requests.outcome.total.total') AS requests_concluded,
        max(value) FILTER (WHERE key = 'requests.outcome.granted.total') AS granted,
        max(value) FILTER (WHERE key = 'requests.outcome.partial.total') AS partial,
        max(value) FILTER (WHERE key = 'review.total') AS review_total,
        max(value) FILTER (WHERE key = 'review.corrected') AS review_corrected,
        max(value) FILTER (WHERE key = 'review.pending') AS review_pending,
        max(value) FILTER (WHERE key = 'litigation.direct.total') AS lit_direct_total,
        max(value) FILTER (WHERE key = 'litigation.direct.corrected') AS lit_direct_corrected,
        max(value) FILTER (WHERE key = 'litigation.direct.pending') AS lit_direct_pending,
        max(value) FILTER (WHERE key = 'litigation.after_review.total') AS lit_after_total,
        max(value) FILTER (WHERE key = 'litigation.after_review.corrected') AS lit_after_corrected,
        max(value) FILTER (WHERE key = 'litigation.after_review.pending') AS lit_after_pending,
        max(value) FILTER (WHERE key = 'litigation.total') AS lit_total_prose
    FROM metric_values GROUP BY report_id
), q AS (
    SELECT *,
        CASE WHEN granted IS NULL AND partial IS NULL THEN NULL ELSE coalesce(granted, 0) + coalesce(partial, 0) END
            AS granted_or_partial,
        CASE WHEN lit_direct_total IS NULL AND lit_after_total IS NULL THEN lit_total_prose
             ELSE coalesce(lit_direct_total, 0) + coalesce(lit_after_total, 0) END AS litigation_total,
        CASE WHEN lit_direct_corrected IS NULL AND lit_after_corrected IS NULL THEN NULL
             ELSE coalesce(lit_direct_corrected, 0) + coalesce(lit_after_corrected, 0) END AS litigation_corrected,
        CASE WHEN lit_direct_total IS NULL AND lit_after_total IS NULL THEN NULL
             ELSE coalesce(lit_direct_total, 0) + coalesce(lit_after_total, 0)
                  - coalesce(lit_direct_pending, 0) - coalesce(lit_after_pending, 0) END AS litigation_concluded
    FROM p
)
SELECT r.report_id, r.adcode, r.region, r.issuer, r.year, r.format,
       q.requests_new, q.requests_natural_person, q.requests_commercial, q.requests_research,
       q.requests_social_welfare, q.requests_legal_services, q.requests_other_org,
       q.requests_natural_person / nullif(q.requests_new, 0) AS natural_person_share,
       q.requests_concluded, q.granted_or_partial,
       q.granted_or_partial / nullif(q.requests_concluded, 0) AS grant_rate,
       q.review_total, q.review_corrected,
       q.review_corrected / nullif(q.review_total - coalesce(q.review_pending, 0), 0) AS review_correction_rate,
       q.litigation_total, q.litigation_corrected,
       q.litigation_corrected / nullif(q.litigation_concluded, 0) AS litigation_correction_rate
FROM report_series r LEFT JOIN q USING (report_id)
WHERE r.is_primary;
