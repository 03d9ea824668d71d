-- DuckDB twin of ../facts-for-company.sql: DuckDB's UNNEST of a list of structs yields one struct
-- column (Athena's yields a column per field), so the fields are read from it.
SELECT r.company_name, r.domain, r.lead_email, r.researched_at, r.run_id,
       f.id AS fact_id, f.category, f.claim, f.quote, f.source_url, f.verified
FROM research r
CROSS JOIN UNNEST(r.facts) AS t (f)
WHERE r.domain = ?
ORDER BY r.researched_at DESC, f.id
