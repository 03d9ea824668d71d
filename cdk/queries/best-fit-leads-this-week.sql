-- The best-fitting leads researched in the last 7 days: one row per lead (its latest research),
-- highest fit first. Written in the SQL that Athena (engine v3) and DuckDB share, over the
-- `research` table (one JSON record per committed lead, partitioned by dt = yyyy-MM-dd).
WITH latest AS (
  SELECT lead_id, lead_name, lead_email, company_name, domain, icp, fit_score, summary, researched_at, run_id,
         row_number() OVER (PARTITION BY lead_id ORDER BY researched_at DESC) AS rn
  FROM research
  WHERE dt >= CAST(CAST(current_date - INTERVAL '7' DAY AS DATE) AS VARCHAR)
    AND status = 'researched'
    AND fit_score IS NOT NULL
)
SELECT lead_name, lead_email, company_name, domain, icp, fit_score, summary, researched_at, run_id
FROM latest
WHERE rn = 1
ORDER BY fit_score DESC, researched_at DESC
LIMIT 50
