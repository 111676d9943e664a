-- nianbao warehouse schema. Tables are replaced per document on re-load; views are
-- recreated on every connection so they always match this file.
CREATE TABLE IF NOT EXISTS documents (
    doc_id VARCHAR PRIMARY KEY,        -- sha256 of the stored bytes
    path VARCHAR, url VARCHAR, referrer VARCHAR, fetched_at TIMESTAMP, content_type VARCHAR,
    medium VARCHAR, encoding VARCHAR, bytes BIGINT, loaded_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS reports (
    report_id VARCHAR PRIMARY KEY, doc_id VARCHAR, title VARCHAR, issuer VARCHAR, adcode VARCHAR,
    region VARCHAR, year INTEGER, format VARCHAR, script VARCHAR, extractor_version VARCHAR,
    figures INTEGER, failed_checks INTEGER
);
CREATE TABLE IF NOT EXISTS figures (
    report_id VARCHAR, figure_id INTEGER, key VARCHAR, label VARCHAR, value DOUBLE, unit VARCHAR,
    value_base DOUBLE, approx BOOLEAN, implicit BOOLEAN, source VARCHAR, "start" INTEGER, "end" INTEGER,
    snippet VARCHAR, part_of INTEGER
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
CREATE TABLE IF NOT EXISTS regions (
    adcode VARCHAR PRIMARY KEY, name VARCHAR, full_name VARCHAR, level VARCHAR, parent VARCHAR,
    province VARCHAR, city VARCHAR
);

-- One value per report and key: a table cell wins over a prose repeat, an explicit figure
-- over a zero stated in words.
CREATE OR REPLACE VIEW metric_values AS
SELECT r.adcode, r.region, r.issuer, r.year, r.format, f.key, f.value, f.unit, f.source, r.report_id
FROM figures f JOIN reports r USING (report_id)
WHERE f.key IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY f.report_id, f.key
                           ORDER BY f.source = 'table' DESC, f.implicit ASC, f.figure_id) = 1;
