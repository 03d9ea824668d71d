-- Companies hiring for an ICP's personas in the last 90 days: job openings whose function is the
-- function of one of the ICP's personas (`persona_match`, decided by change detection from the
-- personas' titles and departments), with seniority, the opening as listed and the company's
-- intent score for that ICP. One row per ICP and opening, strongest intent first.
WITH openings AS (
  SELECT icp, company_name, domain, item, job_function, seniority, intent_score, after_quote, url, observed_at, run_id,
         row_number() OVER (PARTITION BY icp, domain, signal_key ORDER BY detected_at DESC) AS rn
  FROM signals
  WHERE dt >= CAST(CAST(current_date - INTERVAL '90' DAY AS DATE) AS VARCHAR)
    AND kind = 'job_opened'
    AND persona_match
    AND icp IS NOT NULL
)
SELECT icp, company_name, domain, item AS opening, job_function, seniority, intent_score, after_quote, url, observed_at, run_id
FROM openings
WHERE rn = 1
ORDER BY icp, intent_score DESC NULLS LAST, domain, opening
