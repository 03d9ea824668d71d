-- New signals per ICP: the changes found by each ICP's latest run (its research lines or its
-- signal lines, whichever is newer, over the last 30 days), i.e. what changed since the run
-- before it. A latest run that found nothing lists nothing for its ICP.
WITH runs AS (
  SELECT icp, run_id, max(seen_at) AS seen_at
  FROM (
    SELECT icp, run_id, researched_at AS seen_at
    FROM research
    WHERE dt >= CAST(CAST(current_date - INTERVAL '30' DAY AS DATE) AS VARCHAR)
      AND icp IS NOT NULL
      AND coalesce(failure_stage, '-') <> 'search'
    UNION ALL
    SELECT icp, run_id, detected_at AS seen_at
    FROM signals
    WHERE dt >= CAST(CAST(current_date - INTERVAL '30' DAY AS DATE) AS VARCHAR)
      AND icp IS NOT NULL
  ) t
  GROUP BY icp, run_id
),
latest AS (
  SELECT icp, run_id, row_number() OVER (PARTITION BY icp ORDER BY seen_at DESC) AS rn
  FROM runs
)
SELECT s.icp, s.run_id, s.company_name, s.domain, s.kind, s.summary, s.intent_score, s.before_quote, s.after_quote,
       s.url, s.observed_at
FROM signals s
JOIN latest l ON l.icp = s.icp AND l.run_id = s.run_id AND l.rn = 1
WHERE s.dt >= CAST(CAST(current_date - INTERVAL '30' DAY AS DATE) AS VARCHAR)
ORDER BY s.icp, s.intent_score DESC NULLS LAST, s.domain, s.kind, s.summary
